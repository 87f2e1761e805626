// Feed importers: native advisory formats -> Advisory values, one file per
// feed. Each importer streams records to `sink` and never throws; a record
// it cannot read (bad JSON, a missing id, an unparsable version) is counted
// in `skipped` with a warning naming it, and the import goes on. An Error is
// returned only when the input as a whole cannot be read (missing file,
// truncated zip, not the format at all): the caller then keeps the old
// database.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "vuln/advisory.h"

namespace portcullis::vuln {

struct ImportStats {
  std::size_t records = 0;  // advisories passed to the sink
  std::size_t skipped = 0;
  std::vector<std::string> warnings;  // the first 100, each naming the record
  std::string newest;  // newest modified/published date seen (RFC 3339), for SourceInfo.date
};

using AdvisorySink = std::function<core::Result<void>(const Advisory&)>;

// OSV JSON: one record file, a directory of them (recursively), or an
// osv.dev all.zip dump (importers/osv.cpp).
core::Result<ImportStats> import_osv(const std::string& path, const AdvisorySink& sink);
// The Debian security tracker JSON export (package -> CVE -> release ->
// {status, fixed_version, urgency}) (importers/debian_tracker.cpp).
core::Result<ImportStats> import_debian_tracker(const std::string& path, const AdvisorySink& sink);
// Alpine secdb JSON (one branch file such as v3.18/main.json, or a
// directory of them) (importers/alpine_secdb.cpp).
core::Result<ImportStats> import_alpine_secdb(const std::string& path, const AdvisorySink& sink);
// Red Hat CSAF VEX documents (one file or a directory) (importers/redhat_csaf.cpp).
core::Result<ImportStats> import_redhat_csaf(const std::string& path, const AdvisorySink& sink);

}  // namespace portcullis::vuln
