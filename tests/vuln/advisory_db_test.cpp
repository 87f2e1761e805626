// The advisory database: every field survives writer -> reader, lookups are
// per package, a failed or abandoned build leaves nothing behind, and files
// that are not (this version of) the database are refused clearly.
#include "vuln/advisory_db.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace portcullis::vuln;

namespace {

class AdvisoryDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("advdb-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const char* name = "adv.db") const { return (dir_ / name).string(); }
  std::size_t entries() const { return std::distance(fs::directory_iterator(dir_), fs::directory_iterator()); }
  fs::path dir_;
};

Advisory full() {
  Advisory a;
  a.id = "GHSA-35jh-r3h4-6jhm";
  a.aliases = {"CVE-2021-23337"};
  a.source = "osv";
  a.title = "Command Injection in lodash";
  a.description = "lodash versions prior to 4.17.21 are vulnerable \xe2\x80\x94 template";
  a.severity = "high";
  a.cvss = {{"3.1", "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2, "ghsa"},
            {"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 0, "ghsa"}};
  a.references = {"https://nvd.nist.gov/vuln/detail/CVE-2021-23337", "https://github.com/lodash/lodash"};
  a.published = "2021-05-06T16:05:51Z";
  a.modified = "2024-02-13T18:13:48Z";
  AffectedPackage p;
  p.ecosystem = "npm";
  p.package = "lodash";
  p.ranges = {{"0", "4.17.21", "", ""}, {"5.0.0-alpha.1", "", "5.0.0-beta.3", "6"}};
  p.versions = {"4.17.20"};
  p.fix_state = fix_state::kFixed;
  p.severity = "medium";
  p.fixed_versions = {"4.17.21"};
  a.affected.push_back(p);
  p.package = "lodash-es";
  a.affected.push_back(p);
  return a;
}

void expect_same(const Advisory& a, const Advisory& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.aliases, b.aliases);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.severity, b.severity);
  ASSERT_EQ(a.cvss.size(), b.cvss.size());
  for (std::size_t i = 0; i < a.cvss.size(); ++i) {
    EXPECT_EQ(a.cvss[i].version, b.cvss[i].version);
    EXPECT_EQ(a.cvss[i].vector, b.cvss[i].vector);
    EXPECT_DOUBLE_EQ(a.cvss[i].score, b.cvss[i].score);
    EXPECT_EQ(a.cvss[i].source, b.cvss[i].source);
  }
  EXPECT_EQ(a.references, b.references);
  EXPECT_EQ(a.published, b.published);
  EXPECT_EQ(a.modified, b.modified);
  ASSERT_EQ(a.affected.size(), b.affected.size());
  for (std::size_t i = 0; i < a.affected.size(); ++i) {
    const auto &x = a.affected[i], &y = b.affected[i];
    EXPECT_EQ(x.ecosystem, y.ecosystem);
    EXPECT_EQ(x.package, y.package);
    ASSERT_EQ(x.ranges.size(), y.ranges.size());
    for (std::size_t j = 0; j < x.ranges.size(); ++j) {
      EXPECT_EQ(x.ranges[j].introduced, y.ranges[j].introduced);
      EXPECT_EQ(x.ranges[j].fixed, y.ranges[j].fixed);
      EXPECT_EQ(x.ranges[j].last_affected, y.ranges[j].last_affected);
      EXPECT_EQ(x.ranges[j].limit, y.ranges[j].limit);
    }
    EXPECT_EQ(x.versions, y.versions);
    EXPECT_EQ(x.fix_state, y.fix_state);
    EXPECT_EQ(x.severity, y.severity);
    EXPECT_EQ(x.fixed_versions, y.fixed_versions);
  }
}

TEST_F(AdvisoryDbTest, RoundTripsEveryField) {
  auto w = AdvisoryDbWriter::create(path());
  ASSERT_TRUE(w.ok()) << w.error().message;
  ASSERT_TRUE((*w)->add(full()).ok());
  (*w)->add_source({"osv", "fixtures/osv", "2024-02-13T18:13:48Z", 1, 2});
  auto info = (*w)->commit();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->advisories, 1u);
  EXPECT_EQ(info->affected, 2u);
  EXPECT_EQ(entries(), 1u);  // only the database: no temporary or journal left

  auto db = AdvisoryDb::open(path());
  ASSERT_TRUE(db.ok()) << db.error().message;
  const DbInfo& i = (*db)->info();
  EXPECT_EQ(i.schema_version, kSchemaVersion);
  EXPECT_FALSE(i.built_at.empty());
  EXPECT_EQ(i.advisories, 1u);
  EXPECT_EQ(i.affected, 2u);
  ASSERT_EQ(i.sources.size(), 1u);
  EXPECT_EQ(i.sources[0].kind, "osv");
  EXPECT_EQ(i.sources[0].location, "fixtures/osv");
  EXPECT_EQ(i.sources[0].date, "2024-02-13T18:13:48Z");
  EXPECT_EQ(i.sources[0].records, 1u);
  EXPECT_EQ(i.sources[0].skipped, 2u);

  auto got = (*db)->get("GHSA-35jh-r3h4-6jhm");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  expect_same(**got, full());
  auto none = (*db)->get("GHSA-none");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(AdvisoryDbTest, ForPackageReturnsOnlyThatPackagesRows) {
  auto w = AdvisoryDbWriter::create(path());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->add(full()).ok());
  Advisory other = full();
  other.id = "GHSA-other";
  other.affected.resize(1);
  other.affected[0].ecosystem = "PyPI";
  ASSERT_TRUE((*w)->add(other).ok());
  ASSERT_TRUE((*w)->commit().ok());
  auto db = AdvisoryDb::open(path());
  ASSERT_TRUE(db.ok());
  auto rows = (*db)->for_package("npm", "lodash-es");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].id, "GHSA-35jh-r3h4-6jhm");
  ASSERT_EQ((*rows)[0].affected.size(), 1u);
  EXPECT_EQ((*rows)[0].affected[0].package, "lodash-es");
  auto py = (*db)->for_package("PyPI", "lodash");
  ASSERT_TRUE(py.ok());
  ASSERT_EQ(py->size(), 1u);
  EXPECT_EQ((*py)[0].id, "GHSA-other");
  EXPECT_TRUE((*db)->for_package("npm", "nope")->empty());
  EXPECT_TRUE((*db)->for_package("pypi", "lodash")->empty());  // ecosystem is an exact key
}

