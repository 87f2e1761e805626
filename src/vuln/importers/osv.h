// The OSV record parser behind import_osv (importers.h), exposed for the
// fuzz target and the tests.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "vuln/advisory.h"

namespace portcullis::vuln {

// Largest OSV record (one JSON document) the importer reads; bigger ones are
// skipped with a warning.
inline constexpr std::size_t kMaxOsvRecordBytes = 16u << 20;
// Deepest nesting of arrays/objects accepted (OSV needs about 6).
inline constexpr int kMaxOsvJsonDepth = 64;

enum class OsvParse {
  kOk,         // `out` holds the record
  kWithdrawn,  // a valid record marked withdrawn: not to be imported
  kInvalid,    // `error` says why (bad JSON, too deep/large, no id, not an object)
};

// Parses one OSV 1.x record. Never throws; bounded by kMaxOsvRecordBytes and
// kMaxOsvJsonDepth. Unknown fields are ignored; GIT ranges are dropped.
// Ecosystems become AffectedPackage keys ("Debian:12" -> "debian:12",
// "Ubuntu:22.04:LTS" -> "ubuntu:22.04", "Alpine:v3.18" -> "alpine:3.18",
// "AlmaLinux:9" -> "almalinux:9", "Rocky Linux:9" -> "rocky:9"; language
// ecosystems unchanged). A version its ecosystem's scheme does not accept
// keeps the record but appends a line to `warnings` (when given).
OsvParse parse_osv_record(std::string_view json, Advisory& out, std::string& error,
                          std::vector<std::string>* warnings = nullptr);

// The AffectedPackage.ecosystem for an OSV ecosystem name.
std::string osv_ecosystem_key(std::string_view osv_ecosystem);

}  // namespace portcullis::vuln
