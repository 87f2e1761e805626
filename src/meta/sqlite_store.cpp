// MetaStore over SQLite through SOCI (see meta_store.h for the contract).
//
// Concurrency. A soci::connection_pool holds N sessions; every method leases
// one for its duration. Reads run in autocommit mode (WAL: they never wait for
// the writer). Writes take an in-process mutex first — so writers of this
// process queue in order instead of polling SQLite's busy handler — and then
// run `BEGIN IMMEDIATE`, which takes SQLite's write lock at the start of the
// transaction. That makes every write, including the FileOp callbacks, run
// under the one database write lock (other processes included), and means a
// transaction can never fail half-way on a lock upgrade. SQLITE_BUSY from
// another process is retried within a bounded time.
//
// Portability. Queries use only SQL that PostgreSQL runs too (INSERT ... ON
// CONFLICT, RETURNING, EXISTS, LIMIT with a bound value); booleans are
// integers 0/1. The SQLite-specific parts are the DDL (migrations.cpp), the
// `BEGIN IMMEDIATE`, the pragmas, the statement reset after cached lookups and
// the manifest content binding (soci::blob, which is a large object on
// PostgreSQL: a PostgreSQL store binds bytea instead).
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <ctime>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "core/digest.h"
#include "meta/meta_store.h"
#include "meta/migrations.h"
#include "meta/sqlite_session.h"

namespace portcullis::meta {
namespace {

using namespace sqlite;

using core::ErrorCode;
using core::make_error;
using soci::into;
using soci::use;

constexpr int kBusyTimeoutMs = 5000;                          // SQLite's own wait for a lock
constexpr auto kWriteRetryBudget = std::chrono::seconds(30);  // our retries on top of it
constexpr int kLeaseTimeoutMs = 30000;                        // waiting for a pooled session
constexpr const char* kBeginWrite = "BEGIN IMMEDIATE";

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::int64_t limit_value(std::int64_t limit) { return limit < 0 ? std::int64_t{INT64_MAX} : limit; }


class SqliteStore final : public MetaStore {
 public:
  explicit SqliteStore(std::size_t pool_size) : pool_(pool_size), size_(pool_size) {}

  Result<void> open(const std::string& path) {
    std::string params = "db=\"" + path + "\" timeout=" + std::to_string(kBusyTimeoutMs / 1000) + " synchronous=full";
    try {
      for (std::size_t i = 0; i < size_; ++i) {
        soci::session& s = pool_.at(i);
        s.open(*soci::factory_sqlite3(), params);
        std::string mode;
        s << "PRAGMA journal_mode=WAL", into(mode);
        if (mode != "wal") return make_error(ErrorCode::Internal, "database refused WAL mode (journal_mode=" + mode + ")");
        s << "PRAGMA synchronous=FULL";
        s << "PRAGMA foreign_keys=ON";
        s << "PRAGMA busy_timeout=" + std::to_string(kBusyTimeoutMs);
        conns_.push_back(std::make_unique<Conn>(s));
      }
      return migrate(*conns_.front());
    } catch (const std::exception& e) {
      return make_error(ErrorCode::Internal, "cannot open database " + path + ": " + e.what());
    }
  }

  // ---- projects and repositories

  Result<std::optional<Project>> find_project(const std::string& name) override {
    return read([&](Conn& c) -> Result<std::optional<Project>> {
      auto& q = c.find_project;
      auto& st = q.st.get([&] {
        return (c.sql.prepare << "SELECT id, name, is_public, created_at FROM projects WHERE name = :name",
                use(q.name), into(q.id), into(q.out_name), into(q.is_public), into(q.created_at));
      });
      q.name = name;
      if (!fetch_one(st)) return std::optional<Project>();
      return std::optional<Project>(Project{q.id, q.out_name, q.is_public != 0, q.created_at});
    });
  }

  Result<Project> create_project(const std::string& name, bool is_public) override {
    if (name.empty()) return make_error(ErrorCode::InvalidArgument, "empty project name");
    return write([&](Conn& c, WriteState&) -> Result<Project> {
      std::int64_t id = 0, now = now_seconds();
      int pub = is_public ? 1 : 0;
      c.sql << "INSERT INTO projects(name, is_public, created_at) VALUES(:name, :pub, :now)"
               " ON CONFLICT(name) DO NOTHING RETURNING id",
          use(name), use(pub), use(now), into(id);
      if (!c.sql.got_data()) return make_error(ErrorCode::Conflict, "project exists already: " + name);
      return Project{id, name, is_public, now};
    });
  }

  Result<std::optional<Repository>> find_repository(const std::string& name) override {
    return read([&](Conn& c) -> Result<std::optional<Repository>> { return lookup_repository(c, name); });
  }

