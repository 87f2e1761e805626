// The Cargo.lock analyzer, driven through the Analyzer interface, against
// shared/fixtures/lang/rust/trivy-cargo (v1, v3, mixed and invalid lockfiles
// from Trivy's cargo parser tests) and the cargo.lock integration golden.
#include <set>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "scan/analyzers/analyzers.h"
#include "analyzer_test_support.h"

namespace portcullis::scan {
namespace {

using testing::name_versions;
using testing::NameVersion;
using testing::read_fixture;

FileResult run(std::string_view content, std::string_view path = "src/app/Cargo.lock") {
  return testing::run_analyzer(*make_rust_analyzer(), path, content);
}

// cargo_normal.lock and cargo_mixed.lock describe the same tree.
const std::set<NameVersion> kNormal = {{"libc", "0.2.54"},  {"normal", "0.1.0"},  {"unsafe-any", "0.4.2"},
                                       {"typemap", "0.3.3"}, {"idna", "0.1.5"},    {"matches", "0.1.8"},
                                       {"percent-encoding", "1.0.1"}, {"url", "1.7.2"}};

TEST(RustAnalyzer, WantsCargoLockOnly) {
  auto a = make_rust_analyzer();
  auto wants = [&](std::string_view p) { return a->wants(FileInfo{p, 100, 0644}); };
  EXPECT_EQ(wants("Cargo.lock"), Want::whole);
  EXPECT_EQ(wants("src/app/Cargo.lock"), Want::whole);
  EXPECT_EQ(wants("src/app/Cargo.toml"), Want::no);
  EXPECT_EQ(wants("src/app/cargo.lock"), Want::no);
  EXPECT_EQ(wants("src/app/Cargo.lock.orig"), Want::no);
  EXPECT_EQ(wants("src/app/NotCargo.lock"), Want::no);
}

TEST(RustCargoLock, Version1) {
  FileResult r = run(read_fixture("lang/rust/trivy-cargo/cargo_normal.lock"));
  EXPECT_EQ(name_versions(r, ecosystem::kCargo), kNormal);
  EXPECT_EQ(r.packages.size(), kNormal.size());
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.packages[0].path, "src/app/Cargo.lock");
}

TEST(RustCargoLock, MixedLayoutMultiLineStringsAndLateTables) {
  // Comments between tables, `version = """1.7.2"""`, and a [[package]] after [metadata].
  FileResult r = run(read_fixture("lang/rust/trivy-cargo/cargo_mixed.lock"));
  EXPECT_EQ(name_versions(r, ecosystem::kCargo), kNormal);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(RustCargoLock, Version3TwoVersionsOfOneCrate) {
  FileResult r = run(read_fixture("lang/rust/trivy-cargo/cargo_v3.lock"));
  EXPECT_EQ(name_versions(r, ecosystem::kCargo), (std::set<NameVersion>{{"aho-corasick", "0.7.20"},
                                                     {"app", "0.1.0"},
                                                     {"libc", "0.2.140"},
                                                     {"memchr", "1.0.2"},
                                                     {"memchr", "2.5.0"},
                                                     {"regex", "1.7.3"},
                                                     {"regex-syntax", "0.5.6"},
                                                     {"regex-syntax", "0.6.29"},
                                                     {"ucd-util", "0.1.10"}}));
  EXPECT_TRUE(r.warnings.empty());
}

TEST(RustCargoLock, InvalidEntryDroppedOthersKept) {
  // Trivy rejects the whole file (`version =` has no value); we drop only
  // that [[package]] and say so.
  FileResult r = run(read_fixture("lang/rust/trivy-cargo/cargo_invalid.lock"));
  EXPECT_EQ(name_versions(r, ecosystem::kCargo), (std::set<NameVersion>{{"libc", "0.2.54"}, {"typemap", "0.3.3"}, {"url", "1.7.2"}}));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("line 10"), std::string::npos) << r.warnings[0];
}

TEST(RustCargoLock, TomlForms) {
  FileResult r = run(
      "version = 4\n"
      "[[package]]\n"
      "name = 'lit'  # literal string\n"
      "version = \"1.0.0\"\n"
      "source = \"git+https://example.com/x?rev=1#abc\"\n"
      "dependencies = [\n  \"a\", # comment\n  [ \"nested\", {k = 1} ],\n]\n"
      "meta = { a = \"b\", c = [1, 2], d.e = true }\n"
      "when = 1979-05-27 07:32:00Z\n"
      "\n[[package]]\r\n\"name\" = \"quoted-key\"\r\nversion = '''\n2.0.0'''\r\n"
      "[[package]]\nname = \"esc\\u00e9\"\nversion = \"3\"\n"
      "[[package]]\nname = \"no-version\"\n"
      "[patch.unused]\nname = \"not-a-package\"\nversion = \"9\"\n");
  EXPECT_EQ(name_versions(r, ecosystem::kCargo), (std::set<NameVersion>{{"lit", "1.0.0"}, {"quoted-key", "2.0.0"}, {"esc\\u00e9", "3"}}));
  ASSERT_EQ(r.warnings.size(), 1u);  // the table without a version
}

TEST(RustMalformed, TruncatedAndJunk) {
  std::string text = read_fixture("lang/rust/trivy-cargo/cargo_v3.lock");
  for (std::size_t cut = 0; cut < text.size(); cut += 37) {
    FileResult r = run(std::string_view(text).substr(0, cut));
    for (const Package& p : r.packages) EXPECT_FALSE(p.name.empty() || p.version.empty());
  }
  for (std::string_view junk : {std::string_view("[[package"), std::string_view("[[package]]\nname = \"a\nversion = \"1\""),
                                std::string_view("[[package]]\nname = \"\"\"never closed"),
                                std::string_view("[[package]]\nname = \"a\" trailing\nversion = \"1\"\n"),
                                std::string_view("\0\0=\0", 4), std::string_view("= = =\n[[]]\n")}) {
    FileResult j = run(junk);
    EXPECT_TRUE(j.packages.empty()) << junk;
    EXPECT_FALSE(j.warnings.empty()) << junk;
  }
}

TEST(RustMalformed, DeepNestingAndManyErrorsAreBounded) {
  std::string deep = "[[package]]\nname = \"a\"\nversion = \"1\"\nx = " + std::string(100000, '[') + "\n";
  FileResult d = run(deep);
  EXPECT_TRUE(d.packages.empty());
  EXPECT_EQ(d.warnings.size(), 1u);

  std::string many;
  for (int i = 0; i < 100000; ++i) many += "???\n";
  FileResult m = run(many);
  EXPECT_LE(m.warnings.size(), 25u);
}

}  // namespace
}  // namespace portcullis::scan
