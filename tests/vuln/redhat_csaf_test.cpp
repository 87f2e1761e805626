// The Red Hat CSAF importer against every CSAF fixture in
// fixtures/vulndata/redhat: the VEX documents (csaf-vex/, including the full
// cve-2023-4154.json), the RHSA advisories (csaf-advisories/) and Trivy's
// VEX test documents (trivy-db-csaf-vex-happy/csaf-vex/, with products known
// only through remediations).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "vuln_test_support.h"
#include "vuln/importers.h"
#include "vuln/importers/redhat_csaf.h"

namespace portcullis::vuln {
namespace {

const std::string kDir = std::string(PORTCULLIS_FIXTURES) + "/vulndata/redhat";

using testing::Collected;
using testing::find;
using testing::has;

struct FixtureCount {
  const char* file;
  std::size_t advisories, entries;
};

// Advisories and (ecosystem, package) entries per document. cve-2024-22047
// (Satellite 6) and cve-2024-24786-simple (OpenShift 4.16) name only
// products outside RHEL, so they give advisories without packages.
TEST(RedHatCsaf, EveryFixtureDocumentImportsWhole) {
  const FixtureCount counts[] = {
      {"csaf-vex/cve-2021-0084.json", 1, 8},
      {"csaf-vex/cve-2023-4154.json", 1, 125},
      {"csaf-vex/cve-2024-22047.json", 1, 0},
      {"csaf-vex/cve-2024-24786-simple.json", 1, 0},
      {"csaf-advisories/rhsa-2022-0011.json", 1, 2},
      {"csaf-advisories/rhsa-2024_6163.json", 1, 1},
      {"csaf-advisories/rhsa-2024_9371.json", 1, 1},
      {"trivy-db-csaf-vex-happy/csaf-vex/cve-2024-10041.json", 1, 2},
      {"trivy-db-csaf-vex-happy/csaf-vex/cve-2024-9999.json", 1, 2},
  };
  for (const auto& c : counts) {
    Collected got;
    auto stats = import_redhat_csaf(kDir + "/" + c.file, got.sink());
    ASSERT_TRUE(stats.ok()) << c.file << ": " << stats.error().message;
    EXPECT_EQ(stats->records, c.advisories) << c.file;
    EXPECT_EQ(got.entries, c.entries) << c.file;
    EXPECT_EQ(stats->skipped, 0u) << c.file;
    EXPECT_TRUE(stats->warnings.empty()) << c.file << ": " << stats->warnings.front();
    for (const auto& [id, a] : got.by_id) EXPECT_EQ(a.source, "redhat-csaf") << c.file;
  }
  // A directory: its CSAF documents imported, trivy's cpe/*.json mapping
  // files (not CSAF) skipped with a warning each.
  Collected all;
  auto stats = import_redhat_csaf(kDir + "/trivy-db-csaf-vex-happy", all.sink());
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->records, 2u);
  EXPECT_EQ(stats->skipped, 2u);
}

TEST(RedHatCsaf, FullVexDocumentCve20234154) {
  Collected c;
  auto stats = import_redhat_csaf(kDir + "/csaf-vex/cve-2023-4154.json", c.sink());
  ASSERT_TRUE(stats.ok());
  const Advisory& a = c.by_id.at("CVE-2023-4154");
  EXPECT_EQ(a.severity, "medium");  // "Moderate"
  ASSERT_EQ(a.cvss.size(), 1u);
  EXPECT_EQ(a.cvss[0].vector, "CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H");
  EXPECT_DOUBLE_EQ(a.cvss[0].score, 7.5);
  EXPECT_EQ(a.cvss[0].source, "redhat");
  EXPECT_FALSE(a.description.empty());
  EXPECT_EQ(a.published, "2023-10-10T00:00:00+00:00");
  EXPECT_EQ(stats->newest, "2025-11-21T14:56:52+00:00");
  // samba on RHEL 9 and RHEL 6: known_not_affected.
  for (const char* eco : {"redhat:6", "redhat:7", "redhat:8", "redhat:9"}) {
    const AffectedPackage* p = find(a, eco, "samba");
    ASSERT_NE(p, nullptr) << eco;
    EXPECT_EQ(p->fix_state, fix_state::kNotAffected) << eco;
    EXPECT_TRUE(p->ranges.empty()) << eco;
    EXPECT_EQ(p->severity, "medium") << eco;
  }
}

TEST(RedHatCsaf, FixedEvrWithEpoch) {
  // RHSA-2022:0011 telnet on RHEL 7 (AUS/E4S/TUS 7.6): fixed in 1:0.17-65.el7_6 (epoch from the NEVRA product id).
  Collected c;
  ASSERT_TRUE(import_redhat_csaf(kDir + "/csaf-advisories/rhsa-2022-0011.json", c.sink()).ok());
  const Advisory& rhsa = c.by_id.at("RHSA-2022:0011");
  EXPECT_TRUE(has(rhsa.aliases, "CVE-2020-10188"));
  EXPECT_FALSE(has(rhsa.aliases, "RHSA-2022:0011"));
  EXPECT_EQ(rhsa.severity, "high");  // "Important"
  const AffectedPackage* p = find(rhsa, "redhat:7", "telnet");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kFixed);
  ASSERT_EQ(p->ranges.size(), 1u);
  EXPECT_EQ(p->ranges[0].introduced, "0");
  EXPECT_EQ(p->ranges[0].fixed, "1:0.17-65.el7_6");
  EXPECT_EQ(p->fixed_versions, std::vector<std::string>{"1:0.17-65.el7_6"});
  EXPECT_EQ(find(rhsa, "redhat:7", "telnet-debuginfo"), nullptr);