  Result<Repository> ensure_repository(std::int64_t project_id, const std::string& name) override {
    if (name.empty()) return make_error(ErrorCode::InvalidArgument, "empty repository name");
    // Nearly every call finds the repository: try without the write lock.
    auto found = find_repository(name);
    if (!found) return found.error();
    if (*found) return **found;
    return write([&](Conn& c, WriteState&) -> Result<Repository> {
      int projects = 0;
      c.sql << "SELECT COUNT(*) FROM projects WHERE id = :id", use(project_id), into(projects);
      if (projects == 0) return make_error(ErrorCode::NotFound, "project not found: id " + std::to_string(project_id));
      std::int64_t now = now_seconds();
      c.sql << "INSERT INTO repositories(project_id, name, created_at) VALUES(:p, :n, :t)"
               " ON CONFLICT(name) DO NOTHING",
          use(project_id), use(name), use(now);
      auto r = lookup_repository(c, name);
      if (!r) return r.error();
      if (!*r) return make_error(ErrorCode::Internal, "repository vanished after insert: " + name);
      return **r;
    });
  }

  Result<std::vector<std::string>> list_repositories(const std::string& after, std::int64_t limit,
                                                     bool public_only) override {
    return read([&](Conn& c) -> Result<std::vector<std::string>> {
      std::vector<std::string> out;
      std::string name;
      int all = public_only ? 0 : 1;
      std::int64_t lim = limit_value(limit);
      soci::statement st = (c.sql.prepare << "SELECT r.name FROM repositories r JOIN projects p ON p.id = r.project_id"
                                              " WHERE r.name > :after AND (p.is_public = 1 OR :all = 1)"
                                              " ORDER BY r.name LIMIT :lim",
                            use(after), use(all), use(lim), into(name));
      st.execute();
      while (st.fetch()) out.push_back(name);
      return out;
    });
  }

  // ---- blobs

  Result<std::optional<BlobRef>> repository_blob(std::int64_t repository_id, const std::string& digest) override {
    return read([&](Conn& c) -> Result<std::optional<BlobRef>> {
      auto& q = c.repository_blob;
      auto& st = q.st.get([&] {
        return (c.sql.prepare << "SELECT b.size, CASE WHEN EXISTS (SELECT 1 FROM blob_contents bc"
                                 "   WHERE bc.digest = b.digest) THEN 1 ELSE 0 END"
                                 " FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest"
                                 " WHERE rb.repository_id = :r AND rb.digest = :d",
                use(q.repository_id), use(q.digest), into(q.size), into(q.stored_inline));
      });
      q.repository_id = repository_id;
      q.digest = digest;
      if (!fetch_one(st)) return std::optional<BlobRef>();
      return std::optional<BlobRef>(BlobRef{q.size, q.stored_inline != 0});
    });
  }

  Result<std::optional<std::int64_t>> known_blob(const std::string& digest) override {
    return read([&](Conn& c) -> Result<std::optional<std::int64_t>> {
      std::int64_t size = 0;
      c.sql << "SELECT b.size FROM blobs b WHERE b.digest = :d"
               " AND EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest)",
          use(digest), into(size);
      if (!c.sql.got_data()) return std::optional<std::int64_t>();
      return std::optional<std::int64_t>(size);
    });
  }

  Result<void> link_blob(std::int64_t repository_id, const std::string& digest, std::int64_t size,
                         const FileOp& place) override {
    if (digest.empty()) return make_error(ErrorCode::InvalidArgument, "empty digest");
    if (size < 0) return make_error(ErrorCode::SizeInvalid, "negative blob size");
    return write([&](Conn& c, WriteState& ws) -> Result<void> {
      auto known = record_blob_link(c, repository_id, digest, size);
      if (!known) return known.error();
      // Held inline already: one copy is enough, the caller drops its file.
      if (*known == Known::Inline) return {};
      if (place) {
        ws.file_op_ran = true;
        if (auto r = place(); !r) return r;
      }
      return {};
    });
  }

  Result<void> link_inline_blob(std::int64_t repository_id, const std::string& digest,
                                const std::string& content) override {
    if (digest.empty()) return make_error(ErrorCode::InvalidArgument, "empty digest");
    if (static_cast<std::int64_t>(content.size()) > kInlineBlobMaxBytes)
      return make_error(ErrorCode::InvalidArgument, "blob of " + std::to_string(content.size()) +
                                                        " bytes is too large to store inline");
    const auto size = static_cast<std::int64_t>(content.size());
    return write([&](Conn& c, WriteState&) -> Result<void> {
      auto known = record_blob_link(c, repository_id, digest, size);
      if (!known) return known.error();
      // A file (or an inline copy) holds the bytes already: only the link is new.
      if (*known != Known::No) return {};
      // Zero bytes are stored as NULL (an empty soci::blob may bind as NULL).
      soci::blob bytes(c.sql);
      if (!content.empty()) bytes.write(0, content.data(), content.size());
      soci::indicator ind = content.empty() ? soci::i_null : soci::i_ok;
      c.sql << "INSERT INTO blob_contents(digest, content) VALUES(:d, :c)", use(digest), use(bytes, ind);
      return {};
    });
  }

