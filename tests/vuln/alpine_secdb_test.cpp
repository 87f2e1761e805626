// The Alpine secdb importer against every secdb JSON fixture in
// fixtures/vulndata/alpine-secdb: the v3.9/v3.10 branch files (*.derived.json,
// the YAML converted), claircore's genuine v3.10 community download, Wolfi's
// secdb and vuln-list's one-package form. The *.yaml files are the same data
// in YAML and are not this importer's input.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "vuln_test_support.h"
#include "vuln/importers.h"
#include "vuln/importers/alpine_secdb.h"

namespace portcullis::vuln {
namespace {

const std::string kDir = std::string(PORTCULLIS_FIXTURES) + "/vulndata/alpine-secdb";

using testing::Collected;
using testing::find;

bool has_alias(const Advisory& a, std::string_view alias) { return testing::has(a.aliases, alias); }

struct FixtureCount {
  const char* file;
  std::size_t advisories, entries, skipped;
};

// Advisories (distinct identifiers) and (identifier, package) entries per
// file. Three secfix keys of the real feed are not apk versions and are
// skipped with a warning (apk cannot order them, so no fix can be matched):
// xen "4.10-1-r1" in v3.9 main (CVE-2018-8897, -10982, -10981) and phpmyadmin
// "4.8.0.-r1" in v3.9 and v3.10 community (CVE-2018-10188).
TEST(AlpineSecdb, EveryFixtureFileImportsWhole) {
  const FixtureCount counts[] = {
      {"alpine-secdb-repo/v3.9/main.derived.json", 1057, 1099, 1},
      {"alpine-secdb-repo/v3.9/community.derived.json", 574, 592, 1},
      {"alpine-secdb-repo/v3.10/main.derived.json", 1111, 1159, 0},
      {"alpine-secdb-repo/v3.10/community.derived.json", 691, 711, 1},
      {"claircore-v3.10-community.json", 9, 9, 0},
      {"wolfi-security.json", 59, 59, 0},
      {"trivy-db-vuln-list/ansible.json", 7, 7, 0},
  };
  std::size_t total = 0, skipped = 0;
  for (const auto& c : counts) {
    Collected got;
    auto stats = import_alpine_secdb(kDir + "/" + c.file, got.sink());
    ASSERT_TRUE(stats.ok()) << c.file << ": " << stats.error().message;
    EXPECT_EQ(stats->records, c.advisories) << c.file;
    EXPECT_EQ(got.entries, c.entries) << c.file;
    EXPECT_EQ(stats->skipped, c.skipped) << c.file;
    EXPECT_EQ(stats->warnings.size(), c.skipped) << c.file;
    total += c.advisories;
    skipped += c.skipped;
  }
  // The whole directory: the same seven JSON files, nothing else read.
  Collected all;
  auto stats = import_alpine_secdb(kDir, all.sink());
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->records, total);
  EXPECT_EQ(stats->skipped, skipped);
}

TEST(AlpineSecdb, V310MainRecords) {
  Collected c;
  ASSERT_TRUE(import_alpine_secdb(kDir + "/alpine-secdb-repo/v3.10/main.derived.json", c.sink()).ok());
  // openssl CVE-2019-1549 on alpine 3.10: fixed in 1.1.1d-r0 (Trivy's alpine-310 golden agrees).
  const Advisory& a = c.by_id.at("CVE-2019-1549");
  EXPECT_EQ(a.source, "alpine-secdb");
  const AffectedPackage* p = find(a, "alpine:3.10", "openssl");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kFixed);
  ASSERT_EQ(p->ranges.size(), 1u);
  EXPECT_EQ(p->ranges[0].introduced, "0");
  EXPECT_EQ(p->ranges[0].fixed, "1.1.1d-r0");
  EXPECT_EQ(p->fixed_versions, std::vector<std::string>{"1.1.1d-r0"});
  EXPECT_EQ(p->severity, "");  // Alpine publishes none
  // musl CVE-2019-14697 on alpine 3.10: fixed in 1.1.22-r3.
  p = find(c.by_id.at("CVE-2019-14697"), "alpine:3.10", "musl");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->ranges[0].fixed, "1.1.22-r3");
  // sdl2_image "CVE-2019-5060 TALOS-2019-0844": the CVE with the Talos id as alias.
  EXPECT_TRUE(has_alias(c.by_id.at("CVE-2019-5060"), "TALOS-2019-0844"));
  EXPECT_EQ(c.by_id.count("TALOS-2019-0844"), 0u);
  ASSERT_NE(find(c.by_id.at("CVE-2019-5060"), "alpine:3.10", "sdl2_image"), nullptr);
  // openjdk7 "CVE_2019-2426" (a typo in the feed) on alpine 3.10 community.
  Collected community;
  ASSERT_TRUE(import_alpine_secdb(kDir + "/alpine-secdb-repo/v3.10/community.derived.json", community.sink()).ok());
  p = find(community.by_id.at("CVE-2019-2426"), "alpine:3.10", "openjdk7");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fixed_versions, std::vector<std::string>{"7.211.2.6.17-r0"});
}