  // CVE-2024-9999 test-package on RHEL 9: epoch from the purl's epoch=1 qualifier; RHSA-2024:9999 as alias.
  Collected t;
  ASSERT_TRUE(import_redhat_csaf(kDir + "/trivy-db-csaf-vex-happy/csaf-vex/cve-2024-9999.json", t.sink()).ok());
  const Advisory& a = t.by_id.at("CVE-2024-9999");
  EXPECT_TRUE(has(a.aliases, "RHSA-2024:9999"));
  p = find(a, "redhat:9", "test-package");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kFixed);
  EXPECT_EQ(p->ranges.at(0).fixed, "1:1.0.0-1.el9");
  EXPECT_EQ(p->severity, "high");
  // CVE-2024-9999 affected-package: none_available "Affected" -> unfixed; the pkg:oci component is left out.
  p = find(a, "redhat:9", "affected-package");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kUnfixed);
  EXPECT_EQ(find(a, "redhat:9", "oci-image"), nullptr);

  // RHSA-2024:6163 python3.9 on RHEL 9 (EUS 9.4): epoch 0 is not written.
  Collected e;
  ASSERT_TRUE(import_redhat_csaf(kDir + "/csaf-advisories/rhsa-2024_6163.json", e.sink()).ok());
  p = find(e.by_id.at("RHSA-2024:6163"), "redhat:9", "python3.9");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fixed_versions, std::vector<std::string>{"3.9.18-3.el9_4.5"});
  EXPECT_EQ(p->severity, "medium");
}

TEST(RedHatCsaf, EndOfLifeAndProductsOutsideRhel) {
  // CVE-2024-10041 pam: fixed on RHEL 9 by RHSA-2024:9941, "Out of support scope" on RHEL 7.
  Collected c;
  ASSERT_TRUE(import_redhat_csaf(kDir + "/trivy-db-csaf-vex-happy/csaf-vex/cve-2024-10041.json", c.sink()).ok());
  const Advisory& a = c.by_id.at("CVE-2024-10041");
  EXPECT_TRUE(has(a.aliases, "RHSA-2024:9941"));
  EXPECT_EQ(find(a, "redhat:9", "pam")->ranges.at(0).fixed, "1.5.1-21.el9_5");
  EXPECT_EQ(find(a, "redhat:7", "pam")->fix_state, fix_state::kEndOfLife);
  // CVE-2024-22047 rubygem-audited, Satellite 6 only: no RHEL package.
  Collected s;
  ASSERT_TRUE(import_redhat_csaf(kDir + "/csaf-vex/cve-2024-22047.json", s.sink()).ok());
  EXPECT_TRUE(s.by_id.at("CVE-2024-22047").affected.empty());
  EXPECT_EQ(s.by_id.at("CVE-2024-22047").severity, "low");
}