  Result<std::optional<std::string>> inline_blob(const std::string& digest) override {
    return read([&](Conn& c) -> Result<std::optional<std::string>> {
      auto& q = c.inline_blob;
      auto& st = q.st.get([&] {
        q.content = std::make_unique<soci::blob>(c.sql);
        return (c.sql.prepare << "SELECT bc.content FROM blob_contents bc WHERE bc.digest = :d", use(q.digest),
                into(*q.content, q.content_ind));
      });
      q.digest = digest;
      // The bytes are copied out before the statement is reset.
      struct ResetOnExit {
        soci::statement& st;
        ~ResetOnExit() {
          auto* be = static_cast<soci::sqlite3_statement_backend*>(st.get_backend());
          if (be && be->stmt_) sqlite_api::sqlite3_reset(be->stmt_);
        }
      } reset{st};
      if (!st.execute(true)) return std::optional<std::string>();
      return std::optional<std::string>(read_blob(*q.content, q.content_ind));
    });
  }

  Result<bool> unlink_blob(std::int64_t repository_id, const std::string& digest) override {
    return write([&](Conn& c, WriteState&) -> Result<bool> {
      return exec_count((c.sql.prepare << "DELETE FROM repository_blobs WHERE repository_id = :r AND digest = :d",
                         use(repository_id), use(digest))) > 0;
    });
  }

  Result<bool> unlink_blob_if_unreferenced(std::int64_t repository_id, const std::string& digest,
                                           std::int64_t before) override {
    return write([&](Conn& c, WriteState&) -> Result<bool> {
      return exec_count((c.sql.prepare << "DELETE FROM repository_blobs WHERE repository_id = :r AND digest = :d"
                                          " AND created_at < :b"
                                          " AND NOT EXISTS (SELECT 1 FROM manifest_references mr"
                                          "   JOIN manifests m ON m.id = mr.manifest_id"
                                          "   WHERE m.repository_id = :r2 AND mr.digest = :d2)"
                                          " AND NOT EXISTS (SELECT 1 FROM manifests m2"
                                          "   WHERE m2.repository_id = :r3 AND m2.digest = :d3)",
                         use(repository_id), use(digest), use(before), use(repository_id), use(digest),
                         use(repository_id), use(digest))) > 0;
    });
  }

  // ---- manifests and tags

