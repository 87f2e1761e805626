// The apk analyzer against real Alpine databases: every fixture under
// fixtures/pkgdb/apk gives the list in the expected TSV beside it (rows marked
// INVALID lack a version and must be skipped with a warning).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "scan/analyzer.h"
#include "scan/analyzers/analyzers.h"
#include "analyzer_test_support.h"

namespace portcullis::scan {
namespace {

namespace fs = std::filesystem;
using Row = std::tuple<std::string, std::string, std::string, std::string>;  // name version origin arch

const fs::path kRoot = fs::path(PORTCULLIS_FIXTURES) / "pkgdb" / "apk";

using testing::read_file;

FileResult run(const std::string& content, std::string_view path = "lib/apk/db/installed") {
  return testing::run_analyzer(*make_apk_analyzer(), path, content);
}

struct Expected {
  std::vector<Row> ok;
  std::size_t invalid = 0;
};

Expected read_expected(const fs::path& tsv) {
  Expected e;
  for (const std::vector<std::string>& cols : testing::read_tsv(tsv, 5)) {
    if (cols[4] == "INVALID") ++e.invalid;
    else e.ok.emplace_back(cols[0], cols[1], cols[2], cols[3]);
  }
  return e;
}

// "<db>.expected.tsv" describes the file <db>; "<dir>/expected.tsv" describes <dir>/installed.
fs::path database_for(const fs::path& tsv) {
  std::string name = tsv.filename().string();
  if (name == "expected.tsv") return tsv.parent_path() / "installed";
  return tsv.parent_path() / name.substr(0, name.size() - std::string(".expected.tsv").size());
}

TEST(Apk, EveryDatabaseFixtureMatchesItsExpectedList) {
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(kRoot)) {
    std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.size() < 12 || name.substr(name.size() - 12) != "expected.tsv") continue;
    SCOPED_TRACE(e.path().string());
    fs::path db = database_for(e.path());
    ASSERT_TRUE(fs::is_regular_file(db));
    Expected want = read_expected(e.path());
    FileResult r = run(read_file(db));
    std::vector<Row> got;
    for (const Package& p : r.packages) {
      EXPECT_EQ(p.ecosystem, "apk");
      got.emplace_back(p.name, p.version, p.source_name, p.arch);
    }
    EXPECT_EQ(got, want.ok);  // database order
    if (want.invalid > 0) {
      EXPECT_GE(r.warnings.size(), want.invalid);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 8);
}

TEST(Apk, TrivyDatabaseDetails) {
  FileResult r = run(read_file(kRoot / "trivy/installed"), "usr/lib/apk/db/installed");
  ASSERT_EQ(r.packages.size(), 15u);  // the same 15 Trivy's apk_test asserts
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("invalidPackageWithoutAVersion"), std::string::npos);
  auto find = [&](std::string_view name) -> const Package* {
    for (const Package& p : r.packages)
      if (p.name == name) return &p;
    return nullptr;
  };
  const Package* ssl = find("libssl1.0");
  ASSERT_NE(ssl, nullptr);
  EXPECT_EQ(ssl->source_name, "openssl");
  EXPECT_EQ(ssl->source_version, "1.0.2h-r1");
  const Package* musl_utils = find("musl-utils");
  ASSERT_NE(musl_utils, nullptr);
  EXPECT_EQ(musl_utils->licenses, (std::vector<std::string>{"MIT", "BSD", "GPL2+"}));
  const Package* ada = find("ada-libs");
  ASSERT_NE(ada, nullptr);
  EXPECT_EQ(ada->licenses, (std::vector<std::string>{"( Apache-2.0 OR MIT ) AND MPL-2.0"}));
}

TEST(Apk, CorruptDatabaseWarnsAndKeepsTheRest) {
  FileResult r = run(read_file(kRoot / "syft/corrupt/lib/apk/db/installed"));
  ASSERT_EQ(r.packages.size(), 1u);
  EXPECT_EQ(r.packages[0].name, "alpine-baselayout-data");
  EXPECT_FALSE(r.warnings.empty());
}

TEST(Apk, RecordWithoutOriginIsItsOwnSource) {
  FileResult r = run("P:foo\nV:1.0-r0\nA:aarch64\n\nP:bar\n\n");
  ASSERT_EQ(r.packages.size(), 1u);
  EXPECT_EQ(r.packages[0].source_name, "foo");
  EXPECT_EQ(r.packages[0].source_version, "1.0-r0");
  EXPECT_EQ(r.packages[0].arch, "aarch64");
  EXPECT_EQ(r.warnings.size(), 1u);
}

TEST(Apk, WantsOnlyTheInstalledDatabase) {
  auto a = make_apk_analyzer();
  EXPECT_EQ(a->wants(FileInfo{"lib/apk/db/installed", 1, 0644}), Want::whole);
  EXPECT_EQ(a->wants(FileInfo{"usr/lib/apk/db/installed", 1, 0644}), Want::whole);
  EXPECT_EQ(a->wants(FileInfo{"lib/apk/db/scripts.tar", 1, 0644}), Want::no);
  EXPECT_EQ(a->wants(FileInfo{"etc/apk/repositories", 1, 0644}), Want::no);
}

TEST(Apk, GarbageGivesWarningsNotCrashes) {
  std::mt19937 rng(11);
  std::string valid = read_file(kRoot / "syft/multiple-2/lib/apk/db/installed");
  for (int round = 0; round < 200; ++round) {
    std::string s = valid.substr(0, rng() % valid.size());
    for (int k = 0; k < 20; ++k)
      if (!s.empty()) s[rng() % s.size()] = static_cast<char>(rng() % 256);
    FileResult r = run(s);
    for (const Package& p : r.packages) EXPECT_FALSE(p.name.empty() || p.version.empty());
  }
  std::string lines;
  for (int i = 0; i < 20000; ++i) lines += "garbage\n";
  FileResult noise = run(lines);
  EXPECT_TRUE(noise.packages.empty());
  EXPECT_LE(noise.warnings.size(), 21u);
  FileResult bin = run(std::string("P:x\0V:1", 7));
  EXPECT_TRUE(bin.packages.empty());
  EXPECT_FALSE(bin.warnings.empty());
}

}  // namespace
}  // namespace portcullis::scan
