// Numbered schema migrations. A migration, once released, is never edited:
// a change to the schema is a new migration with the next version. Each one
// runs in its own transaction together with the row that records it in
// `schema_migrations(version, applied_at)`.
//
// DDL is per dialect (SQLite's rowid keys and PostgreSQL's identity columns
// differ); the queries that use the schema are shared and portable.
#pragma once
#include <string_view>
#include <vector>

namespace portcullis::meta {

struct Migration {
  int version = 0;
  std::string_view name;
  std::vector<std::string_view> statements;  // one SQL statement each
};

// The SQLite migrations, in version order starting at 1.
const std::vector<Migration>& sqlite_migrations();

// Creates the bookkeeping table; safe to run on every open.
inline constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " applied_at BIGINT NOT NULL)";

}  // namespace portcullis::meta