  Result<void> put_manifest(std::int64_t repository_id, const ManifestRecord& m,
                            const std::optional<std::string>& tag) override {
    auto parsed = core::Digest::parse(m.digest);
    if (!parsed) return parsed.error();
    if (core::Digest::of(parsed->algorithm(), m.content) != *parsed)
      return make_error(ErrorCode::DigestInvalid, "manifest content does not hash to " + m.digest);
    if (tag && tag->empty()) return make_error(ErrorCode::InvalidArgument, "empty tag");
    return write([&](Conn& c, WriteState&) -> Result<void> {
      if (auto r = require_repository(c, repository_id); !r) return r;
      {
        std::string d;
        int n = 0;
        soci::statement blob_check =
            (c.sql.prepare << "SELECT COUNT(*) FROM repository_blobs WHERE repository_id = :r AND digest = :d",
             use(repository_id), use(d), into(n));
        for (const auto& ref : m.blob_refs) {
          d = ref;
          blob_check.execute(true);
          if (n == 0) return make_error(ErrorCode::ManifestBlobUnknown, "blob unknown to repository: " + ref);
        }
        soci::statement manifest_check =
            (c.sql.prepare << "SELECT COUNT(*) FROM manifests WHERE repository_id = :r AND digest = :d",
             use(repository_id), use(d), into(n));
        for (const auto& ref : m.manifest_refs) {
          d = ref;
          manifest_check.execute(true);
          if (n == 0) return make_error(ErrorCode::ManifestBlobUnknown, "manifest unknown to repository: " + ref);
        }
      }

      std::int64_t now = now_seconds();
      std::int64_t size = static_cast<std::int64_t>(m.content.size());
      soci::blob content(c.sql);
      if (!m.content.empty()) content.write(0, m.content.data(), m.content.size());
      soci::indicator content_ind = m.content.empty() ? soci::i_null : soci::i_ok;
      std::string subject = m.subject.value_or("");
      soci::indicator subject_ind = m.subject ? soci::i_ok : soci::i_null;
      c.sql << "INSERT INTO manifests(repository_id, digest, media_type, artifact_type, size, content, subject,"
               " annotations, created_at) VALUES(:r, :d, :mt, :at, :sz, :c, :s, :a, :t)"
               " ON CONFLICT(repository_id, digest) DO NOTHING",
          use(repository_id), use(m.digest), use(m.media_type), use(m.artifact_type), use(size),
          use(content, content_ind), use(subject, subject_ind), use(m.annotations_json), use(now);
      std::int64_t manifest_id = 0;
      c.sql << "SELECT id FROM manifests WHERE repository_id = :r AND digest = :d", use(repository_id),
          use(m.digest), into(manifest_id);
      if (!c.sql.got_data()) return make_error(ErrorCode::Internal, "manifest vanished after insert: " + m.digest);

      // Same digest pushed again: the row stays, its references are rebuilt.
      c.sql << "DELETE FROM manifest_references WHERE manifest_id = :m", use(manifest_id);
      {
        std::string d, kind;
        soci::statement ins = (c.sql.prepare << "INSERT INTO manifest_references(manifest_id, digest, kind)"
                                                " VALUES(:m, :d, :k) ON CONFLICT(manifest_id, kind, digest) DO NOTHING",
                               use(manifest_id), use(d), use(kind));
        kind = "blob";
        for (const auto& ref : m.blob_refs) {
          d = ref;
          ins.execute(true);
        }
        kind = "manifest";
        for (const auto& ref : m.manifest_refs) {
          d = ref;
          ins.execute(true);
        }
      }

      if (tag) {
        c.sql << "INSERT INTO tags(repository_id, name, manifest_id, updated_at) VALUES(:r, :n, :m, :t)"
                 " ON CONFLICT(repository_id, name) DO UPDATE SET manifest_id = excluded.manifest_id,"
                 " updated_at = excluded.updated_at",
            use(repository_id), use(*tag), use(manifest_id), use(now);
      }
      return {};
    });
  }

  Result<std::optional<StoredManifest>> get_manifest(std::int64_t repository_id, const std::string& digest,
                                                     bool with_content) override {
    return read([&](Conn& c) -> Result<std::optional<StoredManifest>> {
      if (!with_content) {
        auto& q = c.get_manifest;
        auto& st = q.st.get([&] {
          return (c.sql.prepare << "SELECT id, media_type, size FROM manifests WHERE repository_id = :r AND digest = :d",
                  use(q.repository_id), use(q.digest), into(q.id), into(q.media_type), into(q.size));
        });
        q.repository_id = repository_id;
        q.digest = digest;
        if (!fetch_one(st)) return std::optional<StoredManifest>();
        return std::optional<StoredManifest>(StoredManifest{q.id, digest, q.media_type, q.size, {}});
      }
      auto& q = c.get_manifest_content;
      auto& st = q.st.get([&] {
        q.content = std::make_unique<soci::blob>(c.sql);
        return (c.sql.prepare << "SELECT id, media_type, size, content FROM manifests"
                                 " WHERE repository_id = :r AND digest = :d",
                use(q.repository_id), use(q.digest), into(q.id), into(q.media_type), into(q.size),
                into(*q.content, q.content_ind));
      });
      q.repository_id = repository_id;
      q.digest = digest;
      StoredManifest out;
      {
        // The blob is copied out before the statement is reset.
        struct ResetOnExit {
          soci::statement& st;
          ~ResetOnExit() {
            auto* be = static_cast<soci::sqlite3_statement_backend*>(st.get_backend());
            if (be && be->stmt_) sqlite_api::sqlite3_reset(be->stmt_);
          }
        } reset{st};
        if (!st.execute(true)) return std::optional<StoredManifest>();
        out = StoredManifest{q.id, digest, q.media_type, q.size, read_blob(*q.content, q.content_ind)};
      }
      if (static_cast<std::int64_t>(out.content.size()) != out.size)
        return make_error(ErrorCode::Internal, "stored manifest " + digest + " has " +
                                                   std::to_string(out.content.size()) + " bytes, recorded " +
                                                   std::to_string(out.size));
      return std::optional<StoredManifest>(std::move(out));
    });
  }

