// The apk scheme against every apk vector file in shared/fixtures/version:
// apk-tools' own unit-test data (and go-apk-version's older copy of it) and
// osv-scalibr's hand-written and generated (real `apk version -t`) vectors.
//
// Every data line is accounted for, and the count must equal the file's:
// - "a op b" with op in < = > and both sides valid: compare() must agree,
//   both ways round;
// - a side that apk_version_validate() refuses: compare() must be nullopt
//   (the VersionScheme contract) and that string must be in the file's
//   explicit kInvalid list below — apk-tools still orders such strings by a
//   prefix walk, but the contract deliberately gives no answer for them;
// - "a ~ b", "a !~ b", "a <~ b", "a >~ b": fuzzy prefix matches used by
//   apk's `pkg~ver` dependencies, not orderings; the contract has no fuzzy
//   operation, so they are counted and named here, not compared;
// - "ver" / "!ver" (validity lines): valid() must say yes / no.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "vuln/version_scheme.h"

namespace fs = std::filesystem;
using portcullis::vuln::apk_scheme;

namespace {

const fs::path kDir = fs::path(PORTCULLIS_FIXTURES) / "version";

struct Counts {
  std::size_t lines = 0;     // data lines in the file
  std::size_t compared = 0;  // both valid, ordering checked
  std::size_t refused = 0;   // a side is invalid, nullopt checked
  std::size_t fuzzy = 0;     // fuzzy-match lines (not orderings)
  std::size_t validity = 0;  // "ver" / "!ver" lines
};

int op_sign(const std::string& op) { return op == "<" ? -1 : (op == "=" ? 0 : 1); }

// Reads one file and checks each line as the header says. `invalid` lists
// the strings of this file that apk-tools 3 does not accept as versions.
Counts check_file(const fs::path& p, const std::set<std::string>& invalid) {
  const auto& s = apk_scheme();
  Counts c;
  std::set<std::string> invalid_seen;
  std::ifstream in(p);
  EXPECT_TRUE(in) << p;
  for (std::string line; std::getline(in, line);) {
    // A trailing "# comment" is allowed after the fields (apk-tools' format).
    if (auto hash = line.find("\t#"); hash != std::string::npos) line.resize(hash);
    if (auto hash = line.find(" #"); hash != std::string::npos) line.resize(hash);
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
    ++c.lines;
    const std::string where = p.filename().string() + ": " + line;
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string x; fields >> x;) f.push_back(x);
    if (f.size() == 1) {
      const bool want_valid = f[0][0] != '!';
      EXPECT_EQ(s.valid(want_valid ? f[0] : f[0].substr(1)), want_valid) << where;
      ++c.validity;
      continue;
    }
    if (f.size() != 3) {
      ADD_FAILURE() << "unreadable line " << where;
      continue;
    }
    const std::string &a = f[0], &op = f[1], &b = f[2];
    if (op.find('~') != std::string::npos) {
      ++c.fuzzy;
      continue;
    }
    if (op != "<" && op != "=" && op != ">") {
      ADD_FAILURE() << "unknown operator " << where;
      continue;
    }
    if (!s.valid(a) || !s.valid(b)) {
      for (const auto* side : {&a, &b}) {
        if (s.valid(*side)) continue;
        EXPECT_TRUE(invalid.count(*side)) << "not listed as invalid: " << *side << " in " << where;
        invalid_seen.insert(*side);
      }
      EXPECT_EQ(s.compare(a, b), std::nullopt) << where;
      EXPECT_EQ(s.compare(b, a), std::nullopt) << where;
      ++c.refused;
      continue;
    }
    EXPECT_EQ(s.compare(a, b), op_sign(op)) << where;
    EXPECT_EQ(s.compare(b, a), -op_sign(op)) << where;
    ++c.compared;
  }
  // Every listed string occurs in the file and really is invalid.
  for (const auto& v : invalid) EXPECT_TRUE(invalid_seen.count(v)) << "listed but not seen invalid: " << v;
  EXPECT_EQ(c.compared + c.refused + c.fuzzy + c.validity, c.lines);
  return c;
}

// apk-tools-version.data (and go-apk-version's copy): two ordering lines have
// an invalid side — "1.0bc" (a second letter; apk-tools' own comment says
// "invalid. do string sort") and "23_foo" (unknown suffix; "todo: this might
// be invalid?").
const std::set<std::string> kInvalidApkTools = {"1.0bc", "23_foo"};

// alpine-versions.txt collects apk-tools 2 vs 3 edge cases on purpose; these
// are its strings apk-tools 3 refuses: a leading or doubled '.', '.r1' (a
// letter after '.'), a digit after a letter ("0r2", "6.6.2p1"), "-r" without
// digits or repeated, upper-case letters, unknown suffixes, bare letters.
const std::set<std::string> kInvalidScalibr = {
    ".1",         ".2",         "0...1...0",  "0...1...0.r1", "0...1...0.r2", "0...1...0r1", "0...1...0r2",
    "0...1...1",  "0...8",      "0..1..0",    "0..1..1",      "0..8",         "0.8.21.r1",   "0.8.21.r2",
    "0.8.21r2",   "0.r1",       "0r2",        "1--ruff1",     "1-r",          "1-r-0",       "1-r-1",
    "1-r-2",      "1-r0-1",     "1-r0-2",     "1-r0-ruff1",   "1-r0-ruff2",   "1-ruff",      "1-ruff1",
    "1-ruff2",    "1.0bc",      "1.2.0A",     "1.2.0D",       "1.2_blah",     "1.2_csv2",    "10.2.22.r0",
    "10.2.24.r0", "23_foo",     "6.6.2p1",    "6.6.2p2",      "a",            "b",           "c"};

