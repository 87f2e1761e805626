// The rpm scheme against every rpm vector file in shared/fixtures/version.
//
// Two kinds of vectors exist and are checked differently, never skipped:
// - EVR vectors (osv-scalibr redhat-versions.txt): compare(a, b) directly —
//   rpm_scheme() is an EVR comparison, and this file was verified upstream
//   with librpm's rpmverCmp(rpmverParse()).
// - rpmvercmp() field vectors (rpm's own test suite, go-rpm-version,
//   claircore's rpmvercmp): a field is not an EVR ("1-2-3-4" would split at
//   its last '-', "" is no version at all), so every line is checked as
//   compare("0:" + a + "-0", "0:" + b + "-0"), which pins epoch and release
//   and leaves exactly the field comparison; lines whose fields are also
//   EVR-neutral (non-empty, no '-' or ':') are checked directly as well.
// - claircore's NEVRA vectors: split by a test-only NEVRA splitter (itself
//   proven by claircore's parse vectors), names and arches compared like
//   claircore does, the EVR through rpm_scheme().
#include <gtest/gtest.h>
#include <rpm/rpmver.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "version_vectors.h"
#include "vuln/version_scheme.h"

namespace fs = std::filesystem;
using portcullis::vuln::rpm_scheme;

namespace {

const fs::path kDir = fs::path(PORTCULLIS_FIXTURES) / "version";

using Vector = portcullis::vuln::testing::OpVector;
using portcullis::vuln::testing::data_lines;

// rpm's vectors also spell equality "==".
std::vector<Vector> read_op_file(const fs::path& p) { return portcullis::vuln::testing::read_op_file(p, true); }

// TAB-separated "a<TAB>b<TAB>n"; fields may be empty.
std::vector<Vector> read_tsv(const fs::path& p) {
  std::vector<Vector> out;
  for (const auto& line : data_lines(p)) {
    auto t1 = line.find('\t');
    auto t2 = line.find('\t', t1 + 1);
    EXPECT_NE(t2, std::string::npos) << line;
    if (t2 == std::string::npos) continue;
    int n = std::stoi(line.substr(t2 + 1));
    out.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1), n, p.filename().string() + ": " + line});
  }
  return out;
}

bool evr_neutral(const std::string& s) { return !s.empty() && s.find_first_of("-:") == std::string::npos; }
std::string pinned(const std::string& field) { return "0:" + field + "-0"; }

struct FieldCounts {
  std::size_t checked = 0, direct = 0;
};

FieldCounts check_fields(const std::vector<Vector>& vectors) {
  const auto& s = rpm_scheme();
  FieldCounts c;
  for (const auto& v : vectors) {
    EXPECT_EQ(s.compare(pinned(v.a), pinned(v.b)), v.want) << v.where;
    EXPECT_EQ(s.compare(pinned(v.b), pinned(v.a)), -v.want) << v.where;
    if (evr_neutral(v.a) && evr_neutral(v.b)) {
      EXPECT_EQ(s.compare(v.a, v.b), v.want) << v.where;
      EXPECT_EQ(s.compare(v.b, v.a), -v.want) << v.where;
      ++c.direct;
    }
    ++c.checked;
  }
  return c;
}

TEST(RpmVersion, RpmOwnRpmvercmpVectors) {
  const auto p = kDir / "rpm" / "rpm-tests-rpmvercmp.at.tsv";
  const auto vectors = read_tsv(p);
  ASSERT_EQ(vectors.size(), 103u);
  const auto c = check_fields(vectors);
  EXPECT_EQ(c.checked, data_lines(p).size());
  EXPECT_EQ(c.direct, 103u);
}

TEST(RpmVersion, GoRpmVersionRpmvercmpVectors) {
  const auto p = kDir / "rpm" / "go-rpm-version-rpmvercmp-vectors.tsv";
  const auto vectors = read_tsv(p);
  ASSERT_EQ(vectors.size(), 4489u);
  const auto c = check_fields(vectors);
  EXPECT_EQ(c.checked, data_lines(p).size());
  // 133 lines hold an empty field and 133 hold "1-2-3-4" (2 lines both):
  // those 264 are checked pinned only.
  EXPECT_EQ(c.direct, 4489u - 264u);
}

TEST(RpmVersion, ClaircoreRpmvercmpVectors) {
  const auto p = kDir / "rpm" / "claircore-rpmvercmp.txt";
  const auto vectors = read_op_file(p);
  ASSERT_EQ(vectors.size(), 113u);
  const auto c = check_fields(vectors);
  EXPECT_EQ(c.checked, data_lines(p).size());
  EXPECT_EQ(c.direct, 113u);
}

TEST(RpmVersion, OsvScalibrRedhatEvrVectors) {
  const auto p = kDir / "osv-scalibr-semantic" / "redhat-versions.txt";
  const auto vectors = read_op_file(p);
  ASSERT_EQ(vectors.size(), 165u);
  const auto& s = rpm_scheme();
  std::size_t checked = 0;
  for (const auto& v : vectors) {
    EXPECT_TRUE(s.valid(v.a) && s.valid(v.b)) << v.where;
    EXPECT_EQ(s.compare(v.a, v.b), v.want) << v.where;
    EXPECT_EQ(s.compare(v.b, v.a), -v.want) << v.where;
    ++checked;
  }
  EXPECT_EQ(checked, data_lines(p).size());
}