TEST(AlpineSecdb, V39MainRecords) {
  Collected c;
  ASSERT_TRUE(import_alpine_secdb(kDir + "/alpine-secdb-repo/v3.9/main.derived.json", c.sink()).ok());
  // ansible "CVE 2018-16859" (a typo in the feed) on alpine 3.9: fixed in 2.7.3-r0.
  const AffectedPackage* p = find(c.by_id.at("CVE-2018-16859"), "alpine:3.9", "ansible");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fixed_versions, std::vector<std::string>{"2.7.3-r0"});
  // xen "CVE-2016-10013 XSA-204" on alpine 3.9: fixed in 4.7.1-r4, XSA as alias.
  p = find(c.by_id.at("CVE-2016-10013"), "alpine:3.9", "xen");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->ranges[0].fixed, "4.7.1-r4");
  EXPECT_TRUE(has_alias(c.by_id.at("CVE-2016-10013"), "XSA-204"));
}

TEST(AlpineSecdb, WolfiNakAndEcosystem) {
  Collected c;
  ASSERT_TRUE(import_alpine_secdb(kDir + "/wolfi-security.json", c.sink()).ok());
  // coreutils CVE-2016-2781 under secfix "0": never affected.
  const AffectedPackage* p = find(c.by_id.at("CVE-2016-2781"), "wolfi", "coreutils");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kNotAffected);
  EXPECT_TRUE(p->ranges.empty());
  EXPECT_TRUE(p->fixed_versions.empty());
  // binutils CVE-2022-38533 fixed in 2.39-r2.
  p = find(c.by_id.at("CVE-2022-38533"), "wolfi", "binutils");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fixed_versions, std::vector<std::string>{"2.39-r2"});
  // A GHSA-only line is its own advisory.
  EXPECT_EQ(c.by_id.count("GHSA-jq35-85cj-fj4p"), 1u);
}

TEST(AlpineSecdb, VulnListOnePackageForm) {
  Collected c;
  ASSERT_TRUE(import_alpine_secdb(kDir + "/trivy-db-vuln-list/ansible.json", c.sink()).ok());
  // ansible "CVE-2024-22195 GHSA-h5c8-rqwp-cp95" on alpine 3.12: fixed in 2.9.3-r0.
  const Advisory& a = c.by_id.at("CVE-2024-22195");
  EXPECT_TRUE(has_alias(a, "GHSA-h5c8-rqwp-cp95"));
  const AffectedPackage* p = find(a, "alpine:3.12", "ansible");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fixed_versions, std::vector<std::string>{"2.9.3-r0"});
  // "CVE-2017-2616 (+ regression fix)" and "GHSA-h6cc-rc6q-23j4 (+regression fix)": comments dropped.
  EXPECT_EQ(c.by_id.count("CVE-2017-2616"), 1u);
  EXPECT_EQ(c.by_id.count("GHSA-h6cc-rc6q-23j4"), 1u);
}