  Result<std::optional<std::string>> resolve_tag(std::int64_t repository_id, const std::string& tag) override {
    return read([&](Conn& c) -> Result<std::optional<std::string>> {
      auto& q = c.resolve_tag;
      auto& st = q.st.get([&] {
        return (c.sql.prepare << "SELECT m.digest FROM tags t JOIN manifests m ON m.id = t.manifest_id"
                                 " WHERE t.repository_id = :r AND t.name = :n",
                use(q.repository_id), use(q.tag), into(q.digest));
      });
      q.repository_id = repository_id;
      q.tag = tag;
      if (!fetch_one(st)) return std::optional<std::string>();
      return std::optional<std::string>(q.digest);
    });
  }

  Result<bool> delete_manifest(std::int64_t repository_id, const std::string& digest) override {
    return write([&](Conn& c, WriteState&) -> Result<bool> {
      std::int64_t id = 0;
      c.sql << "SELECT id FROM manifests WHERE repository_id = :r AND digest = :d", use(repository_id), use(digest),
          into(id);
      if (!c.sql.got_data()) return false;
      c.sql << "DELETE FROM tags WHERE manifest_id = :m", use(id);
      c.sql << "DELETE FROM manifest_references WHERE manifest_id = :m", use(id);
      c.sql << "DELETE FROM manifests WHERE id = :m", use(id);
      return true;
    });
  }

  Result<bool> delete_tag(std::int64_t repository_id, const std::string& tag) override {
    return write([&](Conn& c, WriteState&) -> Result<bool> {
      return exec_count((c.sql.prepare << "DELETE FROM tags WHERE repository_id = :r AND name = :n",
                         use(repository_id), use(tag))) > 0;
    });
  }

  Result<std::vector<std::string>> list_tags(std::int64_t repository_id, const std::string& after,
                                             std::int64_t limit) override {
    return read([&](Conn& c) -> Result<std::vector<std::string>> {
      std::vector<std::string> out;
      std::string name;
      std::int64_t lim = limit_value(limit);
      soci::statement st = (c.sql.prepare << "SELECT name FROM tags WHERE repository_id = :r AND name > :after"
                                              " ORDER BY name LIMIT :lim",
                            use(repository_id), use(after), use(lim), into(name));
      st.execute();
      while (st.fetch()) out.push_back(name);
      return out;
    });
  }

  Result<std::vector<Referrer>> referrers(std::int64_t repository_id, const std::string& subject,
                                          const std::string& artifact_type) override {
    return read([&](Conn& c) -> Result<std::vector<Referrer>> {
      std::vector<Referrer> out;
      Referrer r;
      std::string sql =
          "SELECT digest, media_type, artifact_type, size, annotations FROM manifests"
          " WHERE repository_id = :r AND subject = :s";
      if (!artifact_type.empty()) sql += " AND artifact_type = :a";
      sql += " ORDER BY digest";
      soci::statement st =
          artifact_type.empty()
              ? (c.sql.prepare << sql, use(repository_id), use(subject), into(r.digest), into(r.media_type),
                 into(r.artifact_type), into(r.size), into(r.annotations_json))
              : (c.sql.prepare << sql, use(repository_id), use(subject), use(artifact_type), into(r.digest),
                 into(r.media_type), into(r.artifact_type), into(r.size), into(r.annotations_json));
      st.execute();
      while (st.fetch()) out.push_back(r);
      return out;
    });
  }

  // ---- layer analysis cache

  Result<std::optional<std::string>> get_layer_result(const std::string& cache_key) override {
    return read([&](Conn& c) -> Result<std::optional<std::string>> {
      soci::blob bytes(c.sql);
      soci::indicator ind = soci::i_null;
      c.sql << "SELECT result FROM layer_results WHERE cache_key = :k", use(cache_key), into(bytes, ind);
      if (!c.sql.got_data()) return std::optional<std::string>();
      return std::optional<std::string>(read_blob(bytes, ind));
    });
  }

  Result<void> put_layer_result(const std::string& cache_key, const std::string& diff_id,
                                const std::string& result) override {
    if (result.empty()) return make_error(ErrorCode::InvalidArgument, "empty layer result");
    return write([&](Conn& c, WriteState&) -> Result<void> {
      soci::blob bytes(c.sql);
      bytes.write(0, result.data(), result.size());
      std::int64_t now = now_seconds();
      c.sql << "INSERT INTO layer_results(cache_key, diff_id, result, created_at) VALUES(:k, :d, :r, :t)"
               " ON CONFLICT(cache_key) DO UPDATE SET result = excluded.result, created_at = excluded.created_at",
          use(cache_key), use(diff_id), use(bytes), use(now);
      return {};
    });
  }

  // ---- upload sessions

