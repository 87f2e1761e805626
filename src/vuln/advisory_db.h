// The advisory database: one SQLite file, schema-versioned, built whole and
// then swapped in (never modified in place), read by the matcher.
//
// Layout (version kSchemaVersion):
//   meta(key TEXT PRIMARY KEY, value TEXT)      schema_version, built_at (RFC 3339),
//                                               sources (JSON: [{kind, path_or_url, date, records}]),
//                                               counts (JSON: {advisories, affected})
//   advisories(id TEXT PRIMARY KEY, source, severity, title, description, published,
//              modified, aliases JSON, cvss JSON, refs JSON)
//   affected(advisory_id, ecosystem, package, ranges JSON, versions JSON,
//            fix_state, severity, fixed_versions JSON)   INDEX (ecosystem, package)
// Two feeds may describe the same id (GHSA in OSV and in another dump): the
// later record of the same source replaces the earlier; different sources
// keep their own affected rows under one advisory row.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "vuln/advisory.h"

namespace portcullis::vuln {

inline constexpr int kSchemaVersion = 1;

struct SourceInfo {
  std::string kind;     // "osv", "debian-tracker", "alpine-secdb", "redhat-csaf"
  std::string location; // path or URL as given
  std::string date;     // newest record date or file date
  std::size_t records = 0;
  std::size_t skipped = 0;  // malformed records reported and skipped
};

struct DbInfo {
  int schema_version = 0;
  std::string built_at;
  std::vector<SourceInfo> sources;
  std::size_t advisories = 0;
  std::size_t affected = 0;
};

// Writes a new database at `path` (a temporary file beside it, renamed at
// commit(), so readers never see a half-built database).
class AdvisoryDbWriter {
 public:
  static core::Result<std::unique_ptr<AdvisoryDbWriter>> create(const std::string& path);
  virtual ~AdvisoryDbWriter() = default;
  virtual core::Result<void> add(const Advisory& advisory) = 0;
  virtual void add_source(const SourceInfo& source) = 0;
  // Writes meta, indexes, fsyncs and renames into place.
  virtual core::Result<DbInfo> commit() = 0;
};

// Read side: opened read-only; safe to share between threads.
class AdvisoryDb {
 public:
  static core::Result<std::unique_ptr<AdvisoryDb>> open(const std::string& path);
  virtual ~AdvisoryDb() = default;
  virtual const DbInfo& info() const = 0;
  // Every advisory that has an affected row for (ecosystem, package); each
  // returned Advisory holds only those rows in `affected`.
  virtual core::Result<std::vector<Advisory>> for_package(std::string_view ecosystem, std::string_view package) = 0;
  virtual core::Result<std::optional<Advisory>> get(std::string_view id) = 0;
};

}  // namespace portcullis::vuln
