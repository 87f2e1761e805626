// The rpm analyzer against real rpm databases (shared/fixtures/pkgdb/rpm) and
// damaged copies of them, driven only through the Analyzer interface.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "scan/analyzers/analyzers.h"
#include "analyzer_test_support.h"
#include "support/temp_dir.h"

namespace portcullis::scan {
namespace {

const std::string kRpm = std::string(PORTCULLIS_FIXTURES) + "/pkgdb/rpm/";

using testing::read_file;

FileResult analyze(std::string_view path, std::string_view content) {
  auto analyzer = make_rpm_analyzer();
  EXPECT_GE(analyzer->size_limit(), content.size());
  return testing::run_analyzer(*analyzer, path, content);
}

// The columns of the expected lists: NAME EPOCH VERSION RELEASE ARCH SOURCERPM LICENSE MODULARITYLABEL.
using Row = std::array<std::string, 8>;

std::vector<Row> expected_rows(const std::string& tsv) {
  std::vector<Row> rows;
  std::istringstream in(read_file(tsv));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    Row row;
    std::size_t col = 0, start = 0;
    for (std::size_t tab; col < row.size(); start = tab + 1) {
      tab = line.find('\t', start);
      row[col++] = line.substr(start, tab == std::string::npos ? std::string::npos : tab - start);
      if (tab == std::string::npos) break;
    }
    if (row[7] == "(none)") row[7].clear();
    rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// A package back in `rpm -qa` columns, from the fields the analyzer fills.
Row row_of(const Package& p) {
  auto prop = [&](const char* key, const char* absent) {
    const std::string* v = p.property(key);
    return v ? *v : std::string(absent);
  };
  std::string epoch = prop("epoch", "(none)"), release = prop("release", "");
  std::string version = p.version;
  if (epoch != "(none)") version = version.substr(epoch.size() + 1);
  version = version.substr(0, version.size() - release.size() - 1);
  return {p.name, epoch, version, release, p.arch, prop("sourcerpm", "(none)"),
          p.licenses.empty() ? "(none)" : p.licenses[0], prop("modularitylabel", "")};
}

std::vector<Row> actual_rows(const FileResult& r) {
  std::vector<Row> rows;
  for (const Package& p : r.packages) rows.push_back(row_of(p));
  std::sort(rows.begin(), rows.end());
  return rows;
}

struct Fixture {
  const char* db;         // under fixtures/pkgdb/rpm/
  const char* image_path; // where an image would carry it
  const char* expected;   // expected-rpm-qa.tsv beside it
  std::size_t count;
};

// sle15-bci is ndb: Debian 12's rpm cannot read it, so its expected list is the
// one go-rpmdb's author captured with `rpm -qa` (SOURCES.md); our own ndb
// reader reads it, nothing is skipped.
const Fixture kFixtures[] = {
    {"go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite", "go-rpmdb/cbl-mariner-2.0/expected-rpm-qa.tsv", 129},
    {"go-rpmdb/libuuid/Packages", "var/lib/rpm/Packages", "go-rpmdb/libuuid/expected-rpm-qa.tsv", 1},
    {"syft/Packages", "usr/lib/sysimage/rpm/Packages", "syft/expected-rpm-qa.tsv", 1},
    {"go-rpmdb/sle15-bci/Packages.db", "usr/lib/sysimage/rpm/Packages.db", "go-rpmdb/sle15-bci/expected-rpm-qa.tsv", 35},
};

TEST(RpmAnalyzer, WantsOnlyRpmDatabases) {
  auto a = make_rpm_analyzer();
  for (const char* dir : {"var/lib/rpm/", "usr/lib/sysimage/rpm/", "usr/share/rpm/"})
    for (const char* file : {"Packages", "Packages.db", "rpmdb.sqlite"}) {
      std::string path = std::string(dir) + file;
      EXPECT_EQ(a->wants(FileInfo{path, 1, 0644}), Want::whole) << path;
    }
  for (const char* path : {"var/lib/rpm/Packages.bak", "var/lib/rpm/Name", "x/var/lib/rpm/Packages",
                           "var/lib/rpm", "var/lib/rpm/rpmdb.sqlite-wal", "usr/lib/rpm/Packages"})
    EXPECT_EQ(a->wants(FileInfo{path, 1, 0644}), Want::no) << path;
  EXPECT_GE(a->size_limit(), std::uint64_t{256} << 20);
}

TEST(RpmAnalyzer, FixturesMatchRpmQa) {
  for (const Fixture& f : kFixtures) {
    SCOPED_TRACE(f.db);
    FileResult r = analyze(f.image_path, read_file(kRpm + f.db));
    EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
    std::vector<Row> want = expected_rows(kRpm + f.expected);
    EXPECT_EQ(want.size(), f.count);
    EXPECT_EQ(actual_rows(r), want);
  }
}

TEST(RpmAnalyzer, PackageFields) {
  FileResult r = analyze("var/lib/rpm/Packages", read_file(kRpm + "go-rpmdb/libuuid/Packages"));
  ASSERT_EQ(r.packages.size(), 1u);
  const Package& p = r.packages[0];
  EXPECT_EQ(p.ecosystem, "rpm");
  EXPECT_EQ(p.name, "libuuid");
  EXPECT_EQ(p.version, "2.32.1-42.el8_8");
  EXPECT_EQ(p.source_name, "util-linux");
  EXPECT_EQ(p.source_version, "2.32.1-42.el8_8");
  EXPECT_EQ(p.arch, "x86_64");
  EXPECT_EQ(p.licenses, std::vector<std::string>{"BSD"});
  EXPECT_EQ(p.path, "var/lib/rpm/Packages");
  EXPECT_EQ(p.property("epoch"), nullptr);
  ASSERT_NE(p.property("vendor"), nullptr);
  EXPECT_EQ(*p.property("vendor"), "Red Hat, Inc.");
  ASSERT_NE(p.property("sourcerpm"), nullptr);
  EXPECT_EQ(*p.property("sourcerpm"), "util-linux-2.32.1-42.el8_8.src.rpm");
}

TEST(RpmAnalyzer, EpochIsPartOfTheVersion) {
  FileResult r = analyze("var/lib/rpm/rpmdb.sqlite", read_file(kRpm + "go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite"));
  auto it = std::find_if(r.packages.begin(), r.packages.end(),
                         [](const Package& p) { return p.name == "ca-certificates-base"; });
  ASSERT_NE(it, r.packages.end());
  EXPECT_EQ(it->version, "1:2.0.0-1.cm2");
  EXPECT_EQ(it->source_name, "ca-certificates");
  EXPECT_EQ(it->source_version, "2.0.0-1.cm2");
  for (const Package& p : r.packages) EXPECT_NE(p.name, "gpg-pubkey");
}

TEST(RpmAnalyzer, SqliteWithoutPackagesTableIsEmptyWithWarning) {
  // claircore's no_packages.sqlite: a SQLite file with an unrelated table.
  FileResult r = analyze("var/lib/rpm/rpmdb.sqlite", read_file(kRpm + "claircore/no_packages.sqlite"));
  EXPECT_TRUE(r.packages.empty());
  EXPECT_FALSE(r.warnings.empty());
}

// An rpmdb.sqlite built here around claircore's raw header blob, plus a
// row that is not a header: the good one counts, the bad one warns.
TEST(RpmAnalyzer, SqliteBuiltAroundARawHeader) {
  std::string header = read_file(kRpm + "claircore/package.header");
  portcullis::testing::TempDir dir("pc-rpm");
  std::string path = dir.path() + "/rpmdb.sqlite";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)",
                         nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO Packages (blob) VALUES (?)", -1, &st, nullptr), SQLITE_OK);
  for (const std::string& blob : {header, std::string("not a header at all")}) {
    sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  FileResult r = analyze("usr/share/rpm/rpmdb.sqlite", read_file(path));
  ASSERT_EQ(r.packages.size(), 1u);
  EXPECT_FALSE(r.packages[0].name.empty());
  EXPECT_FALSE(r.packages[0].version.empty());
  EXPECT_EQ(r.warnings.size(), 1u);
}

// Cut every fixture at many points and overwrite runs of bytes: never a crash,
// never more packages than the intact file, a warning for every cut copy.
TEST(RpmAnalyzer, TruncatedAndCorruptCopiesWarn) {
  auto start = std::chrono::steady_clock::now();
  std::mt19937 rng(20240601);
  for (const Fixture& f : kFixtures) {
    SCOPED_TRACE(f.db);
    std::string good = read_file(kRpm + f.db);
    for (std::size_t cut : {std::size_t{1}, std::size_t{40}, std::size_t{511}, std::size_t{4097}, good.size() / 3,
                            good.size() / 2, good.size() - 4097, good.size() - 1}) {
      if (cut >= good.size()) continue;
      FileResult r = analyze(f.image_path, std::string_view(good).substr(0, cut));
      EXPECT_LE(r.packages.size(), f.count) << "cut " << cut;
      EXPECT_FALSE(r.warnings.empty()) << "cut " << cut;
    }
    for (int round = 0; round < 40; ++round) {
      std::string bad = good;
      std::size_t at = rng() % bad.size(), len = 1 + rng() % 64;
      for (std::size_t i = at; i < std::min(bad.size(), at + len); ++i) bad[i] = static_cast<char>(rng());
      FileResult r = analyze(f.image_path, bad);
      EXPECT_LE(r.packages.size(), f.count) << "round " << round;
    }
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
}

TEST(RpmAnalyzer, RandomBytesWarn) {
  std::mt19937 rng(7);
  const std::string prefixes[] = {"", std::string("SQLite format 3\0", 16), "RpmP\0\0\0\0\0\0\0\0\x03\0\0\0",
                                  std::string("\0\0\0\0\1\0\0\0\0\0\0\0\x61\x15\x06\0\x09\0\0\0\0\x10\0\0\0\x08", 26)};
  for (const std::string& prefix : prefixes) {
    for (std::size_t size : {std::size_t{600}, std::size_t{16384}, std::size_t{70000}}) {
      std::string bytes(size, '\0');
      for (char& c : bytes) c = static_cast<char>(rng());
      bytes.replace(0, prefix.size(), prefix);
      FileResult r = analyze("var/lib/rpm/Packages", bytes);
      EXPECT_TRUE(r.packages.empty());
      EXPECT_FALSE(r.warnings.empty()) << "prefix size " << prefix.size() << " size " << size;
      EXPECT_LE(r.warnings.size(), 21u);
    }
  }
}

// Every overflow page of the BDB fixtures made to point at itself (or at the
// first overflow page), and every off-page item made to claim the whole file
// so that one-page chains loop too: the reader notices and finishes at once.
TEST(RpmAnalyzer, BdbPageLoopIsCut) {
  for (const char* db : {"go-rpmdb/libuuid/Packages", "syft/Packages"}) {
    SCOPED_TRACE(db);
    const std::string good = read_file(kRpm + db);
    std::uint32_t page_size;
    std::memcpy(&page_size, good.data() + 20, 4);  // little-endian fixtures
    for (bool to_first : {false, true}) {
      std::string bad = good;
      std::uint32_t first = 0;
      for (std::uint32_t n = 1; std::size_t{n + 1} * page_size <= bad.size(); ++n) {
        char* page = bad.data() + std::size_t{n} * page_size;
        if (page[25] == 13) {  // hash page: items' offsets follow the 26-byte header
          std::uint16_t entries;
          std::memcpy(&entries, page + 20, 2);
          for (std::uint16_t i = 0; i < entries; ++i) {
            std::uint16_t at;
            std::memcpy(&at, page + 26 + 2 * i, 2);
            auto claimed = static_cast<std::uint32_t>(bad.size());
            if (at + 12u <= page_size && page[at] == 3) std::memcpy(page + at + 8, &claimed, 4);
          }
        }
        if (page[25] != 7) continue;  // overflow pages only
        if (!first) first = n;
        std::uint32_t next = to_first && n != first ? first : n;
        std::memcpy(page + 16, &next, 4);
      }
      ASSERT_NE(first, 0u);
      auto start = std::chrono::steady_clock::now();
      FileResult r = analyze("var/lib/rpm/Packages", bad);
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
      EXPECT_TRUE(r.packages.empty());
      ASSERT_FALSE(r.warnings.empty());
      EXPECT_NE(r.warnings[0].find("revisits"), std::string::npos) << r.warnings[0];
    }
  }
}

// One analyzer instance serves many threads (the layer reader's contract).
TEST(RpmAnalyzer, ConcurrentUseGivesTheSameResult) {
  auto analyzer = make_rpm_analyzer();
  std::vector<std::string> dbs;
  for (const Fixture& f : kFixtures) dbs.push_back(read_file(kRpm + f.db));
  std::vector<std::vector<std::size_t>> counts(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round)
        for (std::size_t i = 0; i < dbs.size(); ++i) {
          FileResult out;
          analyzer->analyze(FileInfo{kFixtures[i].image_path, dbs[i].size(), 0644}, dbs[i], out);
          counts[t].push_back(out.packages.size() * 100 + out.warnings.size());
        }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t)
    for (std::size_t k = 0; k < counts[t].size(); ++k)
      EXPECT_EQ(counts[t][k], kFixtures[k % dbs.size()].count * 100);
}

}  // namespace
}  // namespace portcullis::scan
