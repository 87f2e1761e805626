// The OSV importer against every fixture record, a zip built from them, and
// broken inputs.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "vuln_test_support.h"
#include "vuln/importers.h"
#include "vuln/importers/osv.h"

namespace fs = std::filesystem;
using namespace portcullis::vuln;

namespace {

const fs::path kOsv = fs::path(PORTCULLIS_FIXTURES) / "vulndata" / "osv";

struct Collected {
  std::map<std::string, Advisory> by_id;
  ImportStats stats;
  bool ok = false;
  std::string error;
};

Collected import(const fs::path& p) {
  Collected c;
  auto r = import_osv(p.string(), [&](const Advisory& a) -> portcullis::core::Result<void> {
    c.by_id[a.id] = a;
    return {};
  });
  c.ok = r.ok();
  if (r.ok()) c.stats = *r;
  else c.error = r.error().message;
  return c;
}

using portcullis::vuln::testing::find;

TEST(OsvImporter, EveryFixtureFolderImports) {
  // folder -> {records, skipped}. chainguard/all.json is an index of ids, not
  // a record (no OSV object at top level): the one genuinely skipped file.
  // pypi/PYSEC-2023-73 is withdrawn: read, not imported, not "skipped".
  const std::map<std::string, std::pair<std::size_t, std::size_t>> expected = {
      {"almalinux", {5, 0}}, {"chainguard", {3, 1}}, {"debian", {2, 0}}, {"ghsa-npm", {14, 0}},
      {"ghsa-other", {10, 0}}, {"go", {8, 0}}, {"pypi", {2, 0}}, {"rocky", {3, 0}}};
  std::size_t folders = 0;
  for (const auto& d : fs::directory_iterator(kOsv)) {
    const std::string name = d.path().filename().string();
    auto c = import(d.path());
    ASSERT_TRUE(c.ok) << name << ": " << c.error;
    ASSERT_TRUE(expected.count(name)) << "new fixture folder " << name;
    EXPECT_EQ(c.stats.records, expected.at(name).first) << name;
    EXPECT_EQ(c.stats.skipped, expected.at(name).second) << name;
    EXPECT_EQ(c.by_id.size(), c.stats.records) << name;
    EXPECT_FALSE(c.stats.newest.empty()) << name;
    for (const auto& w : c.stats.warnings) std::printf("  %s warning: %s\n", name.c_str(), w.c_str());
    ++folders;
  }
  EXPECT_EQ(folders, expected.size());
  auto c = import(kOsv / "chainguard");
  bool named = false;
  for (const auto& w : c.stats.warnings) named = named || w.find("all.json") != std::string::npos;
  EXPECT_TRUE(named);
  auto py = import(kOsv / "pypi");
  EXPECT_FALSE(py.by_id.count("PYSEC-2023-73"));
}

TEST(OsvImporter, GhsaNpmRecordsEndUpRight) {
  auto c = import(kOsv);
  ASSERT_TRUE(c.ok) << c.error;
  const auto& lodash = c.by_id.at("GHSA-35jh-r3h4-6jhm");
  EXPECT_EQ(lodash.source, "osv");
  EXPECT_EQ(lodash.severity, "high");
  EXPECT_EQ(lodash.aliases, std::vector<std::string>{"CVE-2021-23337"});
  EXPECT_FALSE(lodash.title.empty());
  EXPECT_FALSE(lodash.description.empty());
  EXPECT_FALSE(lodash.references.empty());
  EXPECT_FALSE(lodash.published.empty());
  const auto* l = find(lodash, "npm", "lodash");
  ASSERT_NE(l, nullptr);
  ASSERT_EQ(l->ranges.size(), 1u);
  EXPECT_EQ(l->ranges[0].introduced, "0");
  EXPECT_EQ(l->ranges[0].fixed, "4.17.21");
  EXPECT_EQ(l->fixed_versions, std::vector<std::string>{"4.17.21"});
  EXPECT_EQ(l->fix_state, fix_state::kFixed);
  ASSERT_NE(find(lodash, "npm", "lodash-es"), nullptr);

  const auto* nf = find(c.by_id.at("GHSA-r683-j2x4-v87g"), "npm", "node-fetch");
  ASSERT_NE(nf, nullptr);
  EXPECT_EQ(nf->ranges[0].introduced, "1.0");  // kept as written, not "1.0.0"
  EXPECT_EQ(nf->ranges[0].fixed, "3.1.1");

  for (const char* id : {"GHSA-8hfj-j24r-96c4", "GHSA-wc69-rhjr-hc9g"}) {
    const auto& m = c.by_id.at(id);
    EXPECT_NE(find(m, "npm", "moment"), nullptr) << id;
    EXPECT_NE(find(m, "NuGet", "Moment.js"), nullptr) << id;
  }
  const auto* pre = find(c.by_id.at("GHSA-rv95-896h-c2vc"), "npm", "express", 1);
  ASSERT_NE(pre, nullptr);
  EXPECT_EQ(pre->ranges[0].introduced, "5.0.0-alpha.1");
  EXPECT_EQ(pre->ranges[0].fixed, "5.0.0-beta.3");

  const auto* trim = find(c.by_id.at("GHSA-29mw-wpgm-hmr9"), "npm", "lodash.trimend");
  ASSERT_NE(trim, nullptr);
  EXPECT_EQ(trim->ranges[0].last_affected, "4.5.1");
  EXPECT_TRUE(trim->ranges[0].fixed.empty());
  EXPECT_TRUE(trim->fixed_versions.empty());

  const auto& axios = c.by_id.at("GHSA-wf5p-g6vw-rhxx");
  EXPECT_TRUE(axios.cvss.empty());
  EXPECT_EQ(axios.severity, "medium");

  const auto& ex = c.by_id.at("GHSA-qw6h-vgh9-j6wx");
  ASSERT_EQ(ex.cvss.size(), 2u);
  EXPECT_EQ(ex.cvss[0].version, "3.1");
  EXPECT_EQ(ex.cvss[1].version, "4.0");
  EXPECT_EQ(ex.cvss[1].vector.rfind("CVSS:4.0/", 0), 0u);
  EXPECT_EQ(ex.cvss[1].source, "ghsa");
  EXPECT_EQ(c.by_id.at("GHSA-r683-j2x4-v87g").cvss.at(0).version, "3.0");
}

TEST(OsvImporter, DistroAndGoRecordsEndUpRight) {
  auto c = import(kOsv);
  ASSERT_TRUE(c.ok) << c.error;
  const auto& dsa = c.by_id.at("DSA-3029-1");
  const auto* nginx = find(dsa, "debian:7", "nginx");
  ASSERT_NE(nginx, nullptr);
  EXPECT_EQ(nginx->fixed_versions, std::vector<std::string>{"1.2.1-2.2+wheezy3"});
  EXPECT_EQ(dsa.aliases, std::vector<std::string>{"CVE-2014-3616"});
  const auto& dla = c.by_id.at("DLA-3623-1");
  EXPECT_TRUE(dla.affected.empty());
  EXPECT_GT(dla.aliases.size(), 40u);  // from "upstream"

  const auto& alsa = c.by_id.at("ALSA-2022:8194");
  EXPECT_EQ(alsa.severity, "medium");  // "Moderate: ..."
  const auto* tiff = find(alsa, "almalinux:9", "libtiff");
  ASSERT_NE(tiff, nullptr);
  EXPECT_EQ(tiff->ranges.at(0).fixed, "4.4.0-2.el9");
  const auto* java = find(c.by_id.at("RLSA-2021:3891"), "rocky:8", "java-11-openjdk");
  ASSERT_NE(java, nullptr);
  EXPECT_EQ(java->fixed_versions, std::vector<std::string>{"1:11.0.13.0.8-1.el8_4"});
  EXPECT_NE(find(c.by_id.at("RLSA-2024:3671"), "rocky:9", "ruby"), nullptr);

  const auto* stdlib = find(c.by_id.at("GO-2024-2687"), "Go", "stdlib");
  ASSERT_NE(stdlib, nullptr);
  ASSERT_EQ(stdlib->ranges.size(), 2u);  // one OSV range, two intervals
  EXPECT_EQ(stdlib->ranges[1].introduced, "1.22.0-0");
  EXPECT_EQ(stdlib->ranges[1].fixed, "1.22.2");
  EXPECT_EQ(stdlib->fixed_versions, (std::vector<std::string>{"1.21.9", "1.22.2"}));
}

TEST(OsvImporter, EcosystemKeys) {
  EXPECT_EQ(osv_ecosystem_key("Debian:12"), "debian:12");
  EXPECT_EQ(osv_ecosystem_key("Ubuntu:22.04:LTS"), "ubuntu:22.04");
  EXPECT_EQ(osv_ecosystem_key("Ubuntu:Pro:18.04:LTS"), "ubuntu:18.04");
  EXPECT_EQ(osv_ecosystem_key("Alpine:v3.18"), "alpine:3.18");
  EXPECT_EQ(osv_ecosystem_key("AlmaLinux:9"), "almalinux:9");
  EXPECT_EQ(osv_ecosystem_key("Rocky Linux:9"), "rocky:9");
  for (const char* e : {"npm", "PyPI", "Go", "Maven", "crates.io", "NuGet", "Packagist", "RubyGems"})
    EXPECT_EQ(osv_ecosystem_key(e), e);
}

TEST(OsvImporter, ParserRefusesBadRecordsWithoutThrowing) {
  Advisory a;
  std::string err;
  EXPECT_EQ(parse_osv_record("{", a, err), OsvParse::kInvalid);
  EXPECT_EQ(parse_osv_record("[]", a, err), OsvParse::kInvalid);
  EXPECT_EQ(parse_osv_record(R"({"summary":"no id"})", a, err), OsvParse::kInvalid);
  EXPECT_EQ(parse_osv_record(std::string(100000, '[') + std::string(100000, ']'), a, err), OsvParse::kInvalid);
  EXPECT_EQ(parse_osv_record(R"({"id":"X-1","withdrawn":"2020-01-01T00:00:00Z"})", a, err), OsvParse::kWithdrawn);
  // Wrong types everywhere are ignored, not fatal.
  const char* odd = R"({"id":"X-2","aliases":"no","severity":{"a":1},"affected":[1,{"package":"x"},
    {"package":{"ecosystem":"npm","name":"p"},"ranges":[{"type":"GIT","events":[{"introduced":"abc"}]},
    {"type":"SEMVER","events":[{"introduced":5},{"fixed":"1.0.0"},{"limit":"*"}]}],"versions":[1,"0.9.0"]}]})";
  std::vector<std::string> warnings;
  ASSERT_EQ(parse_osv_record(odd, a, err, &warnings), OsvParse::kOk) << err;
  ASSERT_EQ(a.affected.size(), 1u);
  ASSERT_EQ(a.affected[0].ranges.size(), 1u);
  EXPECT_EQ(a.affected[0].ranges[0].fixed, "1.0.0");
  EXPECT_EQ(a.affected[0].versions, std::vector<std::string>{"0.9.0"});
  ASSERT_EQ(parse_osv_record(R"({"id":"X-3","affected":[{"package":{"ecosystem":"npm","name":"p"},
    "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"not a version"}]}]}]})", a, err, &warnings), OsvParse::kOk);
  EXPECT_NE(warnings.back().find("not a version"), std::string::npos);
}

class OsvFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("osvtest-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

void write_zip(const fs::path& zip, const std::vector<fs::path>& files) {
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  ASSERT_EQ(archive_write_open_filename(a, zip.string().c_str()), ARCHIVE_OK);
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, f.filename().string().c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
    archive_write_header(a, e);
    archive_write_data(a, bytes.data(), bytes.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

TEST_F(OsvFiles, ZipImportsTheSameAndTruncatedZipIsAnError) {
  std::vector<fs::path> files;
  for (const char* d : {"ghsa-npm", "go", "debian"})
    for (const auto& f : fs::directory_iterator(kOsv / d)) files.push_back(f.path());
  write_zip(dir_ / "all.zip", files);
  auto z = import(dir_ / "all.zip");
  ASSERT_TRUE(z.ok) << z.error;
  EXPECT_EQ(z.stats.records, files.size());
  EXPECT_EQ(z.stats.skipped, 0u);
  auto npm = import(kOsv / "ghsa-npm");
  for (const auto& [id, a] : npm.by_id) {
    ASSERT_TRUE(z.by_id.count(id)) << id;
    EXPECT_EQ(z.by_id.at(id).affected.size(), a.affected.size()) << id;
    EXPECT_EQ(z.by_id.at(id).modified, a.modified) << id;
  }
  const auto size = fs::file_size(dir_ / "all.zip");
  fs::copy_file(dir_ / "all.zip", dir_ / "cut.zip");
  fs::resize_file(dir_ / "cut.zip", size / 2);
  auto cut = import(dir_ / "cut.zip");
  EXPECT_FALSE(cut.ok);
  EXPECT_FALSE(cut.error.empty());
}

TEST_F(OsvFiles, MalformedJsonInADirectoryIsSkippedWithAWarning) {
  fs::create_directories(dir_ / "sub");
  fs::copy_file(kOsv / "ghsa-npm" / "GHSA-35jh-r3h4-6jhm.json", dir_ / "sub" / "good.json");
  std::ofstream(dir_ / "broken.json") << "{\"id\": \"GHSA-broken\", \"affected\": [";
  std::ofstream(dir_ / "notes.txt") << "not json, not looked at";
  auto c = import(dir_);
  ASSERT_TRUE(c.ok) << c.error;
  EXPECT_EQ(c.stats.records, 1u);
  EXPECT_EQ(c.stats.skipped, 1u);
  ASSERT_FALSE(c.stats.warnings.empty());
  EXPECT_NE(c.stats.warnings[0].find("broken.json"), std::string::npos);
  // One file that is not a record at all, or a path that is not there: errors.
  EXPECT_FALSE(import(dir_ / "broken.json").ok);
  EXPECT_FALSE(import(dir_ / "missing.json").ok);
  auto one = import(dir_ / "sub" / "good.json");
  ASSERT_TRUE(one.ok);
  EXPECT_EQ(one.stats.records, 1u);
}

}  // namespace
