// osv-scalibr's RubyGems vectors (generated with RubyGems) against gem_scheme().
#include <gtest/gtest.h>

#include "vuln/version_scheme.h"
#include "version_vectors.h"

namespace portcullis::vuln {
namespace {


void run_scalibr(const std::string& rel, int expected) { testing::run_cmp_file(gem_scheme(), rel, expected); }

TEST(Gem, OsvScalibrVectors) { run_scalibr("version/osv-scalibr-semantic/rubygems-versions.txt", 25); }
TEST(Gem, OsvScalibrGenerated) {
  run_scalibr("version/osv-scalibr-semantic/rubygems-versions-generated.txt", 4098);
}

// Gem::Version's own rules, from RubyGems' documentation of Gem::Version.
TEST(Gem, ValidityAndPrereleases) {
  const VersionScheme& s = gem_scheme();
  EXPECT_TRUE(s.valid("1.2.3"));
  EXPECT_TRUE(s.valid(" 1.2.3 "));
  EXPECT_TRUE(s.valid("1.0.0-rc1"));
  EXPECT_TRUE(s.valid(""));  // Gem::Version.new("") == "0"
  EXPECT_FALSE(s.valid("junk"));
  EXPECT_FALSE(s.valid("1..2"));
  EXPECT_FALSE(s.valid("1.2."));
  EXPECT_EQ(*s.compare("1.0.0-rc1", "1.0.0.pre.rc1"), 0);  // '-' means ".pre."
  EXPECT_EQ(*s.compare("1.0.0-rc1", "1.0.0"), -1);
  EXPECT_EQ(*s.compare("1.0", "1"), 0);
  EXPECT_EQ(*s.compare("", "0"), 0);
  EXPECT_FALSE(s.compare("1.0", "x"));
}

}  // namespace
}  // namespace portcullis::vuln