TEST(AlpineSecdb, SecfixLines) {
  using G = std::vector<std::vector<std::string>>;
  EXPECT_EQ(alpine_secfix_ids("CVE-2019-1 CVE-2019-2"), (G{{"CVE-2019-1"}, {"CVE-2019-2"}}));
  EXPECT_EQ(alpine_secfix_ids("CVE-2016-10013 XSA-204"), (G{{"CVE-2016-10013", "XSA-204"}}));
  EXPECT_EQ(alpine_secfix_ids("CVE-2019-1, CVE-2019-2 # both"), (G{{"CVE-2019-1"}, {"CVE-2019-2"}}));
  EXPECT_EQ(alpine_secfix_ids("GHSA-aaaa-bbbb-cccc"), (G{{"GHSA-aaaa-bbbb-cccc"}}));
  EXPECT_EQ(alpine_secfix_ids("(only a comment)"), G{});
  EXPECT_EQ(alpine_secfix_ids(""), G{});
}

TEST(AlpineSecdb, OneIdUnderTwoVersionsKeepsTheHighestFix) {
  const char* json = R"({"distroversion": "edge", "packages": [{"pkg": {"name": "x",
      "secfixes": {"1.2-r0": ["CVE-1"], "1.10-r0": ["CVE-1"], "0": ["CVE-1", "CVE-2"]}}}]})";
  std::map<std::string, Advisory> got;
  ImportStats stats;
  ASSERT_TRUE(parse_alpine_secdb(json, [&](const Advisory& a) -> core::Result<void> { got[a.id] = a; return {}; },
                                 stats).ok());
  const AffectedPackage& p = got.at("CVE-1").affected.at(0);
  EXPECT_EQ(p.ecosystem, "alpine:edge");
  EXPECT_EQ(p.fix_state, fix_state::kFixed);
  EXPECT_EQ(p.ranges.at(0).fixed, "1.10-r0");
  EXPECT_EQ(p.fixed_versions.size(), 2u);
  EXPECT_EQ(got.at("CVE-2").affected.at(0).fix_state, fix_state::kNotAffected);
}

TEST(AlpineSecdb, MalformedInput) {
  ImportStats stats;
  AdvisorySink sink = [](const Advisory&) -> core::Result<void> { return {}; };
  EXPECT_FALSE(parse_alpine_secdb(R"({"distroversion": "v3.10", "packages": [{"pkg": )", sink, stats).ok());
  EXPECT_FALSE(parse_alpine_secdb(R"({"packages": []})", sink, stats).ok());  // no release, not Wolfi
  EXPECT_FALSE(parse_alpine_secdb(R"({"distroversion": 3.1, "packages": []})", sink, stats).ok());
  EXPECT_FALSE(parse_alpine_secdb(std::string(5000, '[') + std::string(5000, ']'), sink, stats).ok());
  stats = {};
  const char* json = R"({"distroversion": "v3.10", "packages": [5, {"pkg": {"secfixes": {}}},
      {"pkg": {"name": "a", "secfixes": {"not a version": ["CVE-1"], "1.0-r0": "CVE-2", "1.1-r0": [7, "CVE-3"]}}},
      {"pkg": {"name": "b", "secfixes": []}}]})";
  ASSERT_TRUE(parse_alpine_secdb(json, sink, stats).ok());
  EXPECT_EQ(stats.records, 1u);  // CVE-3
  EXPECT_EQ(stats.skipped, 6u);  // 5, nameless, bad version, string list, 7, list secfixes
  EXPECT_FALSE(stats.warnings.empty());
}

}  // namespace
}  // namespace portcullis::vuln
