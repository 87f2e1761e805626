// Scan reports: an image's findings as a table or JSON.
//
// A report holds the image's identity, the database it was matched against
// (its build time: reports record where they came from), the findings that
// remain after filtering, and those suppressed with the rule that did it, so
// nothing disappears silently.
#pragma once
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "scan/inventory.h"
#include "vuln/advisory_db.h"
#include "vuln/matcher.h"

namespace portcullis::vuln {

struct SuppressedFinding {
  Finding finding;
  std::string reason;  // "ignore file line 3: waiting for upstream", "unfixed (--ignore-unfixed)"
};

struct Report {
  std::string image;
  std::string manifest_digest;
  scan::OsRelease os;
  DbInfo db;
  std::vector<Finding> findings;
  std::vector<SuppressedFinding> suppressed;
  std::vector<std::string> warnings;
};

enum class ReportFormat { table, json };
// "table", "json"; an Error naming the choices otherwise.
core::Result<ReportFormat> parse_report_format(std::string_view name);
void write_report(const Report& report, ReportFormat format, std::ostream& out);

// Counts per severity, highest first: {"critical", n}, ..., {"unknown", n}.
std::vector<std::pair<std::string, std::size_t>> severity_counts(const std::vector<Finding>& findings);

}  // namespace portcullis::vuln
