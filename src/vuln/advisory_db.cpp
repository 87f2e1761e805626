// The advisory database over SQLite's C API (layout: advisory_db.h).
//
// Deviation from the header's layout, additive: `affected` carries one more
// column, `source`, because "the later record of the same source replaces the
// earlier; different sources keep their own rows" needs to know whose rows
// are whose. Readers that ignore it see exactly the documented layout.
//
// Writer: a temporary file beside the target (so rename() stays on one file
// system and is atomic), one transaction, journal in memory and no syncs
// while building (a crash only loses the temporary file); at commit() the
// file is closed, fsync'ed, renamed over the target and the directory synced.
// Anything short of a successful commit() removes the temporary file.
//
// Reader: one read-only connection (SQLITE_OPEN_NOMUTEX) whose use is
// serialised by a std::mutex: lookups are short indexed reads, so one
// connection per process is enough and keeps prepared statements cached.
#include "vuln/advisory_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "core/time.h"

namespace portcullis::vuln {
namespace {

using core::ErrorCode;
using core::make_error;
using Json = nlohmann::json;

std::string str(const Json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> str_list(const Json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& e : j)
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

Json parse_json(const unsigned char* text) {
  if (text == nullptr) return Json();
  return Json::parse(reinterpret_cast<const char*>(text), nullptr, false);
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json cvss_json(const std::vector<Cvss>& v) {
  Json a = Json::array();
  for (const auto& c : v) a.push_back({{"version", c.version}, {"vector", c.vector}, {"score", c.score}, {"source", c.source}});
  return a;
}

std::vector<Cvss> cvss_from(const Json& j) {
  std::vector<Cvss> out;
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    Cvss c{str(e, "version"), str(e, "vector"), 0, str(e, "source")};
    if (e.is_object() && e.contains("score") && e["score"].is_number()) c.score = e["score"].get<double>();
    out.push_back(std::move(c));
  }
  return out;
}

Json ranges_json(const std::vector<Range>& v) {
  Json a = Json::array();
  for (const auto& r : v) {
    Json o = Json::object();
    if (!r.introduced.empty()) o["introduced"] = r.introduced;
    if (!r.fixed.empty()) o["fixed"] = r.fixed;
    if (!r.last_affected.empty()) o["last_affected"] = r.last_affected;
    if (!r.limit.empty()) o["limit"] = r.limit;
    a.push_back(std::move(o));
  }
  return a;
}

std::vector<Range> ranges_from(const Json& j) {
  std::vector<Range> out;
  if (j.is_array())
    for (const auto& e : j) out.push_back({str(e, "introduced"), str(e, "fixed"), str(e, "last_affected"), str(e, "limit")});
  return out;
}

std::string col(sqlite3_stmt* s, int i) {
  const auto* t = sqlite3_column_text(s, i);
  return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(s, i)) : std::string();
}

// A prepared statement that finalizes itself.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
  void reset() { sqlite3_reset(s); sqlite3_clear_bindings(s); }
  void bind(int i, std::string_view v) { sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
};

core::Error db_error(sqlite3* db, const std::string& what) {
  const int rc = sqlite3_errcode(db);
  const auto code = rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? ErrorCode::InvalidArgument : ErrorCode::Io;
  return make_error(code, what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

constexpr const char* kSchema =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE advisories(id TEXT PRIMARY KEY, source TEXT, severity TEXT, title TEXT, description TEXT,"
    " published TEXT, modified TEXT, aliases TEXT, cvss TEXT, refs TEXT);"
    "CREATE TABLE affected(advisory_id TEXT, ecosystem TEXT, package TEXT, ranges TEXT, versions TEXT,"
    " fix_state TEXT, severity TEXT, fixed_versions TEXT, source TEXT);";

void union_into(std::vector<std::string>& to, const std::vector<std::string>& from) {
  std::set<std::string> seen(to.begin(), to.end());
  for (const auto& s : from)
    if (seen.insert(s).second) to.push_back(s);
}

class Writer final : public AdvisoryDbWriter {
 public:
  Writer(std::string path, std::string tmp, sqlite3* db) : path_(std::move(path)), tmp_(std::move(tmp)), db_(db) {}
  ~Writer() override { abandon(); }

  core::Result<void> init() {
    const char* setup = "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY;";
    if (sqlite3_exec(db_, setup, nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_exec(db_, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK)
      return db_error(db_, "advisory database: cannot initialise " + tmp_);
    const char* sql[] = {
        "SELECT source, severity, title, description, published, modified, aliases, cvss, refs FROM advisories WHERE id=?1",
        "INSERT OR REPLACE INTO advisories VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
        "DELETE FROM affected WHERE advisory_id=?1 AND source=?2",
        "INSERT INTO affected VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    };
    Stmt* st[] = {&get_, &put_, &del_, &aff_};
    for (int i = 0; i < 4; ++i)
      if (sqlite3_prepare_v3(db_, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st[i]->s, nullptr) != SQLITE_OK)
        return db_error(db_, "advisory database: prepare");
    return {};
  }

  core::Result<void> add(const Advisory& in) override {
    if (!db_) return make_error(ErrorCode::Internal, "advisory database: writer already committed or failed");
    if (in.id.empty()) return make_error(ErrorCode::InvalidArgument, "advisory without an id");
    Advisory a = in;
    get_.reset();
    get_.bind(1, a.id);
    if (sqlite3_step(get_.s) == SQLITE_ROW && col(get_.s, 0) != a.source) {
      // Another feed already described this id: keep its row, fill the gaps.
      Advisory old;
      old.source = col(get_.s, 0);
      std::string* fields[] = {&old.severity, &old.title, &old.description, &old.published, &old.modified};
      const std::string* mine[] = {&a.severity, &a.title, &a.description, &a.published, &a.modified};
      for (int i = 0; i < 5; ++i) {
        *fields[i] = col(get_.s, i + 1);
        if (fields[i]->empty()) *fields[i] = *mine[i];
      }
      old.aliases = str_list(parse_json(sqlite3_column_text(get_.s, 6)));
      union_into(old.aliases, a.aliases);
      old.cvss = cvss_from(parse_json(sqlite3_column_text(get_.s, 7)));
      for (const auto& c : a.cvss) {
        bool dup = false;
        for (const auto& o : old.cvss) dup = dup || (o.vector == c.vector && o.source == c.source);
        if (!dup) old.cvss.push_back(c);
      }
      old.references = str_list(parse_json(sqlite3_column_text(get_.s, 8)));
      union_into(old.references, a.references);
      sqlite3_reset(get_.s);
      old.id = a.id;
      old.affected = std::move(a.affected);
      const std::string source = a.source;
      a = std::move(old);
      return write(a, source);
    }
    sqlite3_reset(get_.s);
    return write(a, a.source);
  }

  void add_source(const SourceInfo& source) override { sources_.push_back(source); }

  core::Result<DbInfo> commit() override {
    if (!db_) return make_error(ErrorCode::Internal, "advisory database: writer already committed or failed");
    DbInfo info;
    info.schema_version = kSchemaVersion;
    info.built_at = core::utc_rfc3339(std::time(nullptr));
    info.sources = sources_;
    auto count = [&](const char* sql, std::size_t& out) {
      Stmt s;
      if (sqlite3_prepare_v2(db_, sql, -1, &s.s, nullptr) != SQLITE_OK || sqlite3_step(s.s) != SQLITE_ROW) return false;
      out = static_cast<std::size_t>(sqlite3_column_int64(s.s, 0));
      return true;
    };
    Json srcs = Json::array();
    for (const auto& s : sources_)
      srcs.push_back({{"kind", s.kind}, {"path_or_url", s.location}, {"date", s.date}, {"records", s.records}, {"skipped", s.skipped}});
    bool ok = count("SELECT COUNT(*) FROM advisories", info.advisories) && count("SELECT COUNT(*) FROM affected", info.affected);
    {
      Stmt m;
      ok = ok && sqlite3_prepare_v2(db_, "INSERT INTO meta VALUES(?1,?2)", -1, &m.s, nullptr) == SQLITE_OK;
      const std::pair<std::string, std::string> rows[] = {
          {"schema_version", std::to_string(kSchemaVersion)},
          {"built_at", info.built_at},
          {"sources", dump(srcs)},
          {"counts", dump(Json{{"advisories", info.advisories}, {"affected", info.affected}})}};
      for (const auto& [k, v] : rows) {
        if (!ok) break;
        m.reset();
        m.bind(1, k);
        m.bind(2, v);
        ok = sqlite3_step(m.s) == SQLITE_DONE;
      }
    }
    ok = ok && sqlite3_exec(db_, "CREATE INDEX affected_pkg ON affected(ecosystem, package);"
                                 "CREATE INDEX affected_adv ON affected(advisory_id); COMMIT",
                            nullptr, nullptr, nullptr) == SQLITE_OK;
    if (!ok) {
      auto err = db_error(db_, "advisory database: commit of " + path_);
      abandon();
      return err;
    }
    close_db();
    int fd = ::open(tmp_.c_str(), O_RDONLY | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!synced || std::rename(tmp_.c_str(), path_.c_str()) != 0) {
      abandon();
      return make_error(ErrorCode::Io, "advisory database: cannot sync or rename into " + path_);
    }
    tmp_.clear();
    const auto slash = path_.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
    if (int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
      ::fsync(d);  // best effort: the rename is durable once the directory is
      ::close(d);
    }
    return info;
  }

 private:
  core::Result<void> write(const Advisory& a, const std::string& affected_source) {
    put_.reset();
    const std::string vals[] = {a.id, a.source, a.severity, a.title, a.description, a.published, a.modified,
                                dump(Json(a.aliases)), dump(cvss_json(a.cvss)), dump(Json(a.references))};
    for (int i = 0; i < 10; ++i) put_.bind(i + 1, vals[i]);
    if (sqlite3_step(put_.s) != SQLITE_DONE) return db_error(db_, "advisory database: insert " + a.id);
    del_.reset();
    del_.bind(1, a.id);
    del_.bind(2, affected_source);
    if (sqlite3_step(del_.s) != SQLITE_DONE) return db_error(db_, "advisory database: replace " + a.id);
    for (const auto& p : a.affected) {
      aff_.reset();
      const std::string v[] = {a.id, p.ecosystem, p.package, dump(ranges_json(p.ranges)), dump(Json(p.versions)),
                               p.fix_state, p.severity, dump(Json(p.fixed_versions)), affected_source};
      for (int i = 0; i < 9; ++i) aff_.bind(i + 1, v[i]);
      if (sqlite3_step(aff_.s) != SQLITE_DONE) return db_error(db_, "advisory database: insert affected of " + a.id);
    }
    return {};
  }

  void close_db() {
    for (Stmt* s : {&get_, &put_, &del_, &aff_}) {
      sqlite3_finalize(s->s);
      s->s = nullptr;
    }
    if (db_) sqlite3_close(db_);
    db_ = nullptr;
  }

  void abandon() {
    close_db();
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
    tmp_.clear();
  }

  std::string path_, tmp_;
  sqlite3* db_;
  Stmt get_, put_, del_, aff_;
  std::vector<SourceInfo> sources_;
};

class Reader final : public AdvisoryDb {
 public:
  explicit Reader(sqlite3* db) : db_(db) {}
  ~Reader() override {
    sqlite3_finalize(by_pkg_.s);
    sqlite3_finalize(by_id_.s);
    sqlite3_finalize(aff_of_.s);
    sqlite3_finalize(ids_.s);
    by_pkg_.s = by_id_.s = aff_of_.s = ids_.s = nullptr;
    sqlite3_close(db_);
  }

  core::Result<void> load(const std::string& path) {
    Stmt s;
    if (sqlite3_prepare_v2(db_, "SELECT key, value FROM meta", -1, &s.s, nullptr) != SQLITE_OK) {
      const int rc = sqlite3_errcode(db_);
      if (rc == SQLITE_NOTADB || rc == SQLITE_ERROR)
        return make_error(ErrorCode::InvalidArgument, path + " is not an advisory database (" + sqlite3_errmsg(db_) + ")");
      return db_error(db_, "advisory database " + path);
    }
    std::string version;
    int rc;
    while ((rc = sqlite3_step(s.s)) == SQLITE_ROW) {
      const std::string k = col(s.s, 0);
      if (k == "schema_version") version = col(s.s, 1);
      else if (k == "built_at") info_.built_at = col(s.s, 1);
      else if (k == "sources") {
        const Json j = parse_json(sqlite3_column_text(s.s, 1));
        if (j.is_array())
          for (const auto& e : j) {
            SourceInfo si{str(e, "kind"), str(e, "path_or_url"), str(e, "date")};
            if (e.contains("records") && e["records"].is_number_unsigned()) si.records = e["records"].get<std::size_t>();
            if (e.contains("skipped") && e["skipped"].is_number_unsigned()) si.skipped = e["skipped"].get<std::size_t>();
            info_.sources.push_back(std::move(si));
          }
      } else if (k == "counts") {
        const Json j = parse_json(sqlite3_column_text(s.s, 1));
        if (j.is_object() && j.contains("advisories") && j["advisories"].is_number_unsigned())
          info_.advisories = j["advisories"].get<std::size_t>();
        if (j.is_object() && j.contains("affected") && j["affected"].is_number_unsigned())
          info_.affected = j["affected"].get<std::size_t>();
      }
    }
    if (rc != SQLITE_DONE) return db_error(db_, "advisory database " + path);
    char* end = nullptr;
    const long v = version.empty() ? 0 : std::strtol(version.c_str(), &end, 10);
    if (version.empty() || *end != '\0')
      return make_error(ErrorCode::InvalidArgument, path + " is not an advisory database (no schema_version)");
    if (v != kSchemaVersion)
      return make_error(ErrorCode::InvalidArgument,
                        path + " has advisory database schema " + version + " but this build reads schema " +
                            std::to_string(kSchemaVersion) + (v > kSchemaVersion ? "; upgrade portcullis" : "; rebuild the database"));
    info_.schema_version = static_cast<int>(v);
    const char* adv = "SELECT id, source, severity, title, description, published, modified, aliases, cvss, refs FROM advisories";
    const std::string aff = "SELECT ecosystem, package, ranges, versions, fix_state, severity, fixed_versions FROM affected";
    if (sqlite3_prepare_v3(db_, (std::string(adv) + " WHERE id=?1").c_str(), -1, SQLITE_PREPARE_PERSISTENT, &by_id_.s, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v3(db_, (aff + " WHERE advisory_id=?1 AND ecosystem=?2 AND package=?3").c_str(), -1,
                           SQLITE_PREPARE_PERSISTENT, &by_pkg_.s, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v3(db_, (aff + " WHERE advisory_id=?1").c_str(), -1, SQLITE_PREPARE_PERSISTENT, &aff_of_.s, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v3(db_, "SELECT DISTINCT advisory_id FROM affected WHERE ecosystem=?1 AND package=?2 ORDER BY advisory_id",
                           -1, SQLITE_PREPARE_PERSISTENT, &ids_.s, nullptr) != SQLITE_OK)
      return make_error(ErrorCode::InvalidArgument, path + " is not an advisory database (" + sqlite3_errmsg(db_) + ")");
    return {};
  }

  const DbInfo& info() const override { return info_; }

  core::Result<std::vector<Advisory>> for_package(std::string_view ecosystem, std::string_view package) override {
    std::lock_guard lock(mu_);
    std::vector<std::string> ids;
    ids_.reset();
    ids_.bind(1, ecosystem);
    ids_.bind(2, package);
    int rc;
    while ((rc = sqlite3_step(ids_.s)) == SQLITE_ROW) ids.push_back(col(ids_.s, 0));
    if (rc != SQLITE_DONE) return db_error(db_, "advisory database: lookup");
    std::vector<Advisory> out;
    for (const auto& id : ids) {
      auto a = row(id);
      if (!a.ok()) return a.error();
      if (!a->has_value()) continue;
      by_pkg_.reset();
      by_pkg_.bind(1, id);
      by_pkg_.bind(2, ecosystem);
      by_pkg_.bind(3, package);
      if (auto r = affected(by_pkg_, **a); !r.ok()) return r.error();
      out.push_back(std::move(**a));
    }
    return out;
  }

  core::Result<std::optional<Advisory>> get(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto a = row(id);
    if (!a.ok() || !a->has_value()) return a;
    aff_of_.reset();
    aff_of_.bind(1, id);
    if (auto r = affected(aff_of_, **a); !r.ok()) return r.error();
    return a;
  }

 private:
  core::Result<std::optional<Advisory>> row(std::string_view id) {
    by_id_.reset();
    by_id_.bind(1, id);
    const int rc = sqlite3_step(by_id_.s);
    if (rc == SQLITE_DONE) return std::optional<Advisory>();
    if (rc != SQLITE_ROW) return db_error(db_, "advisory database: read");
    Advisory a;
    std::string* f[] = {&a.id, &a.source, &a.severity, &a.title, &a.description, &a.published, &a.modified};
    for (int i = 0; i < 7; ++i) *f[i] = col(by_id_.s, i);
    a.aliases = str_list(parse_json(sqlite3_column_text(by_id_.s, 7)));
    a.cvss = cvss_from(parse_json(sqlite3_column_text(by_id_.s, 8)));
    a.references = str_list(parse_json(sqlite3_column_text(by_id_.s, 9)));
    return std::optional<Advisory>(std::move(a));
  }

  core::Result<void> affected(Stmt& s, Advisory& a) {
    int rc;
    while ((rc = sqlite3_step(s.s)) == SQLITE_ROW) {
      AffectedPackage p;
      p.ecosystem = col(s.s, 0);
      p.package = col(s.s, 1);
      p.ranges = ranges_from(parse_json(sqlite3_column_text(s.s, 2)));
      p.versions = str_list(parse_json(sqlite3_column_text(s.s, 3)));
      p.fix_state = col(s.s, 4);
      p.severity = col(s.s, 5);
      p.fixed_versions = str_list(parse_json(sqlite3_column_text(s.s, 6)));
      a.affected.push_back(std::move(p));
    }
    if (rc != SQLITE_DONE) return db_error(db_, "advisory database: read affected");
    return {};
  }

  sqlite3* db_;
  std::mutex mu_;
  DbInfo info_;
  Stmt by_id_, by_pkg_, aff_of_, ids_;
};

}  // namespace

core::Result<std::unique_ptr<AdvisoryDbWriter>> AdvisoryDbWriter::create(const std::string& path) {
  if (path.empty()) return make_error(ErrorCode::InvalidArgument, "advisory database: empty path");
  std::string tmpl = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return make_error(ErrorCode::Io, "advisory database: cannot create a temporary file beside " + path);
  ::close(fd);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(tmpl.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    auto err = db_error(db, "advisory database: open " + tmpl);
    sqlite3_close(db);
    ::unlink(tmpl.c_str());
    return err;
  }
  auto w = std::make_unique<Writer>(path, tmpl, db);  // owns db and the file from here on
  if (auto r = w->init(); !r.ok()) return r.error();
  return std::unique_ptr<AdvisoryDbWriter>(std::move(w));
}

core::Result<std::unique_ptr<AdvisoryDb>> AdvisoryDb::open(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) return make_error(ErrorCode::NotFound, "advisory database " + path + " does not exist");
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    auto err = db_error(db, "advisory database: open " + path);
    sqlite3_close(db);
    return err;
  }
  auto r = std::make_unique<Reader>(db);
  if (auto l = r->load(path); !l.ok()) return l.error();
  return std::unique_ptr<AdvisoryDb>(std::move(r));
}

}  // namespace portcullis::vuln
