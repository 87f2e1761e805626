// The GitHub advisories of the OSV fixtures matched against the packages of a
// real npm lock file (old versions pinned on purpose), through the real npm
// analyzer, importer, database and matcher.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "scan/analyzers/analyzers.h"
#include "scan/inventory.h"
#include "support/temp_dir.h"
#include "vuln/advisory_db.h"
#include "vuln/importers.h"
#include "vuln/matcher.h"

namespace portcullis::vuln {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OsvMatch, OldNpmDependenciesGetExactlyTheAdvisoriesThatApply) {
  const std::filesystem::path fixtures = PORTCULLIS_FIXTURES;
  portcullis::testing::TempDir dir;
  std::string db_path = (std::filesystem::path(dir.path()) / "osv.db").string();
  {
    auto writer = AdvisoryDbWriter::create(db_path);
    ASSERT_TRUE(writer) << writer.error().message;
    auto stats = import_osv((fixtures / "vulndata/osv/ghsa-npm").string(),
                            [&](const Advisory& a) { return (*writer)->add(a); });
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->records, 14u);
    ASSERT_TRUE((*writer)->commit());
  }
  auto db = AdvisoryDb::open(db_path);
  ASSERT_TRUE(db) << db.error().message;

  auto npm = scan::make_npm_analyzer();
  std::string lock = slurp(fixtures / "lang/npm/old-deps/package-lock.json");
  scan::FileInfo info{"app/package-lock.json", lock.size(), 0644};
  ASSERT_EQ(npm->wants(info), scan::Want::whole);
  scan::FileResult file{"app/package-lock.json", "npm", {}, {}, {}};
  npm->analyze(info, lock, file);
  scan::LayerResult layer;
  layer.diff_id = "sha256:test";
  layer.files.push_back(file);
  scan::Inventory inventory;
  scan::merge_layers({layer}, inventory);
  ASSERT_GT(inventory.packages.size(), 50u);

  auto result = match_inventory(inventory, **db);
  ASSERT_TRUE(result) << result.error().message;
  std::set<std::string> found;
  for (const Finding& f : result->findings) found.insert(f.id + " " + f.package.name + "@" + f.package.version);
  const std::set<std::string> expected = {
      "GHSA-p6mc-m468-83gw lodash@4.17.4", "GHSA-35jh-r3h4-6jhm lodash@4.17.4", "GHSA-29mw-wpgm-hmr9 lodash@4.17.4",
      "GHSA-jf85-cpcp-j695 lodash@4.17.4", "GHSA-vh95-rmgr-6w4m minimist@1.2.0", "GHSA-xvch-5gv4-984h minimist@1.2.0",
      "GHSA-rv95-896h-c2vc express@4.16.0", "GHSA-qw6h-vgh9-j6wx express@4.16.0", "GHSA-wf5p-g6vw-rhxx axios@0.18.0",
      "GHSA-r683-j2x4-v87g node-fetch@2.6.0", "GHSA-9c47-m6qq-7p4h json5@2.1.0", "GHSA-c2qf-rxjj-qqgw semver@5.7.1",
      "GHSA-8hfj-j24r-96c4 moment@2.29.1", "GHSA-wc69-rhjr-hc9g moment@2.29.1"};
  EXPECT_EQ(found, expected);
  EXPECT_TRUE(result->warnings.empty()) << result->warnings.front();
  for (const Finding& f : result->findings) {
    EXPECT_EQ(f.feed, "osv");
    EXPECT_FALSE(f.fixed_versions.empty()) << f.id;
    EXPECT_NE(f.severity, "unknown") << f.id;
  }
}

}  // namespace
}  // namespace portcullis::vuln
