// The Debian security tracker JSON importer against the tracker export
// excerpts in fixtures/vulndata/debian (vunnel's and osv.dev's), plus the
// export's spellings that the excerpts lack (nodsa/nodsa_reason), written
// from the raw data/CVE/list lines kept in trivy-db-vuln-list-debian.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "vuln_test_support.h"
#include "vuln/importers.h"
#include "vuln/importers/debian_tracker.h"

namespace portcullis::vuln {
namespace {

const std::string kDir = std::string(PORTCULLIS_FIXTURES) + "/vulndata/debian";

using testing::Collected;
using testing::find;

TEST(DebianTracker, CodenamesMapToMajors) {
  EXPECT_EQ(debian_ecosystem_for_codename("jessie"), "debian:8");
  EXPECT_EQ(debian_ecosystem_for_codename("stretch"), "debian:9");
  EXPECT_EQ(debian_ecosystem_for_codename("buster"), "debian:10");
  EXPECT_EQ(debian_ecosystem_for_codename("bullseye"), "debian:11");
  EXPECT_EQ(debian_ecosystem_for_codename("bookworm"), "debian:12");
  EXPECT_EQ(debian_ecosystem_for_codename("trixie"), "debian:13");
  EXPECT_EQ(debian_ecosystem_for_codename("forky"), "debian:14");
  EXPECT_EQ(debian_ecosystem_for_codename("sid"), "debian:sid");
  EXPECT_EQ(debian_ecosystem_for_codename("unstable"), "debian:sid");
  EXPECT_EQ(debian_ecosystem_for_codename("buzz"), "debian:1");
  EXPECT_EQ(debian_ecosystem_for_codename("experimental"), "");
}

TEST(DebianTracker, VunnelExcerptEveryRecord) {
  Collected c;
  auto stats = import_debian_tracker(kDir + "/vunnel/security-tracker-data.json", c.sink());
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->records, 7u);
  EXPECT_EQ(stats->skipped, 0u);
  EXPECT_TRUE(stats->warnings.empty());
  std::size_t entries = 0;
  for (const auto& [id, a] : c.by_id) entries += a.affected.size();
  EXPECT_EQ(entries, 25u);  // every (package, release) of the excerpt

  // CVE-2022-0456 chromium bookworm: resolved with a version -> fixed.
  const Advisory& chromium = c.by_id.at("CVE-2022-0456");
  EXPECT_EQ(chromium.source, "debian-tracker");
  const AffectedPackage* p = find(chromium, "debian:12", "chromium");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kFixed);
  ASSERT_EQ(p->ranges.size(), 1u);
  EXPECT_EQ(p->ranges[0].introduced, "0");
  EXPECT_EQ(p->ranges[0].fixed, "98.0.4758.80-1");
  EXPECT_EQ(p->fixed_versions, std::vector<std::string>{"98.0.4758.80-1"});
  EXPECT_EQ(p->severity, "");  // "not yet assigned"
  // CVE-2022-0456 chromium bullseye: its own fixed version.
  p = find(chromium, "debian:11", "chromium");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fixed_versions, std::vector<std::string>{"98.0.4758.80-1~deb11u1"});
  // CVE-2022-0456 chromium buster: open with urgency end-of-life.
  p = find(chromium, "debian:10", "chromium");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kEndOfLife);
  EXPECT_TRUE(p->ranges.empty());
  EXPECT_EQ(p->severity, "");

  // CVE-2008-7220 prototypejs jessie: urgency "high**" -> high.
  p = find(c.by_id.at("CVE-2008-7220"), "debian:8", "prototypejs");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->severity, "high");
  EXPECT_EQ(p->fixed_versions, std::vector<std::string>{"1.6.0.2-1"});
  // CVE-2007-2383 prototypejs stretch: fixed_version "0" -> not affected, unimportant -> negligible.
  p = find(c.by_id.at("CVE-2007-2383"), "debian:9", "prototypejs");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kNotAffected);
  EXPECT_EQ(p->severity, "negligible");
  EXPECT_TRUE(p->ranges.empty());
  // CVE-2013-1444 txt2man sid: "low**" -> low.
  p = find(c.by_id.at("CVE-2013-1444"), "debian:sid", "txt2man");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->severity, "low");
  // CVE-2022-0358 chromium-browser: the export's empty "releases": [] -> an advisory without packages.
  EXPECT_TRUE(c.by_id.at("CVE-2022-0358").affected.empty());
}

TEST(DebianTracker, OsvDevExcerptEveryRecord) {
  Collected c;
  auto stats = import_debian_tracker(kDir + "/osv.dev/debian_security_tracker_json_excerpt.json", c.sink());
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->records, 3u);
  EXPECT_EQ(stats->skipped, 0u);
  std::size_t entries = 0;
  for (const auto& [id, a] : c.by_id) entries += a.affected.size();
  EXPECT_EQ(entries, 15u);
  // CVE-2016-1585 apparmor bookworm: open -> unfixed, unimportant -> negligible.
  const AffectedPackage* p = find(c.by_id.at("CVE-2016-1585"), "debian:12", "apparmor");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kUnfixed);
  EXPECT_EQ(p->severity, "negligible");
  EXPECT_TRUE(p->fixed_versions.empty());
  // CVE-2016-1585 apparmor trixie: fixed in 3.0.12-1.
  p = find(c.by_id.at("CVE-2016-1585"), "debian:13", "apparmor");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kFixed);
  EXPECT_EQ(p->fixed_versions, std::vector<std::string>{"3.0.12-1"});
  EXPECT_NE(std::find(c.by_id.at("CVE-2016-1585").references.begin(), c.by_id.at("CVE-2016-1585").references.end(),
                      "https://bugs.debian.org/929990"),
            c.by_id.at("CVE-2016-1585").references.end());
}

