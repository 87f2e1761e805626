// The dpkg analyzer against real status files: every database fixture under
// fixtures/pkgdb/dpkg must give exactly what `dpkg-query -W` lists as
// installed (the generated *.tsv beside it), or, where no oracle could run,
// the expectation written here with the reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
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
using Row = std::tuple<std::string, std::string, std::string, std::string, std::string>;  // name version src srcver arch

const fs::path kRoot = fs::path(PORTCULLIS_FIXTURES) / "pkgdb" / "dpkg";

using testing::read_file;

FileResult run(std::string_view path, const std::string& content) {
  return testing::run_analyzer(*make_dpkg_analyzer(), path, content);
}

std::vector<Row> rows_of(const FileResult& r) {
  std::vector<Row> rows;
  for (const Package& p : r.packages) {
    EXPECT_EQ(p.ecosystem, "deb");
    rows.emplace_back(p.name, p.version, p.source_name, p.source_version, p.arch);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// The dpkg-query oracle's rows that count as installed: Status-Abbrev's want
// is not r(emove)/p(urge) and its state not n(ot-installed)/c(onfig-files).
std::vector<Row> expected_rows(const fs::path& tsv) {
  std::vector<Row> rows;
  for (const std::vector<std::string>& cols : testing::read_tsv(tsv, 6)) {
    const std::string& abbrev = cols[5];
    if (abbrev.size() < 2 || abbrev[0] == 'r' || abbrev[0] == 'p' || abbrev[1] == 'n' || abbrev[1] == 'c') continue;
    rows.emplace_back(cols[0], cols[1], cols[2], cols[3], cols[4]);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST(Dpkg, TrivyStatusFilesMatchDpkgQuery) {
  int checked = 0;
  for (const auto& dir : fs::directory_iterator(kRoot / "trivy")) {
    if (!dir.is_directory()) continue;
    fs::path status = dir.path() / "var/lib/dpkg/status";
    fs::path tsv = dir.path() / "expected-dpkg-query.tsv";
    ASSERT_TRUE(fs::exists(status)) << dir.path();
    if (!fs::exists(tsv)) continue;  // corrupsed: dpkg-query refuses it, see below
    SCOPED_TRACE(dir.path().filename().string());
    FileResult r = run("var/lib/dpkg/status", read_file(status));
    std::vector<Row> want = expected_rows(tsv);
    EXPECT_FALSE(want.empty());
    EXPECT_EQ(rows_of(r), want);
    EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
    ++checked;
  }
  EXPECT_EQ(checked, 5);
}

TEST(Dpkg, ValidSkipsTheConfigFilesOnlyPackage) {
  FileResult r = run("var/lib/dpkg/status", read_file(kRoot / "trivy/valid/var/lib/dpkg/status"));
  EXPECT_EQ(r.packages.size(), 90u);
  for (const Package& p : r.packages) EXPECT_NE(p.name, "git");  // "deinstall ok config-files"
}

TEST(Dpkg, ClaircoreStatusFilesMatchDpkgQuery) {
  int checked = 0;
  for (const char* name : {"debian-only", "postgresql", "texlive"}) {
    SCOPED_TRACE(name);
    FileResult r = run("var/lib/dpkg/status", read_file(kRoot / "claircore" / (std::string(name) + ".status")));
    EXPECT_EQ(rows_of(r), expected_rows(kRoot / "claircore" / (std::string(name) + ".expected-dpkg-query.tsv")));
    EXPECT_TRUE(r.warnings.empty());
    ++checked;
  }
  // Every claircore status fixture is covered here or by the vcpkg case.
  int fixtures = 0;
  for (const auto& e : fs::directory_iterator(kRoot / "claircore"))
    if (e.path().extension() == ".status") ++fixtures;
  EXPECT_EQ(fixtures, checked + 1);
}

TEST(Dpkg, SourceWithVersionInParentheses) {
  FileResult r = run("var/lib/dpkg/status", read_file(kRoot / "claircore/postgresql.status"));
  ASSERT_FALSE(r.packages.empty());
  const Package& p = r.packages.front();
  EXPECT_EQ(p.name, "postgresql-client");
  EXPECT_EQ(p.version, "11+200+deb10u5");
  EXPECT_EQ(p.source_name, "postgresql-common");
  EXPECT_EQ(p.source_version, "200+deb10u5");
}

TEST(Dpkg, VcpkgStatusIsNotADpkgDatabase) {
  // dpkg-query lists nothing for it (4 warnings); claircore's TestNotDB.
  EXPECT_TRUE(expected_rows(kRoot / "claircore/vcpkg.expected-dpkg-query.tsv").empty());
  FileResult r = run("var/lib/dpkg/status", read_file(kRoot / "claircore/vcpkg.status"));
  EXPECT_TRUE(r.packages.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("vcpkg"), std::string::npos);
}

TEST(Dpkg, CorruptedStatusKeepsTheReadableParagraphs) {
  // No oracle: dpkg-query stops at the first bad paragraph. Trivy's
  // expectation: the four well-formed packages; the one without Version and
  // the one whose version "1:5.#" has an invalid character are dropped.
  FileResult r = run("var/lib/dpkg/status", read_file(kRoot / "trivy/corrupsed/var/lib/dpkg/status"));
  std::vector<Row> want = {
      {"libgcc1", "1:5.1.1-12ubuntu1", "gcc-5", "5.1.1-12ubuntu1", "amd64"},
      {"libpam-modules-bin", "1.1.8-3.1ubuntu3", "pam", "1.1.8-3.1ubuntu3", "amd64"},
      {"libpam-runtime", "1.1.8-3.1ubuntu3", "pam", "1.1.8-3.1ubuntu3", "all"},
      {"makedev", "2.3.1-93ubuntu1", "makedev", "2.3.1-93ubuntu1", "all"},
  };
  EXPECT_EQ(rows_of(r), want);
  EXPECT_EQ(r.warnings.size(), 2u);
}

// Distroless status.d files: no dpkg-query oracle (it reads only a status
// file); expectations from the files' content and syft's tests.
TEST(Dpkg, DistrolessStatusDirectory) {
  const std::map<std::string, std::pair<std::vector<Row>, bool /*warnings*/>> want = {
      {"coreutils-relationships",
       {{{"coreutils", "9.1-1", "coreutils", "9.1-1", "arm64"},
         {"gcc-12-base", "12.2.0-14", "gcc-12", "12.2.0-14", "arm64"},
         {"libacl1", "2.3.1-3", "acl", "2.3.1-3", "arm64"},
         {"libattr1", "1:2.5.1-4", "attr", "1:2.5.1-4", "arm64"},
         {"libc6", "2.36-9+deb12u1", "glibc", "2.36-9+deb12u1", "arm64"},
         {"libgcc-s1", "12.2.0-14", "gcc-12", "12.2.0-14", "arm64"},
         {"libgmp10", "2:6.2.1+dfsg1-1.1", "gmp", "2:6.2.1+dfsg1-1.1", "arm64"},
         {"libpcre2-8-0", "10.42-1", "pcre2", "10.42-1", "arm64"},
         {"libselinux1", "3.4-1+b6", "libselinux", "3.4-1", "arm64"}},
        false}},
      {"corrupt", {{}, true}},
      {"deinstall",
       {{{"linux-image-6.14.0-1012-aws", "6.14.0-1012.12~24.04.1", "linux-signed-aws-6.14", "6.14.0-1012.12~24.04.1",
          "amd64"}},
        false}},
      {"doc-examples",
       {{{"made-up-package-1", "1.0.0", "glibc", "1.0.0", ""},
         {"made-up-package-2", "2.0.0", "made-up-package-2", "2.0.0", ""},
         {"made-up-package-3", "3.0.0", "made-up-package-3", "3.0.0", ""},
         {"made-up-package-4", "3.0.0", "made-up-package-4", "3.0.0", ""},
         {"mutt", "1.3.17-1", "mutt", "1.3.17-1", ""}},
        true}},  // the dependency-only paragraphs have no Version
      {"empty", {{}, true}},
      {"installed-size-4KB", {{{"apt", "1.8.2", "apt-dev", "1.8.2", "amd64"}}, false}},
      {"libpam-runtime", {{{"libpam-runtime", "1.5.2-6+deb12u1", "pam", "1.5.2-6+deb12u1", "all"}}, true}},
      {"multiple",
       {{{"tzdata", "2020a-0+deb10u1", "tzdata-dev", "2020a-0+deb10u1", "all"},
         {"util-linux", "2.33.1-0.1", "util-linux", "2.33.1-0.1", "amd64"}},
        true}},
      {"single", {{{"apt", "1.8.2", "apt-dev", "1.8.2", "amd64"}}, false}},
  };
  int seen = 0;
  for (const auto& e : fs::directory_iterator(kRoot / "syft-status.d")) {
    std::string name = e.path().filename().string();
    SCOPED_TRACE(name);
    auto it = want.find(name);
    ASSERT_NE(it, want.end()) << "new fixture without an expectation";
    FileResult r = run("var/lib/dpkg/status.d/" + name, read_file(e.path()));
    EXPECT_EQ(rows_of(r), it->second.first);
    EXPECT_EQ(!r.warnings.empty(), it->second.second);
    ++seen;
  }
  EXPECT_EQ(seen, static_cast<int>(want.size()));
}

TEST(Dpkg, WantsOnlyControlData) {
  auto a = make_dpkg_analyzer();
  auto wants = [&](std::string_view p) { return a->wants(FileInfo{p, 100, 0644}); };
  EXPECT_EQ(wants("var/lib/dpkg/status"), Want::whole);
  EXPECT_EQ(wants("var/lib/dpkg/status.d/libssl3"), Want::whole);
  EXPECT_EQ(wants("var/lib/dpkg/status.d/libbz2-1.0"), Want::whole);
  EXPECT_EQ(wants("var/lib/dpkg/status.d/libssl3.md5sums"), Want::no);
  EXPECT_EQ(wants("var/lib/dpkg/status.d/sub/x"), Want::no);
  EXPECT_EQ(wants("var/lib/dpkg/status-old"), Want::no);
  EXPECT_EQ(wants("var/lib/dpkg/available"), Want::no);
  EXPECT_EQ(wants("var/lib/dpkg/info/tar.md5sums"), Want::no);
  // OpenWrt's opkg database looks alike but is not dpkg's (fixtures/pkgdb/dpkg/syft-opkg).
  EXPECT_EQ(wants("var/lib/opkg/status"), Want::no);
  EXPECT_EQ(wants("usr/lib/opkg/status"), Want::no);
}

TEST(Dpkg, GarbageGivesWarningsNotCrashes) {
  std::mt19937 rng(7);
  std::string valid = read_file(kRoot / "trivy/valid/var/lib/dpkg/status");
  for (int round = 0; round < 200; ++round) {
    std::string s = valid.substr(0, rng() % 4000);
    for (int k = 0; k < 20; ++k)
      if (!s.empty()) s[rng() % s.size()] = static_cast<char>(rng() % 256);
    FileResult r = run("var/lib/dpkg/status", s);
    for (const Package& p : r.packages) EXPECT_FALSE(p.name.empty());
  }
  FileResult bin = run("var/lib/dpkg/status", std::string("\x7f" "ELF\0\0\1", 7));
  EXPECT_TRUE(bin.packages.empty());
  EXPECT_FALSE(bin.warnings.empty());
  std::string lines;
  for (int i = 0; i < 20000; ++i) lines += "no field here\n";
  FileResult noise = run("var/lib/dpkg/status", lines);
  EXPECT_TRUE(noise.packages.empty());
  EXPECT_LE(noise.warnings.size(), 21u);  // bounded, however many lines are bad
}

}  // namespace
}  // namespace portcullis::scan