// alpine-versions-generated.txt: real historical Alpine versions of the
// "6.6.2p1" kind (openssh, sudo, ...: a digit right after the letter), which
// apk-tools 3 refuses ("!0.1a1" in its own data); today's packages spell
// them "_p1". All other 13,921 lines are compared.
const std::set<std::string> kInvalidScalibrGenerated = {
    "1.7.4p6-r1",  "1.8.1p1-r1",  "1.8.28p1-r1", "1.8.31p1-r1", "1.9.4p2-r1",  "1.9.5p1-r1",  "1.9.5p2-r1",
    "3.3.3p1-r0",  "3.3.3p1-r1",  "3.3.3p1-r2",  "3.3.3p1-r4",  "5.1p1-r0",    "5.7.1p1-r0",  "5.7.1p1-r1",
    "5.7.1p1-r2",  "5.7.2p1-r0",  "5.7.3p1-r0",  "5.7.3p1-r1",  "5.7.3p2-r0",  "5.7.3p2-r1",  "5.9.2p1-r0",
    "5.9.2p1-r1",  "5.9.2p1-r2",  "5.9.2p1-r3",  "6.0.2p1-r0",  "6.0.2p1-r1",  "6.0.2p1-r2",  "6.0.2p1-r3",
    "6.0.2p1-r4",  "6.0.2p1-r5",  "6.0.2p1-r6",  "6.0.2p1-r7",  "6.0.2p1-r8",  "6.0.3p1-r0",  "6.0.3p1-r1",
    "6.0.3p1-r2",  "6.0.3p1-r3",  "6.0.3p1-r4",  "6.4.2p1-r0",  "6.4.2p1-r1",  "6.4.2p1-r2",  "6.6.1p1-r0",
    "6.6.1p1-r1",  "6.6.1p1-r2",  "6.6.1p1-r3",  "6.6.2p1-r0",  "6.6.2p1-r2",  "6.6.3p1-r0",  "6.6.3p1-r1",
    "6.6.4p1-r0",  "6.6.4p1-r1"};

TEST(ApkVersion, ApkToolsOwnVectors) {
  const auto c = check_file(kDir / "apk" / "apk-tools-version.data", kInvalidApkTools);
  EXPECT_EQ(c.lines, 785u);
  EXPECT_EQ(c.fuzzy, 16u);     // 6 "~", 8 "!~", 1 "<~", 1 ">~"
  EXPECT_EQ(c.validity, 31u);  // 6 valid, 25 "!invalid" (one is the empty string)
  EXPECT_EQ(c.refused, 2u);
  EXPECT_EQ(c.compared, 785u - 16u - 31u - 2u);
}

TEST(ApkVersion, GoApkVersionVectors) {
  const auto c = check_file(kDir / "apk" / "go-apk-version-version.data", kInvalidApkTools);
  EXPECT_EQ(c.lines, 728u);
  EXPECT_EQ(c.refused, 2u);
  EXPECT_EQ(c.fuzzy + c.validity, 0u);
}

TEST(ApkVersion, OsvScalibrVectors) {
  const auto c = check_file(kDir / "osv-scalibr-semantic" / "alpine-versions.txt", kInvalidScalibr);
  EXPECT_EQ(c.lines, 778u);
  EXPECT_EQ(c.refused, 37u);
  EXPECT_EQ(c.compared, 778u - 37u);
}

TEST(ApkVersion, OsvScalibrGeneratedVectors) {
  const auto c =
      check_file(kDir / "osv-scalibr-semantic" / "alpine-versions-generated.txt", kInvalidScalibrGenerated);
  EXPECT_EQ(c.lines, 13979u);
  EXPECT_EQ(c.refused, 58u);
  EXPECT_EQ(c.compared, 13979u - 58u);
}

TEST(ApkVersion, CurrentApkToolsRules) {
  const auto& s = apk_scheme();
  EXPECT_EQ(s.name(), "apk");
  EXPECT_EQ(s.compare("8.2.0", "8.2.001"), -1);  // leading zero: string order (apk-tools 3)
  EXPECT_EQ(s.compare("1.01", "1.1"), -1);
  EXPECT_EQ(s.compare("01.1", "1.1"), 0);        // the first number is always an integer
  EXPECT_EQ(s.compare("1.0_rc1", "1.0"), -1);
  EXPECT_EQ(s.compare("1.0_p1", "1.0"), 1);
  EXPECT_EQ(s.compare("1.0", "1.0-r0"), -1);
  EXPECT_EQ(s.compare("1.0~abc-r1", "1.0~abd"), -1);
  EXPECT_EQ(s.compare("1-r1", "1-r01"), 0);
  // Numbers wrap at 2^64 as in apk-tools (uint64_t): 18446744073709551616 == 0.
  EXPECT_EQ(s.compare("1.18446744073709551616", "1.0"), 1);  // leading-zero rule: string order
  EXPECT_EQ(s.compare("18446744073709551616", "0"), 0);
  EXPECT_FALSE(s.valid("1.0~ABC"));  // the hash is lower-case hex only
  EXPECT_FALSE(s.valid(std::string_view("1.0\0", 4)));
  EXPECT_FALSE(s.valid(std::string(1025, '1')));
  EXPECT_TRUE(s.valid(std::string(1024, '1')));
  EXPECT_EQ(s.compare("1.0", "1.0bc"), std::nullopt);
}

}  // namespace
