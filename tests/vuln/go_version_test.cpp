// Go module versions. Cases follow the Go Modules Reference (go.dev/ref/mod,
// "Versions" and "Pseudo-versions") and golang.org/x/mod/semver's rules.
#include <gtest/gtest.h>

#include "vuln/version_scheme.h"

namespace portcullis::vuln {
namespace {

int cmp(std::string_view a, std::string_view b) { return *go_scheme().compare(a, b); }

TEST(GoVersion, Validity) {
  const VersionScheme& s = go_scheme();
  EXPECT_EQ(s.name(), "go");
  EXPECT_TRUE(s.valid("v1.2.3"));
  EXPECT_TRUE(s.valid("v1.2.3-pre.1+meta"));
  EXPECT_TRUE(s.valid("v1"));    // shorthand for v1.0.0
  EXPECT_TRUE(s.valid("v1.2"));  // shorthand for v1.2.0
  EXPECT_TRUE(s.valid("v2.0.0+incompatible"));
  EXPECT_TRUE(s.valid("1.19.8"));  // vulndb's standard-library form
  EXPECT_FALSE(s.valid("v1.2-pre"));   // shorthands take no suffix
  EXPECT_FALSE(s.valid("v01.2.3"));    // no leading zeros
  EXPECT_FALSE(s.valid("v1.2.3-01"));  // numeric prerelease ids neither
  EXPECT_FALSE(s.valid("v1.2.3.4"));
  EXPECT_FALSE(s.valid("latest"));
  EXPECT_FALSE(s.valid(""));
  EXPECT_FALSE(s.compare("v1.2.3", "master"));
}

TEST(GoVersion, ShorthandsAndStdlib) {
  EXPECT_EQ(cmp("v1", "v1.0.0"), 0);
  EXPECT_EQ(cmp("v1.2", "v1.2.0"), 0);
  EXPECT_EQ(cmp("1.19.8", "v1.19.8"), 0);
  EXPECT_LT(cmp("1.19.8", "1.19.10"), 0);
  EXPECT_LT(cmp("1.21.0-rc.2", "1.21.0"), 0);
  EXPECT_GT(cmp("1.20", "1.19.13"), 0);
}

// Pseudo-versions are prereleases: v0.0.0-<time>-<rev> sorts below v0.0.1 and
// below any tagged v0.0.0 release; vX.Y.(Z+1)-0.<time>-<rev> sorts after
// vX.Y.Z and before vX.Y.(Z+1); vX.Y.Z-pre.0.<time>-<rev> after vX.Y.Z-pre.
TEST(GoVersion, PseudoVersions) {
  EXPECT_LT(cmp("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1"), 0);
  EXPECT_LT(cmp("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0"), 0);
  EXPECT_LT(cmp("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-aaaaaaaaaaaa"), 0);
  EXPECT_GT(cmp("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"), 0);
  EXPECT_LT(cmp("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"), 0);
  EXPECT_GT(cmp("v1.2.4-pre.0.20191109021931-daa7c04131f5", "v1.2.4-pre"), 0);
  EXPECT_LT(cmp("v1.2.4-pre.0.20191109021931-daa7c04131f5", "v1.2.4"), 0);
}

// +incompatible is build metadata: it marks a v2+ module without go.mod and
// does not change ordering.
TEST(GoVersion, Incompatible) {
  EXPECT_EQ(cmp("v2.0.0+incompatible", "v2.0.0"), 0);
  EXPECT_GT(cmp("v2.0.1+incompatible", "v2.0.0+incompatible"), 0);
  EXPECT_GT(cmp("v3.0.0+incompatible", "v2.9.9"), 0);
  EXPECT_LT(cmp("v2.0.0-rc.1+incompatible", "v2.0.0+incompatible"), 0);
}

TEST(GoVersion, SemverPrereleaseOrder) {
  const char* const order[] = {"v1.0.0-alpha", "v1.0.0-alpha.1", "v1.0.0-alpha.beta",
                               "v1.0.0-beta", "v1.0.0-beta.2", "v1.0.0-beta.11",
                               "v1.0.0-rc.1", "v1.0.0", "v1.0.1", "v99999999999999999999.0.0"};
  for (std::size_t i = 0; i + 1 < std::size(order); ++i) {
    EXPECT_LT(cmp(order[i], order[i + 1]), 0) << order[i];
    EXPECT_GT(cmp(order[i + 1], order[i]), 0) << order[i];
  }
}

}  // namespace
}  // namespace portcullis::vuln