  Result<void> create_upload(const std::string& id, std::int64_t repository_id) override {
    if (id.empty()) return make_error(ErrorCode::InvalidArgument, "empty upload id");
    return write([&](Conn& c, WriteState&) -> Result<void> {
      if (auto r = require_repository(c, repository_id); !r) return r;
      std::int64_t now = now_seconds();
      if (exec_count((c.sql.prepare << "INSERT INTO uploads(id, repository_id, created_at, updated_at)"
                                       " VALUES(:i, :r, :c, :u) ON CONFLICT(id) DO NOTHING",
                      use(id), use(repository_id), use(now), use(now))) == 0)
        return make_error(ErrorCode::Conflict, "upload exists already: " + id);
      return {};
    });
  }

  Result<std::optional<Upload>> find_upload(const std::string& id) override {
    return read([&](Conn& c) -> Result<std::optional<Upload>> {
      Upload u;
      c.sql << "SELECT id, repository_id, created_at, updated_at FROM uploads WHERE id = :i", use(id), into(u.id),
          into(u.repository_id), into(u.created_at), into(u.updated_at);
      if (!c.sql.got_data()) return std::optional<Upload>();
      return std::optional<Upload>(std::move(u));
    });
  }

  Result<void> touch_upload(const std::string& id) override {
    return write([&](Conn& c, WriteState&) -> Result<void> {
      std::int64_t now = now_seconds();
      if (exec_count((c.sql.prepare << "UPDATE uploads SET updated_at = :t WHERE id = :i", use(now), use(id))) == 0)
        return make_error(ErrorCode::NotFound, "upload not found: " + id);
      return {};
    });
  }

  Result<bool> delete_upload(const std::string& id) override {
    return write([&](Conn& c, WriteState&) -> Result<bool> {
      return exec_count((c.sql.prepare << "DELETE FROM uploads WHERE id = :i", use(id))) > 0;
    });
  }

  Result<std::vector<Upload>> stale_uploads(std::int64_t before) override {
    return read([&](Conn& c) -> Result<std::vector<Upload>> {
      std::vector<Upload> out;
      Upload u;
      soci::statement st = (c.sql.prepare << "SELECT id, repository_id, created_at, updated_at FROM uploads"
                                              " WHERE updated_at < :b ORDER BY updated_at, id",
                            use(before), into(u.id), into(u.repository_id), into(u.created_at), into(u.updated_at));
      st.execute();
      while (st.fetch()) out.push_back(u);
      return out;
    });
  }

  // ---- principals

  Result<std::optional<User>> find_user(const std::string& name) override {
    return read([&](Conn& c) -> Result<std::optional<User>> {
      User u;
      int admin = 0, creator = 0;
      c.sql << "SELECT id, name, password_hash, is_admin, can_create_projects FROM users WHERE name = :n", use(name),
          into(u.id), into(u.name), into(u.password_hash), into(admin), into(creator);
      if (!c.sql.got_data()) return std::optional<User>();
      u.is_admin = admin != 0;
      u.can_create_projects = creator != 0;
      return std::optional<User>(std::move(u));
    });
  }

  Result<User> create_user(const User& u) override {
    if (u.name.empty()) return make_error(ErrorCode::InvalidArgument, "empty user name");
    return write([&](Conn& c, WriteState&) -> Result<User> {
      std::int64_t id = 0, now = now_seconds();
      int admin = u.is_admin ? 1 : 0, creator = u.can_create_projects ? 1 : 0;
      c.sql << "INSERT INTO users(name, password_hash, is_admin, can_create_projects, created_at)"
               " VALUES(:n, :h, :a, :c, :t) ON CONFLICT(name) DO NOTHING RETURNING id",
          use(u.name), use(u.password_hash), use(admin), use(creator), use(now), into(id);
      if (!c.sql.got_data()) return make_error(ErrorCode::Conflict, "user exists already: " + u.name);
      User out = u;
      out.id = id;
      return out;
    });
  }

  Result<std::int64_t> count_users() override {
    return read([&](Conn& c) -> Result<std::int64_t> {
      std::int64_t n = 0;
      c.sql << "SELECT COUNT(*) FROM users", into(n);
      return n;
    });
  }

  // ---- garbage collection

  Result<std::vector<BlobLink>> unreferenced_links(std::int64_t before) override {
    return read([&](Conn& c) -> Result<std::vector<BlobLink>> {
      std::vector<BlobLink> out;
      BlobLink l;
      soci::statement st =
          (c.sql.prepare << "SELECT rb.repository_id, rb.digest FROM repository_blobs rb"
                            " WHERE rb.created_at < :b"
                            " AND NOT EXISTS (SELECT 1 FROM manifest_references mr"
                            "   JOIN manifests m ON m.id = mr.manifest_id"
                            "   WHERE m.repository_id = rb.repository_id AND mr.digest = rb.digest)"
                            " AND NOT EXISTS (SELECT 1 FROM manifests m2"
                            "   WHERE m2.repository_id = rb.repository_id AND m2.digest = rb.digest)"
                            " ORDER BY rb.repository_id, rb.digest",
           use(before), into(l.repository_id), into(l.digest));
      st.execute();
      while (st.fetch()) out.push_back(l);
      return out;
    });
  }