// NEVRA splitting as claircore's vectors define it: no '-' is an error; with
// two or more, the name is everything before the second-to-last '-'; the
// epoch is what precedes a ':' in the version part; a release ending in a
// known ".arch" loses it to the arch.
struct Nevra {
  std::optional<std::string> name, arch;
  std::optional<std::string> epoch;
  std::string version, release;
  std::string evr() const { return (epoch ? *epoch + ":" : "") + version + "-" + release; }
};

std::optional<Nevra> split_nevra(std::string s) {
  const auto dashes = std::count(s.begin(), s.end(), '-');
  if (dashes == 0) return std::nullopt;
  Nevra n;
  if (dashes >= 2) {
    auto last = s.rfind('-');
    auto cut = s.rfind('-', last - 1);
    n.name = s.substr(0, cut);
    s = s.substr(cut + 1);
  }
  auto dash = s.find('-');
  std::string ev = s.substr(0, dash), ra = s.substr(dash + 1);
  if (auto colon = ev.find(':'); colon != std::string::npos) {
    if (colon > 0) n.epoch = ev.substr(0, colon);
    ev = ev.substr(colon + 1);
  }
  n.version = ev;
  n.release = ra;
  static const char* kArches[] = {"aarch64", "i386", "i686", "noarch", "ppc64le", "riscv", "s390x", "src", "x86_64"};
  if (auto dot = ra.rfind('.'); dot != std::string::npos) {
    for (const char* a : kArches) {
      if (ra.substr(dot + 1) == a) {
        n.arch = a;
        n.release = ra.substr(0, dot);
      }
    }
  }
  return n;
}

std::string unquote(const std::string& f) { return (f == "''" || f == "\"\"") ? "" : f; }

TEST(RpmVersion, ClaircoreNevraParseVectorsProveTheSplitter) {
  const auto p = kDir / "rpm" / "claircore-rpmver-parse.txt";
  std::size_t checked = 0;
  for (const auto& line : data_lines(p)) {
    std::istringstream fields(line);
    std::string in, n, e, v, r, a;
    fields >> in >> n >> e >> v >> r >> a;
    auto got = split_nevra(in);
    ASSERT_TRUE(got) << line;
    EXPECT_EQ(got->name.value_or(""), unquote(n)) << line;
    EXPECT_EQ(got->epoch.value_or(""), unquote(e)) << line;
    EXPECT_EQ(got->version, unquote(v)) << line;
    EXPECT_EQ(got->release, unquote(r)) << line;
    EXPECT_EQ(got->arch.value_or(""), unquote(a)) << line;
    EXPECT_TRUE(rpm_scheme().valid(got->evr())) << line;
    ++checked;
  }
  EXPECT_EQ(checked, 4u);
  EXPECT_EQ(checked, data_lines(p).size());
}

// claircore orders an absent part before a present one, names and arches by
// rpmvercmp, and the EVR in between.
int optional_order(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  int r = rpmvercmp(a->c_str(), b->c_str());
  return r < 0 ? -1 : (r > 0 ? 1 : 0);
}

TEST(RpmVersion, ClaircoreNevraCompareVectors) {
  const auto p = kDir / "rpm" / "claircore-rpmver-compare.txt";
  const auto vectors = read_op_file(p);
  ASSERT_EQ(vectors.size(), 12u);
  std::size_t checked = 0;
  for (const auto& v : vectors) {
    auto a = split_nevra(v.a), b = split_nevra(v.b);
    ASSERT_TRUE(a && b) << v.where;
    int got = optional_order(a->name, b->name);
    if (got == 0) {
      auto evr = rpm_scheme().compare(a->evr(), b->evr());
      ASSERT_TRUE(evr) << v.where;
      got = *evr;
    }
    if (got == 0) got = optional_order(a->arch, b->arch);
    EXPECT_EQ(got, v.want) << v.where;
    ++checked;
  }
  EXPECT_EQ(checked, data_lines(p).size());
}

TEST(RpmVersion, EpochsAndValidity) {
  const auto& s = rpm_scheme();
  EXPECT_EQ(s.name(), "rpm");
  EXPECT_EQ(s.compare("1.0-1", "0:1.0-1"), 0);    // missing epoch is 0
  EXPECT_EQ(s.compare("1:1.0-1", "2.0-1"), 1);    // any epoch beats no epoch
  EXPECT_EQ(s.compare("1.0", "1.0-1"), -1);       // no release sorts first
  EXPECT_EQ(s.compare("1.0~rc1-1", "1.0-1"), -1);
  EXPECT_EQ(s.compare("1.0^git1-1", "1.0-1"), 1);
  EXPECT_FALSE(s.valid(""));
  EXPECT_FALSE(s.valid(std::string_view("1.0\0-1", 6)));
  EXPECT_FALSE(s.valid(std::string(1025, '1')));
  EXPECT_TRUE(s.valid(std::string(1024, '1')));
  EXPECT_TRUE(s.valid("1.1.\xce\xb1"));
  EXPECT_EQ(s.compare("", "1"), std::nullopt);
}

}  // namespace