// The export's nodsa fields, written from the raw lines of
// trivy-db-vuln-list-debian (CVE-2021-33560 libgcrypt20, CVE-2020-8631
// cloud-init, CVE-2021-29629 dacs): "[stretch] - libgcrypt20 <no-dsa> (Minor
// issue)", "[buster] - dacs <ignored> (Minor issue)", "- dacs <unfixed>".
TEST(DebianTracker, NoDsaIgnoredPostponedSpellings) {
  const char* json = R"({
    "libgcrypt20": {"CVE-2021-33560": {"description": "Libgcrypt before 1.8.8 mishandles ElGamal", "releases": {
      "buster": {"status": "resolved", "fixed_version": "1.8.4-5+deb10u1", "urgency": "high"},
      "stretch": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": ""},
      "sid": {"status": "resolved", "fixed_version": "1.8.7-6", "urgency": "high"}}}},
    "dacs": {"CVE-2021-29629": {"releases": {
      "buster": {"status": "open", "urgency": "unimportant", "nodsa": "Minor issue", "nodsa_reason": "ignored"},
      "bullseye": {"status": "open", "urgency": "medium*", "nodsa": "", "nodsa_reason": "postponed"},
      "sid": {"status": "open", "urgency": "unimportant"},
      "trixie": {"status": "undetermined"}}}}})";
  Collected c;
  ImportStats stats;
  ASSERT_TRUE(parse_debian_tracker(json, c.sink(), stats).ok());
  EXPECT_EQ(stats.records, 2u);
  EXPECT_EQ(stats.skipped, 0u);
  const AffectedPackage* p = find(c.by_id.at("CVE-2021-33560"), "debian:9", "libgcrypt20");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kNoDsa);
  EXPECT_EQ(p->severity, "low");
  p = find(c.by_id.at("CVE-2021-33560"), "debian:10", "libgcrypt20");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fixed_versions, std::vector<std::string>{"1.8.4-5+deb10u1"});
  const Advisory& dacs = c.by_id.at("CVE-2021-29629");
  EXPECT_EQ(find(dacs, "debian:10", "dacs")->fix_state, fix_state::kIgnored);
  EXPECT_EQ(find(dacs, "debian:11", "dacs")->fix_state, fix_state::kPostponed);
  EXPECT_EQ(find(dacs, "debian:11", "dacs")->severity, "medium");
  EXPECT_EQ(find(dacs, "debian:sid", "dacs")->fix_state, fix_state::kUnfixed);
  EXPECT_EQ(find(dacs, "debian:13", "dacs"), nullptr);  // undetermined is left out
}

TEST(DebianTracker, OneAdvisoryPerCveAcrossPackages) {
  const char* json = R"({"a": {"CVE-1": {"releases": {"sid": {"status": "open"}}}},
                         "b": {"CVE-1": {"releases": {"sid": {"status": "open"}}}}})";
  Collected c;
  ImportStats stats;
  ASSERT_TRUE(parse_debian_tracker(json, c.sink(), stats).ok());
  EXPECT_EQ(stats.records, 1u);
  EXPECT_EQ(c.by_id.at("CVE-1").affected.size(), 2u);
}

TEST(DebianTracker, MalformedInput) {
  Collected c;
  ImportStats stats;
  EXPECT_FALSE(parse_debian_tracker(R"({"a": {"CVE-1": {"releases": )", c.sink(), stats).ok());  // truncated
  EXPECT_FALSE(parse_debian_tracker("[1, 2]", c.sink(), stats).ok());  // not the format
  EXPECT_FALSE(parse_debian_tracker(std::string(100000, '[') + std::string(100000, ']'), c.sink(), stats).ok());
  EXPECT_FALSE(parse_debian_tracker("", c.sink(), stats).ok());

  // Wrong types at every level: skipped with warnings, the rest imported.
  stats = {};
  const char* json = R"({"p1": 5, "p2": {"CVE-2": "x", "CVE-3": {"description": 7, "releases": {
      "sid": 3, "bookworm": {"status": 1}, "bullseye": {"status": "resolved", "fixed_version": "not a version!"},
      "buster": {"status": "resolved"}, "trixie": {"status": "open", "urgency": ["x"]},
      "bogus": {"status": "open"}}}}})";
  ASSERT_TRUE(parse_debian_tracker(json, c.sink(), stats).ok());
  EXPECT_EQ(stats.records, 1u);
  EXPECT_EQ(stats.skipped, 6u);  // p1, CVE-2, sid, bookworm, bullseye, buster
  EXPECT_FALSE(stats.warnings.empty());
  const Advisory& a = c.by_id.at("CVE-3");
  ASSERT_EQ(a.affected.size(), 1u);
  EXPECT_EQ(a.affected[0].ecosystem, "debian:13");
  EXPECT_EQ(a.affected[0].fix_state, fix_state::kUnfixed);

  EXPECT_FALSE(import_debian_tracker(kDir + "/no-such-file.json", c.sink()).ok());
}

TEST(DebianTracker, SinkErrorStopsTheImport) {
  AdvisorySink failing = [](const Advisory&) -> core::Result<void> {
    return core::make_error(core::ErrorCode::Io, "disk full");
  };
  auto r = import_debian_tracker(kDir + "/vunnel/security-tracker-data.json", failing);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("disk full"), std::string::npos);
}

}  // namespace
}  // namespace portcullis::vuln
