#include "vuln/ignore_rules.h"

#include <gtest/gtest.h>

namespace portcullis::vuln {
namespace {

TEST(IgnoreRules, IdsExpiryAndReasons) {
  auto r = parse_ignore_rules("# accepted risks\nCVE-2023-1 exp:2026-12-31 # waiting for upstream\n\nGHSA-xxxx-yyyy-zzzz\r\n");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].id, "CVE-2023-1");
  EXPECT_EQ((*r)[0].expires, "2026-12-31");
  EXPECT_EQ((*r)[0].reason, "waiting for upstream");
  EXPECT_EQ((*r)[0].line, 2);
  EXPECT_EQ((*r)[1].id, "GHSA-xxxx-yyyy-zzzz");
  EXPECT_TRUE((*r)[1].expires.empty());
}

TEST(IgnoreRules, ExpiryIsInclusive) {
  IgnoreRule rule{"CVE-1", "2026-11-23", "", 1};
  EXPECT_TRUE(rule_active(rule, "2026-11-22"));
  EXPECT_TRUE(rule_active(rule, "2026-11-23"));
  EXPECT_FALSE(rule_active(rule, "2026-11-24"));
  EXPECT_TRUE(rule_active(IgnoreRule{"CVE-1", "", "", 1}, "2999-01-01"));
}

TEST(IgnoreRules, MalformedLinesAreErrorsNamingTheLine) {
  auto r = parse_ignore_rules("CVE-1\nCVE-2 until:2026-01-01\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos);
  EXPECT_FALSE(parse_ignore_rules("CVE-3 exp:2026-13-01"));
  EXPECT_FALSE(parse_ignore_rules("CVE-3 exp:tomorrow"));
}

}  // namespace
}  // namespace portcullis::vuln