  Result<std::vector<std::string>> all_blobs() override {
    return read([&](Conn& c) -> Result<std::vector<std::string>> {
      std::vector<std::string> out;
      std::string d;
      soci::statement st = (c.sql.prepare << "SELECT digest FROM blobs ORDER BY digest", into(d));
      st.execute();
      while (st.fetch()) out.push_back(d);
      return out;
    });
  }

  Result<bool> delete_blob_if_unreferenced(const std::string& digest, std::int64_t before,
                                           const FileOp& remove) override {
    return write([&](Conn& c, WriteState& ws) -> Result<bool> {
      // The inline bytes go with the row; deleting them first keeps the
      // foreign key satisfied whatever the ON DELETE action.
      c.sql << "DELETE FROM blob_contents WHERE digest = :d AND EXISTS (SELECT 1 FROM blobs b"
               "   WHERE b.digest = :d2 AND b.last_linked_at < :b"
               "   AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = :d3))",
          use(digest), use(digest), use(before), use(digest);
      long long n = exec_count((c.sql.prepare << "DELETE FROM blobs WHERE digest = :d AND last_linked_at < :b"
                                                 " AND NOT EXISTS (SELECT 1 FROM repository_blobs rb"
                                                 "   WHERE rb.digest = :d2)",
                                use(digest), use(before), use(digest)));
      if (n == 0) return false;
      if (remove) {
        ws.file_op_ran = true;
        if (auto r = remove(); !r) return r.error();
      }
      return true;
    });
  }

 private:
  class Lease {
   public:
    Lease(soci::connection_pool& pool, std::size_t pos) : pool_(&pool), pos_(pos) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_->give_back(pos_); }

   private:
    soci::connection_pool* pool_;
    std::size_t pos_;
  };

  // Runs `body(Conn&)` on a leased session in autocommit mode.
  template <class F>
  auto read(F&& body) -> decltype(body(std::declval<Conn&>())) {
    std::size_t pos = 0;
    if (!pool_.try_lease(pos, kLeaseTimeoutMs))
      return make_error(ErrorCode::TooManyRequests, "no database session free");
    Lease lease(pool_, pos);
    Conn& c = *conns_[pos];
    try {
      return body(c);
    } catch (const std::exception& e) {
      c.drop_statements();
      return db_error(e);
    }
  }

  // Runs `body(Conn&, WriteState&)` in one write transaction; commits if it
  // returns success, rolls back otherwise.
  template <class F>
  auto write(F&& body) -> decltype(body(std::declval<Conn&>(), std::declval<WriteState&>())) {
    std::lock_guard write_lock(write_mu_);
    auto deadline = std::chrono::steady_clock::now() + kWriteRetryBudget;
    auto backoff = std::chrono::milliseconds(1);
    for (;;) {
      std::size_t pos = 0;
      if (!pool_.try_lease(pos, kLeaseTimeoutMs))
        return make_error(ErrorCode::TooManyRequests, "no database session free");
      Lease lease(pool_, pos);
      Conn& c = *conns_[pos];
      WriteState ws;
      try {
        c.sql << kBeginWrite;
        auto r = body(c, ws);
        if (!r) {
          rollback_quietly(c);
          return r;
        }
        c.sql << "COMMIT";
        return r;
      } catch (const soci::sqlite3_soci_error& e) {
        rollback_quietly(c);
        c.drop_statements();
        // Another process holds the write lock beyond SQLite's own wait.
        if (is_busy(e) && !ws.file_op_ran && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(backoff);
          backoff = std::min(backoff * 2, std::chrono::milliseconds(100));
          continue;
        }
        return db_error(e);
      } catch (const std::exception& e) {
        rollback_quietly(c);
        c.drop_statements();
        return db_error(e);
      }
    }
  }

  static Result<std::optional<Repository>> lookup_repository(Conn& c, const std::string& name) {
    auto& q = c.find_repository;
    auto& st = q.st.get([&] {
      return (c.sql.prepare << "SELECT id, project_id, name FROM repositories WHERE name = :name", use(q.name),
              into(q.id), into(q.project_id), into(q.out_name));
    });
    q.name = name;
    if (!fetch_one(st)) return std::optional<Repository>();
    return std::optional<Repository>(Repository{q.id, q.project_id, q.out_name});
  }

  enum class Known { No, File, Inline };

