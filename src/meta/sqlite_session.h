// Building blocks of the SQLite MetaStore (sqlite_store.cpp): a pooled
// session with its prepared hot-path statements, and the small helpers every
// query uses. Internal to the meta module.
#pragma once
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <memory>
#include <string>

#include "core/result.h"

namespace portcullis::meta::sqlite {

using core::ErrorCode;
using core::make_error;

inline core::Error db_error(const std::exception& e) {
  return make_error(ErrorCode::Internal, std::string("database error: ") + e.what());
}

inline bool is_busy(const soci::sqlite3_soci_error& e) {
  int code = e.result() & 0xff;
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

// A statement prepared on a session's first use of a query and re-executed
// afterwards; the variables it binds live next to it (see Conn).
class Cached {
 public:
  template <class Prepare>
  soci::statement& get(Prepare&& prepare) {
    if (!st_) st_ = std::make_unique<soci::statement>(prepare());
    return *st_;
  }
  void reset() { st_.reset(); }

 private:
  std::unique_ptr<soci::statement> st_;
};

// Executes a cached lookup that yields at most one row, then resets the
// SQLite statement: a stepped-but-not-reset statement keeps its read
// transaction open, which would pin an old snapshot for this session (stale
// reads) and block WAL checkpoints.
inline bool fetch_one(soci::statement& st) {
  struct ResetOnExit {
    soci::statement& st;
    ~ResetOnExit() {
      auto* be = static_cast<soci::sqlite3_statement_backend*>(st.get_backend());
      if (be && be->stmt_) sqlite_api::sqlite3_reset(be->stmt_);
    }
  } reset{st};
  return st.execute(true);
}

// Executes a write statement and returns how many rows it changed.
inline long long exec_count(soci::statement st) {
  st.execute(true);
  return st.get_affected_rows();
}

// One pooled session and its cached hot-path statements. Heap-allocated and
// never moved: the statements hold the addresses of the bound members.
struct Conn {
  explicit Conn(soci::session& s) : sql(s) {}
  soci::session& sql;

  struct {
    std::string name;
    std::int64_t id = 0;
    std::string out_name;
    int is_public = 0;
    std::int64_t created_at = 0;
    Cached st;
  } find_project;

  struct {
    std::string name;
    std::int64_t id = 0;
    std::int64_t project_id = 0;
    std::string out_name;
    Cached st;
  } find_repository;

  struct {
    std::int64_t repository_id = 0;
    std::string digest;
    std::int64_t size = 0;
    int stored_inline = 0;
    Cached st;
  } repository_blob;

  struct {
    std::string digest;
    std::unique_ptr<soci::blob> content;
    soci::indicator content_ind = soci::i_ok;
    Cached st;
  } inline_blob;

  struct {
    std::int64_t repository_id = 0;
    std::string tag;
    std::string digest;
    Cached st;
  } resolve_tag;

  struct {
    std::int64_t repository_id = 0;
    std::string digest;
    std::int64_t id = 0;
    std::string media_type;
    std::int64_t size = 0;
    Cached st;
  } get_manifest;

  struct {
    std::int64_t repository_id = 0;
    std::string digest;
    std::int64_t id = 0;
    std::string media_type;
    std::int64_t size = 0;
    std::unique_ptr<soci::blob> content;
    soci::indicator content_ind = soci::i_ok;
    Cached st;
  } get_manifest_content;

  // After an error a statement's state is unknown: prepare afresh.
  void drop_statements() {
    find_project.st.reset();
    find_repository.st.reset();
    repository_blob.st.reset();
    inline_blob.st.reset();
    resolve_tag.st.reset();
    get_manifest.st.reset();
    get_manifest_content.st.reset();
  }
};

inline void rollback_quietly(Conn& c) {
  try {
    c.sql << "ROLLBACK";
  } catch (...) {
    // No transaction was open (BEGIN failed), or the connection is broken:
    // either way there is nothing more to undo here.
  }
}

inline std::string read_blob(soci::blob& b, soci::indicator ind) {
  if (ind == soci::i_null) return {};
  std::string out(b.get_len(), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    std::size_t n = b.read(done, out.data() + done, out.size() - done);
    if (n == 0) break;
    done += n;
  }
  out.resize(done);
  return out;
}

struct WriteState {
  bool file_op_ran = false;  // after a FileOp ran, a failure is never retried
};

}  // namespace portcullis::meta::sqlite