TEST_F(AdvisoryDbTest, TwoSourcesOneIdKeepTheirRowsSameSourceReplaces) {
  auto w = AdvisoryDbWriter::create(path());
  ASSERT_TRUE(w.ok());
  Advisory a = full();
  ASSERT_TRUE((*w)->add(a).ok());
  Advisory b = full();
  b.source = "other-feed";
  b.title = "ignored: the first source's title stays";
  b.aliases = {"CVE-2021-23337", "SNYK-JS-LODASH-1040724"};
  b.affected.resize(1);
  b.affected[0].fixed_versions = {"4.17.22"};
  ASSERT_TRUE((*w)->add(b).ok());
  Advisory a2 = full();  // osv again: replaces osv's rows, not other-feed's
  a2.affected.resize(1);
  a2.title = "updated";
  ASSERT_TRUE((*w)->add(a2).ok());
  auto info = (*w)->commit();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->advisories, 1u);
  EXPECT_EQ(info->affected, 2u);
  auto db = AdvisoryDb::open(path());
  ASSERT_TRUE(db.ok());
  auto got = (*db)->get(a.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->title, "updated");
  ASSERT_EQ((*got)->affected.size(), 2u);
  auto rows = (*db)->for_package("npm", "lodash");
  ASSERT_EQ(rows->size(), 1u);
  ASSERT_EQ((*rows)[0].affected.size(), 2u);
  EXPECT_NE((*rows)[0].affected[0].fixed_versions, (*rows)[0].affected[1].fixed_versions);
}

TEST_F(AdvisoryDbTest, AbandonedBuildLeavesNothingAndKeepsTheOldDatabase) {
  {
    auto w = AdvisoryDbWriter::create(path());
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->add(full()).ok());
    ASSERT_TRUE((*w)->commit().ok());
  }
  const auto before = fs::file_size(path());
  {
    auto w = AdvisoryDbWriter::create(path());
    ASSERT_TRUE(w.ok());
    Advisory a = full();
    a.id = "NEW-1";
    ASSERT_TRUE((*w)->add(a).ok());
    EXPECT_FALSE((*w)->add(Advisory{}).ok());  // no id: refused, build goes on
    EXPECT_EQ(entries(), 2u);                   // the temporary file beside the target
  }  // destroyed without commit()
  EXPECT_EQ(entries(), 1u);
  EXPECT_EQ(fs::file_size(path()), before);
  auto db = AdvisoryDb::open(path());
  ASSERT_TRUE(db.ok());
  EXPECT_FALSE((*db)->get("NEW-1")->has_value());
  EXPECT_TRUE((*db)->get("GHSA-35jh-r3h4-6jhm")->has_value());
  {
    auto w = AdvisoryDbWriter::create(path("fresh.db"));
    ASSERT_TRUE(w.ok());
  }
  EXPECT_FALSE(fs::exists(path("fresh.db")));
  EXPECT_FALSE(AdvisoryDbWriter::create((dir_ / "no-such-dir" / "x.db").string()).ok());
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AdvisoryDbTest, RefusesFilesThatAreNotThisDatabase) {
  auto missing = AdvisoryDb::open(path("missing.db"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);

  std::ofstream(path("text.db")) << "this is not a database, just some text long enough to be a header........\n";
  auto text = AdvisoryDb::open(path("text.db"));
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message.find("not an advisory database"), std::string::npos) << text.error().message;

  std::ofstream(path("empty.db")).flush();
  auto empty = AdvisoryDb::open(path("empty.db"));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("not an advisory database"), std::string::npos) << empty.error().message;

  for (const char* v : {"2", "0"}) {
    {
      auto w = AdvisoryDbWriter::create(path());
      ASSERT_TRUE(w.ok());
      ASSERT_TRUE((*w)->commit().ok());
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    const std::string sql = std::string("UPDATE meta SET value='") + v + "' WHERE key='schema_version'";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto r = AdvisoryDb::open(path());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(std::string("schema ") + v), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(v[0] == '2' ? "upgrade" : "rebuild"), std::string::npos) << r.error().message;
  }
}

}  // namespace