  // Inside a write transaction: records the blob (or refreshes its
  // last_linked_at) and links it to the repository; says how the blob was
  // held before. SizeInvalid if it is recorded with another size.
  static Result<Known> record_blob_link(Conn& c, std::int64_t repository_id, const std::string& digest,
                                        std::int64_t size) {
    if (auto r = require_repository(c, repository_id); !r) return r.error();
    std::int64_t known_size = 0;
    int stored_inline = 0;
    c.sql << "SELECT b.size, CASE WHEN EXISTS (SELECT 1 FROM blob_contents bc WHERE bc.digest = b.digest)"
             " THEN 1 ELSE 0 END FROM blobs b WHERE b.digest = :d",
        use(digest), into(known_size), into(stored_inline);
    Known known = !c.sql.got_data() ? Known::No : stored_inline ? Known::Inline : Known::File;
    if (known != Known::No && known_size != size)
      return make_error(ErrorCode::SizeInvalid, "blob " + digest + " is recorded with size " +
                                                    std::to_string(known_size) + ", not " + std::to_string(size));
    std::int64_t now = now_seconds();
    c.sql << "INSERT INTO blobs(digest, size, created_at, last_linked_at) VALUES(:d, :s, :c, :l)"
             " ON CONFLICT(digest) DO UPDATE SET last_linked_at = excluded.last_linked_at",
        use(digest), use(size), use(now), use(now);
    c.sql << "INSERT INTO repository_blobs(repository_id, digest, created_at) VALUES(:r, :d, :c)"
             " ON CONFLICT(repository_id, digest) DO UPDATE SET created_at = excluded.created_at",
        use(repository_id), use(digest), use(now);
    return known;
  }

  static Result<void> require_repository(Conn& c, std::int64_t repository_id) {
    int n = 0;
    c.sql << "SELECT COUNT(*) FROM repositories WHERE id = :r", use(repository_id), into(n);
    if (n == 0) return make_error(ErrorCode::NotFound, "repository not found: id " + std::to_string(repository_id));
    return {};
  }

  Result<void> migrate(Conn& c) {
    const auto& migrations = sqlite_migrations();
    int latest = migrations.empty() ? 0 : migrations.back().version;
    c.sql << std::string(kCreateMigrationsTable);
    for (const auto& m : migrations) {
      c.sql << kBeginWrite;
      try {
        // Read inside the write transaction: another process opening the
        // same database at the same moment applies each version only once.
        int current = 0;
        soci::indicator ind = soci::i_ok;
        c.sql << "SELECT MAX(version) FROM schema_migrations", into(current, ind);
        if (ind == soci::i_null) current = 0;
        if (current > latest) {
          rollback_quietly(c);
          return make_error(ErrorCode::Internal, "database schema version " + std::to_string(current) +
                                                     " is newer than this build supports (" +
                                                     std::to_string(latest) + ")");
        }
        if (current >= m.version) {
          c.sql << "COMMIT";
          continue;
        }
        for (auto stmt : m.statements) c.sql << std::string(stmt);
        std::int64_t now = now_seconds();
        c.sql << "INSERT INTO schema_migrations(version, applied_at) VALUES(:v, :t)", use(m.version), use(now);
        c.sql << "COMMIT";
      } catch (const std::exception& e) {
        rollback_quietly(c);
        return make_error(ErrorCode::Internal,
                          "migration " + std::to_string(m.version) + " (" + std::string(m.name) + ") failed: " + e.what());
      }
    }
    // A database written by a newer build, opened by an older one.
    int current = 0;
    soci::indicator ind = soci::i_ok;
    c.sql << "SELECT MAX(version) FROM schema_migrations", into(current, ind);
    if (ind != soci::i_null && current > latest)
      return make_error(ErrorCode::Internal, "database schema version " + std::to_string(current) +
                                                 " is newer than this build supports (" + std::to_string(latest) +
                                                 ")");
    return {};
  }

  soci::connection_pool pool_;  // declared first: destroyed after conns_
  std::size_t size_;
  std::vector<std::unique_ptr<Conn>> conns_;  // conns_[i] belongs to pool_.at(i)
  std::mutex write_mu_;
};

}  // namespace

Result<std::unique_ptr<MetaStore>> open_sqlite(const std::string& path, int pool_size) {
  if (path.empty() || path == ":memory:" || path.find('"') != std::string::npos)
    return make_error(ErrorCode::InvalidArgument, "database path must name a file (and contain no '\"')");
  std::size_t n = static_cast<std::size_t>(std::clamp(pool_size, 1, 64));
  auto store = std::make_unique<SqliteStore>(n);
  if (auto r = store->open(path); !r) return r.error();
  return std::unique_ptr<MetaStore>(std::move(store));
}

}  // namespace portcullis::meta