// Will-not-fix, deferred and modular streams: CSAF written from Red Hat's
// Security Data API record of CVE-2022-1921 (fixtures/vulndata/redhat/
// securitydata-api-cve-full/CVE-2022-1921.json: RHEL 8 gstreamer1-plugins-good
// "Will not fix", RHEL 9 libreoffice:flatpak/gstreamer1-plugins-good "Affected").
TEST(RedHatCsaf, WillNotFixDeferredAndModules) {
  const char* json = R"({"document": {"category": "csaf_vex", "tracking": {"id": "CVE-2022-1921"},
    "aggregate_severity": {"text": "Moderate"}},
  "product_tree": {"branches": [{"branches": [
      {"category": "product_name", "product": {"product_id": "red_hat_enterprise_linux_8",
        "product_identification_helper": {"cpe": "cpe:/o:redhat:enterprise_linux:8"}}},
      {"category": "product_name", "product": {"product_id": "red_hat_enterprise_linux_9",
        "product_identification_helper": {"cpe": "cpe:2.3:o:redhat:enterprise_linux:9:*:*:*:*:*:*:*"}}},
      {"category": "product_version", "product": {"product_id": "gstreamer1-plugins-good",
        "product_identification_helper": {"purl": "pkg:rpm/redhat/gstreamer1-plugins-good?arch=src"}}},
      {"category": "product_version", "product": {"product_id": "lo-gst",
        "product_identification_helper": {"purl": "pkg:rpm/redhat/gstreamer1-plugins-good?arch=src&rpmmod=libreoffice:flatpak:9000020220101:abcd"}}}]}],
    "relationships": [
      {"full_product_name": {"product_id": "red_hat_enterprise_linux_8:gstreamer1-plugins-good"},
       "product_reference": "gstreamer1-plugins-good", "relates_to_product_reference": "red_hat_enterprise_linux_8"},
      {"full_product_name": {"product_id": "red_hat_enterprise_linux_9:gstreamer1-plugins-good"},
       "product_reference": "gstreamer1-plugins-good", "relates_to_product_reference": "red_hat_enterprise_linux_9"},
      {"full_product_name": {"product_id": "red_hat_enterprise_linux_9:lo-gst"},
       "product_reference": "lo-gst", "relates_to_product_reference": "red_hat_enterprise_linux_9"}]},
  "vulnerabilities": [{"cve": "CVE-2022-1921",
    "product_status": {"known_affected": ["red_hat_enterprise_linux_8:gstreamer1-plugins-good",
      "red_hat_enterprise_linux_9:gstreamer1-plugins-good", "red_hat_enterprise_linux_9:lo-gst"]},
    "remediations": [
      {"category": "no_fix_planned", "details": "Will not fix", "product_ids": ["red_hat_enterprise_linux_8:gstreamer1-plugins-good"]},
      {"category": "none_available", "details": "Deferred", "product_ids": ["red_hat_enterprise_linux_9:gstreamer1-plugins-good"]},
      {"category": "none_available", "details": "Affected", "product_ids": ["red_hat_enterprise_linux_9:lo-gst"]}],
    "threats": [{"category": "impact", "details": "Moderate"}]}]})";
  Collected c;
  ImportStats stats;
  ASSERT_TRUE(parse_redhat_csaf(json, c.sink(), stats).ok());
  const Advisory& a = c.by_id.at("CVE-2022-1921");
  EXPECT_EQ(a.severity, "medium");
  const AffectedPackage* p = find(a, "redhat:8", "gstreamer1-plugins-good");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kWillNotFix);
  EXPECT_EQ(p->severity, "medium");
  EXPECT_EQ(find(a, "redhat:9", "gstreamer1-plugins-good")->fix_state, fix_state::kPostponed);
  p = find(a, "redhat:9", "libreoffice:flatpak/gstreamer1-plugins-good");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fix_state, fix_state::kUnfixed);
}

TEST(RedHatCsaf, MalformedInput) {
  Collected c;
  ImportStats stats;
  EXPECT_FALSE(parse_redhat_csaf(R"({"document": {"category": "csaf_vex"}, "vulnerabilities": [)", c.sink(), stats).ok());
  EXPECT_FALSE(parse_redhat_csaf(R"({"document": {"category": "csaf_base"}})", c.sink(), stats).ok());
  EXPECT_FALSE(parse_redhat_csaf(R"({"document": 5})", c.sink(), stats).ok());
  EXPECT_FALSE(parse_redhat_csaf(R"({"document": {"category": "csaf_security_advisory"}})", c.sink(), stats).ok());
  EXPECT_FALSE(parse_redhat_csaf(std::string(3000, '{') , c.sink(), stats).ok());
  stats = {};
  // Wrong types everywhere: the vulnerability without a cve is skipped, a
  // fixed product without a version is skipped, the rest stands.
  const char* json = R"({"document": {"category": "csaf_vex", "tracking": 3},
    "product_tree": {"branches": [5, {"product": {"product_id": 7}}, {"branches": "x"}], "relationships": [1, {}]},
    "vulnerabilities": [7, {"cve": 5}, {"cve": "CVE-1", "product_status": {"fixed": [1, "red_hat_enterprise_linux_9:kernel"],
      "known_affected": "x"}, "remediations": [3, {"category": "vendor_fix", "url": 5, "product_ids": [null]}],
      "threats": [{"category": "impact", "details": 4}], "scores": [{"cvss_v3": {"vectorString": 5}}], "notes": 1}]})";
  ASSERT_TRUE(parse_redhat_csaf(json, c.sink(), stats).ok());
  EXPECT_EQ(stats.records, 1u);
  EXPECT_EQ(stats.skipped, 3u);  // 7, {"cve": 5}, kernel fixed without a version
  EXPECT_TRUE(c.by_id.at("CVE-1").affected.empty());
}

}  // namespace
}  // namespace portcullis::vuln
