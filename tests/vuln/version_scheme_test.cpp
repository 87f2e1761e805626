// scheme_for_ecosystem(), and the NuGet and Packagist schemes it hands out
// (osv-scalibr's vectors; the Packagist ones were generated with PHP).
#include <gtest/gtest.h>

#include "vuln/version_scheme.h"
#include "version_vectors.h"

namespace portcullis::vuln {
namespace {


std::string_view scheme_name(std::string_view eco) {
  const VersionScheme* s = scheme_for_ecosystem(eco);
  return s ? s->name() : "none";
}

TEST(SchemeForEcosystem, InventoryNames) {
  EXPECT_EQ(scheme_name("deb"), deb_scheme().name());
  EXPECT_EQ(scheme_name("apk"), apk_scheme().name());
  EXPECT_EQ(scheme_name("rpm"), rpm_scheme().name());
  EXPECT_EQ(scheme_name("npm"), "semver");
  EXPECT_EQ(scheme_name("crates.io"), "semver");
  EXPECT_EQ(scheme_name("PyPI"), "pep440");
  EXPECT_EQ(scheme_name("Go"), "go");
  EXPECT_EQ(scheme_name("Maven"), "maven");
  EXPECT_EQ(scheme_name("RubyGems"), "gem");
  EXPECT_EQ(scheme_name("Packagist"), "packagist");
}

TEST(SchemeForEcosystem, OsvNames) {
  EXPECT_EQ(scheme_for_ecosystem("Debian:12"), &deb_scheme());
  EXPECT_EQ(scheme_for_ecosystem("Debian"), &deb_scheme());
  EXPECT_EQ(scheme_for_ecosystem("Ubuntu:22.04:LTS"), &deb_scheme());
  EXPECT_EQ(scheme_for_ecosystem("Ubuntu:Pro:18.04:LTS"), &deb_scheme());
  EXPECT_EQ(scheme_for_ecosystem("Alpine:v3.18"), &apk_scheme());
  EXPECT_EQ(scheme_for_ecosystem("AlmaLinux:9"), &rpm_scheme());
  EXPECT_EQ(scheme_for_ecosystem("Rocky Linux:9"), &rpm_scheme());
  EXPECT_EQ(scheme_for_ecosystem("Red Hat"), &rpm_scheme());
  EXPECT_EQ(scheme_for_ecosystem("Red Hat:enterprise_linux:9::appstream"), &rpm_scheme());
  EXPECT_EQ(scheme_name("NuGet"), "nuget");
}

TEST(SchemeForEcosystem, UnknownIsNull) {
  EXPECT_EQ(scheme_for_ecosystem(""), nullptr);
  EXPECT_EQ(scheme_for_ecosystem("pypi"), nullptr);  // OSV names are case-sensitive
  EXPECT_EQ(scheme_for_ecosystem("Hackage"), nullptr);
  EXPECT_EQ(scheme_for_ecosystem(":"), nullptr);
}

void run_scalibr(const char* eco, const std::string& rel, int expected) {
  testing::run_cmp_file(*scheme_for_ecosystem(eco), rel, expected);
}

TEST(NuGet, OsvScalibrVectors) {
  run_scalibr("NuGet", "version/osv-scalibr-semantic/nuget-versions.txt", 35);
}
TEST(Packagist, OsvScalibrVectors) {
  run_scalibr("Packagist", "version/osv-scalibr-semantic/packagist-versions.txt", 95);
}
TEST(Packagist, OsvScalibrGenerated) {
  run_scalibr("Packagist", "version/osv-scalibr-semantic/packagist-versions-generated.txt", 10630);
}

TEST(Packagist, NeverCrashes) {
  const VersionScheme& s = *scheme_for_ecosystem("Packagist");
  EXPECT_FALSE(s.compare("", "1.0"));
  EXPECT_FALSE(s.compare(std::string(300, '1'), "1.0"));
  EXPECT_TRUE(s.compare(std::string(255, '.'), "...#"));
}

}  // namespace
}  // namespace portcullis::vuln
