// The matcher against a real advisory database written by AdvisoryDbWriter.
#include "vuln/matcher.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "vuln/advisory_db.h"

namespace portcullis::vuln {
namespace {

Advisory advisory(std::string id, std::string source, std::vector<AffectedPackage> affected, std::string severity = "") {
  Advisory a;
  a.id = std::move(id);
  a.source = std::move(source);
  a.severity = std::move(severity);
  a.affected = std::move(affected);
  return a;
}

AffectedPackage row(std::string eco, std::string name, std::vector<Range> ranges, std::string state = fix_state::kFixed,
                    std::string severity = "") {
  AffectedPackage p;
  p.ecosystem = std::move(eco);
  p.package = std::move(name);
  p.ranges = std::move(ranges);
  p.fix_state = std::move(state);
  p.severity = std::move(severity);
  for (const auto& r : p.ranges)
    if (!r.fixed.empty()) p.fixed_versions.push_back(r.fixed);
  return p;
}

scan::Package pkg(std::string eco, std::string name, std::string version, std::string src = "", std::string src_version = "") {
  scan::Package p;
  p.ecosystem = std::move(eco);
  p.name = std::move(name);
  p.version = std::move(version);
  p.source_name = std::move(src);
  p.source_version = std::move(src_version);
  return p;
}

class MatcherTest : public ::testing::Test {
 protected:
  void build(const std::vector<Advisory>& advisories) {
    path_ = std::filesystem::path(dir_.path()) / "advisories.db";
    auto w = AdvisoryDbWriter::create(path_.string());
    ASSERT_TRUE(w) << w.error().message;
    for (const auto& a : advisories) ASSERT_TRUE((*w)->add(a));
    ASSERT_TRUE((*w)->commit());
    auto db = AdvisoryDb::open(path_.string());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
  }
  std::vector<std::string> ids(const scan::Inventory& inv) {
    auto r = match_inventory(inv, *db_);
    EXPECT_TRUE(r) << r.error().message;
    std::vector<std::string> out;
    if (r)
      for (const auto& f : r->findings) out.push_back(f.id + ":" + f.package.name + ":" + f.fix_state + ":" + f.severity);
    return out;
  }
  testing::TempDir dir_;
  std::filesystem::path path_;
  std::unique_ptr<AdvisoryDb> db_;
};

TEST_F(MatcherTest, OsPackagesMatchBySourcePackageAndReleaseWithTheDistributionsRules) {
  build({advisory("CVE-1", "debian-tracker", {row("debian:12", "curl", {{"0", "7.88.1-10+deb12u7", "", ""}}, fix_state::kFixed, "high")}),
         advisory("CVE-2", "debian-tracker", {row("debian:12", "curl", {}, fix_state::kNoDsa, "low")}),
         advisory("CVE-3", "debian-tracker", {row("debian:12", "curl", {{"0", "7.88.1-10+deb12u5", "", ""}})}),
         advisory("CVE-4", "debian-tracker", {row("debian:11", "curl", {{"0", "9.0", "", ""}})}),
         advisory("CVE-5", "debian-tracker", {row("debian:12", "curl", {}, fix_state::kNotAffected)})});
  scan::Inventory inv;
  inv.os.family = "debian";
  inv.os.release = "12";
  inv.packages = {pkg("deb", "libcurl4", "7.88.1-10+deb12u5", "curl", "7.88.1-10+deb12u5")};
  // CVE-3 is fixed in exactly the installed version; CVE-4 is another release; CVE-5 not affected.
  EXPECT_EQ(ids(inv), (std::vector<std::string>{"CVE-1:libcurl4:fixed:high", "CVE-2:libcurl4:no-dsa:low"}));
}

TEST_F(MatcherTest, LanguageRangesFollowOsvEvents) {
  build({advisory("GHSA-a", "osv", {row("npm", "lodash", {{"0", "4.17.21", "", ""}})}, "high"),
         advisory("GHSA-b", "osv", {row("npm", "lodash", {{"4.0.0", "", "4.17.4", ""}})}, "medium"),
         advisory("GHSA-c", "osv", {row("npm", "lodash", {{"4.17.5", "4.17.9", "", ""}})}, "low"),
         advisory("GHSA-d", "osv", {row("npm", "lodash", {{"5.0.0-alpha.1", "5.0.0-beta.3", "", ""}})}, "low")});
  scan::Inventory inv;
  inv.packages = {pkg("npm", "lodash", "4.17.4")};
  EXPECT_EQ(ids(inv), (std::vector<std::string>{"GHSA-a:lodash:fixed:high", "GHSA-b:lodash:fixed:medium"}));
}

TEST_F(MatcherTest, SeverityComesFromTheDistributionThenTheAdvisoryThenCvss) {
  Advisory with_cvss = advisory("CVE-9", "osv", {row("PyPI", "requests", {{"0", "2.0", "", ""}})});
  with_cvss.cvss = {{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "nvd"}};
  build({with_cvss, advisory("CVE-8", "osv", {row("PyPI", "requests", {{"0", "2.0", "", ""}})})});
  scan::Inventory inv;
  inv.packages = {pkg("PyPI", "Requests", "1.0")};  // PEP 503 names
  auto r = match_inventory(inv, *db_);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->findings.size(), 2u);
  EXPECT_EQ(r->findings[0].id, "CVE-8");
  EXPECT_EQ(r->findings[0].severity, "unknown");
  EXPECT_EQ(r->findings[1].severity, "critical");
  EXPECT_EQ(r->findings[1].severity_source, "cvss");
}

TEST_F(MatcherTest, AnUnreadableVersionIsAWarningNotAFinding) {
  build({advisory("CVE-7", "osv", {row("npm", "x", {{"0", "not a version", "", ""}})})});
  scan::Inventory inv;
  inv.packages = {pkg("npm", "x", "1.0.0")};
  auto r = match_inventory(inv, *db_);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->findings.empty());
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("not a version"), std::string::npos);
}

TEST(MatchKey, OsPackagesUseTheirSourceAndTheReleaseKey) {
  scan::OsRelease os;
  os.family = "centos";
  os.release = "8";
  scan::Package p = pkg("rpm", "openssl-libs", "1:1.1.1k-5.el8_5", "openssl", "1.1.1k-5.el8_5");
  p.properties = {{"epoch", "1"}};
  MatchKey k = match_key(p, os);
  EXPECT_EQ(k.ecosystem, "redhat:8");
  EXPECT_EQ(k.name, "openssl");
  EXPECT_EQ(k.version, "1:1.1.1k-5.el8_5");
  EXPECT_TRUE(match_key(p, scan::OsRelease{}).ecosystem.empty());
}

}  // namespace
}  // namespace portcullis::vuln
