// rpmdb.sqlite (rpm >= 4.16): table Packages(hnum INTEGER PRIMARY KEY, blob BLOB).
//
// The bytes are handed to SQLite as an in-memory database. It must be a
// private copy for two reasons: sqlite3_deserialize() takes a mutable buffer,
// and rpm leaves the file in WAL mode (header bytes 18/19 = 2), which the
// in-memory VFS cannot open; the copy is switched to rollback-journal mode
// there. The image's -wal file is not part of the content, so rows only in an
// uncheckpointed WAL are not seen (rpm checkpoints when it closes the db).
//
// The database is untrusted: defensive mode, no trusted schema, cell size
// checks, and a progress handler that aborts a runaway query, so a crafted
// file costs bounded time. Each connection is private to the call, which is
// all SQLite's default (serialized) threading mode needs.
#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "scan/analyzers/rpmdb.h"

namespace portcullis::scan::rpmdb {
namespace {

// Virtual machine steps allowed per database: generous for any real rpmdb
// (a few thousand rows), small enough to stop a pathological one in seconds.
constexpr std::uint64_t kMaxSteps = 500'000'000;
constexpr int kStepsPerCallback = 1000;

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
  void operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }
};

int on_progress(void* arg) {
  auto* left = static_cast<std::uint64_t*>(arg);
  if (*left < kStepsPerCallback) return 1;  // interrupt
  *left -= kStepsPerCallback;
  return 0;
}

}  // namespace

void read_sqlite(std::string_view content, const Sinks& sinks) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, Closer> db(raw);
  if (rc != SQLITE_OK) {
    sinks.warn("sqlite: cannot open an in-memory database");
    return;
  }
  auto* copy = static_cast<unsigned char*>(sqlite3_malloc64(content.size() ? content.size() : 1));
  if (!copy) {
    sinks.warn("sqlite: out of memory copying the database");
    return;
  }
  std::memcpy(copy, content.data(), content.size());
  if (content.size() > 19 && copy[18] == 2 && copy[19] == 2) copy[18] = copy[19] = 1;
  // FREEONCLOSE: SQLite owns `copy` from here on, also when this call fails.
  rc = sqlite3_deserialize(db.get(), "main", copy, content.size(), content.size(),
                           SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
  if (rc != SQLITE_OK) {
    sinks.warn(std::string("sqlite: cannot load the database: ") + sqlite3_errstr(rc));
    return;
  }
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_exec(db.get(), "PRAGMA cell_size_check=ON", nullptr, nullptr, nullptr);
  std::uint64_t steps_left = kMaxSteps;
  sqlite3_progress_handler(db.get(), kStepsPerCallback, on_progress, &steps_left);

  sqlite3_stmt* st_raw = nullptr;
  rc = sqlite3_prepare_v2(db.get(), "SELECT hnum, blob FROM Packages", -1, &st_raw, nullptr);
  std::unique_ptr<sqlite3_stmt, Closer> st(st_raw);
  if (rc != SQLITE_OK) {
    sinks.warn(std::string("sqlite: no readable Packages table (not an rpm database?): ") +
               sqlite3_errmsg(db.get()));
    return;
  }
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    const void* data = sqlite3_column_blob(st.get(), 1);
    int size = sqlite3_column_bytes(st.get(), 1);
    if (!data || size <= 0) {
      sinks.warn("sqlite: package " + std::to_string(sqlite3_column_int64(st.get(), 0)) + " has no blob");
      continue;
    }
    sinks.blob(std::string_view(static_cast<const char*>(data), static_cast<std::size_t>(size)));
  }
  if (rc == SQLITE_INTERRUPT)
    sinks.warn("sqlite: reading stopped after too much work (pathological database)");
  else if (rc != SQLITE_DONE)
    sinks.warn(std::string("sqlite: reading stopped: ") + sqlite3_errmsg(db.get()));
}

}  // namespace portcullis::scan::rpmdb
