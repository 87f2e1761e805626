// The deb scheme against every Debian vector file in shared/fixtures/version:
// dpkg's own Dpkg_Version data, 3,000 real version pairs ordered by
// libapt-pkg, and osv-scalibr's hand-written and generated vectors. Each file
// is read whole; every data line is checked (both directions) and the count
// of checked lines must equal the file's data lines, so nothing is skipped.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "version_vectors.h"
#include "vuln/version_scheme.h"

namespace fs = std::filesystem;
using portcullis::vuln::deb_scheme;

namespace {

const fs::path kDir = fs::path(PORTCULLIS_FIXTURES) / "version";

using Vector = portcullis::vuln::testing::OpVector;
using portcullis::vuln::testing::data_lines;
using portcullis::vuln::testing::read_op_file;

// Whitespace- or TAB-separated "a b n" with n in {-1, 0, 1}.
std::vector<Vector> read_numeric_file(const fs::path& p) {
  std::vector<Vector> out;
  for (const auto& line : data_lines(p)) {
    std::istringstream fields(line);
    std::string a, b;
    int n = 2;
    fields >> a >> b >> n;
    EXPECT_TRUE(n == -1 || n == 0 || n == 1) << line;
    out.push_back({a, b, n, p.filename().string() + ": " + line});
  }
  return out;
}

// Checks every vector both ways; returns how many were checked.
std::size_t check_all(const std::vector<Vector>& vectors) {
  const auto& s = deb_scheme();
  std::size_t checked = 0;
  for (const auto& v : vectors) {
    EXPECT_TRUE(s.valid(v.a)) << v.where;
    EXPECT_TRUE(s.valid(v.b)) << v.where;
    EXPECT_EQ(s.compare(v.a, v.b), v.want) << v.where;
    EXPECT_EQ(s.compare(v.b, v.a), -v.want) << v.where;
    ++checked;
  }
  return checked;
}

TEST(DebVersion, DpkgOwnVectors) {
  const auto p = kDir / "dpkg" / "dpkg-Dpkg_Version.t.DATA.txt";
  const auto vectors = read_numeric_file(p);
  EXPECT_EQ(vectors.size(), 43u);
  EXPECT_EQ(check_all(vectors), data_lines(p).size());
}

TEST(DebVersion, RealDebianVersionPairs) {
  const auto p = kDir / "dpkg" / "debian-real-versions-cmp.tsv";
  const auto vectors = read_numeric_file(p);
  EXPECT_EQ(vectors.size(), 3000u);
  EXPECT_EQ(check_all(vectors), data_lines(p).size());
}

TEST(DebVersion, OsvScalibrVectors) {
  const auto p = kDir / "osv-scalibr-semantic" / "debian-versions.txt";
  const auto vectors = read_op_file(p);
  EXPECT_EQ(vectors.size(), 30u);
  EXPECT_EQ(check_all(vectors), data_lines(p).size());
}

TEST(DebVersion, OsvScalibrGeneratedVectors) {
  const auto p = kDir / "osv-scalibr-semantic" / "debian-versions-generated.txt";
  const auto vectors = read_op_file(p);
  EXPECT_EQ(vectors.size(), 14442u);
  EXPECT_EQ(check_all(vectors), data_lines(p).size());
}

TEST(DebVersion, ValidityFollowsDpkgErrorsNotWarnings) {
  const auto& s = deb_scheme();
  // dpkg warns but still compares these, and so do we.
  for (const char* v : {"1:5.#", "a1.0", "1.0_x-1", "0foo", "1:2:3", "1.0-1-2"}) EXPECT_TRUE(s.valid(v)) << v;
  // dpkg refuses these outright; whitespace, control and non-ASCII bytes are
  // refused because apt's order for them depends on the locale.
  for (const char* v : {"", ":1", "a:1", "1:", "-1", "1.0-", "1:-1", "99999999999:1", "1 0", " 1", "1\t",
                        "1.0\xc3\xa9"})
    EXPECT_FALSE(s.valid(v)) << v;
  EXPECT_FALSE(s.valid(std::string_view("1.0\0-1", 6)));
  EXPECT_FALSE(s.valid(std::string(1025, '1')));
  EXPECT_TRUE(s.valid(std::string(1024, '1')));
  EXPECT_EQ(s.compare("", "1"), std::nullopt);
  EXPECT_EQ(s.compare("1", "1.0-"), std::nullopt);
  EXPECT_EQ(s.name(), "deb");
}

TEST(DebVersion, EdgeOrderings) {
  const auto& s = deb_scheme();
  EXPECT_EQ(s.compare("1.0~rc1", "1.0"), -1);
  // Letters sort before other symbols: 1.0 < 1.0a < 1.0+b1.
  EXPECT_EQ(s.compare("1.0", "1.0a"), -1);
  EXPECT_EQ(s.compare("1.0a", "1.0+b1"), -1);
  EXPECT_EQ(s.compare("0:1", "1"), 0);
  EXPECT_EQ(s.compare("00:1", "1"), 0);
  EXPECT_EQ(s.compare("1.0", "1.0-0"), 0);
  EXPECT_EQ(s.compare("2147483647:1", "1:9"), 1);
  // A digit run at the very end of both strings: apt reads up to the NUL.
  EXPECT_EQ(s.compare("1.0000", "1.0"), 0);
  EXPECT_EQ(s.compare("1-10", "1-9"), 1);
}

TEST(DebVersion, CompareFromManyThreads) {
  const auto vectors = read_numeric_file(kDir / "dpkg" / "debian-real-versions-cmp.tsv");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (const auto& v : vectors)
        if (deb_scheme().compare(v.a, v.b) != v.want) ++mismatches[t];
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

}  // namespace
