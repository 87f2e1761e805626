#include "vuln/report.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "scan/package_json.h"

namespace portcullis::vuln {
namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

json finding_json(const Finding& f) {
  json cvss = json::array();
  for (const Cvss& c : f.cvss) cvss.push_back({{"version", c.version}, {"vector", c.vector}, {"score", c.score}, {"source", c.source}});
  return json{{"id", f.id},
              {"aliases", f.aliases},
              {"package", scan::package_to_json(f.package)},
              {"matched_name", f.matched_name},
              {"installed_version", f.installed_version},
              {"fixed_versions", f.fixed_versions},
              {"fix_state", f.fix_state},
              {"severity", f.severity},
              {"severity_source", f.severity_source},
              {"cvss", std::move(cvss)},
              {"title", f.title},
              {"references", f.references},
              {"feed", f.feed}};
}

void write_table(const Report& r, std::ostream& out) {
  out << "IMAGE: " << r.image;
  if (!r.manifest_digest.empty()) out << " " << r.manifest_digest;
  out << "  OS: " << (r.os.family.empty() ? "unknown" : r.os.family + " " + r.os.version) << "  DB: " << r.db.built_at << "\n";
  std::string totals;
  for (const auto& [sev, n] : severity_counts(r.findings))
    if (n) totals += (totals.empty() ? "" : ", ") + std::to_string(n) + " " + sev;
  out << "FINDINGS: " << r.findings.size() << (totals.empty() ? "" : " (" + totals + ")") << "  SUPPRESSED: " << r.suppressed.size()
      << "\n";
  std::vector<std::array<std::string, 6>> rows{{"PACKAGE", "VERSION", "ID", "SEVERITY", "STATE", "FIXED IN"}};
  for (const Finding& f : r.findings)
    rows.push_back({f.package.name, f.package.version, f.id, f.severity, f.fix_state, join(f.fixed_versions, ", ")});
  std::array<std::size_t, 6> width{};
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

}  // namespace

std::vector<std::pair<std::string, std::size_t>> severity_counts(const std::vector<Finding>& findings) {
  std::vector<std::pair<std::string, std::size_t>> out;
  for (int rank = static_cast<int>(std::size(kSeverities)) - 1; rank >= 0; --rank) {
    std::size_t n = std::count_if(findings.begin(), findings.end(),
                                  [&](const Finding& f) { return f.severity == kSeverities[rank]; });
    out.emplace_back(kSeverities[rank], n);
  }
  return out;
}

core::Result<ReportFormat> parse_report_format(std::string_view name) {
  if (name == "table") return ReportFormat::table;
  if (name == "json") return ReportFormat::json;
  return core::make_error(core::ErrorCode::InvalidArgument,
                          "unknown report format \"" + std::string(name) + "\" (want table or json)");
}

void write_report(const Report& r, ReportFormat format, std::ostream& out) {
  if (format == ReportFormat::table) return write_table(r, out);
  json counts = json::object();
  for (const auto& [sev, n] : severity_counts(r.findings)) counts[sev] = n;
  json findings = json::array();
  for (const Finding& f : r.findings) findings.push_back(finding_json(f));
  json suppressed = json::array();
  for (const SuppressedFinding& s : r.suppressed) {
    json j = finding_json(s.finding);
    j["suppressed_by"] = s.reason;
    suppressed.push_back(std::move(j));
  }
  json doc = {{"image", r.image},
              {"manifest_digest", r.manifest_digest},
              {"os", {{"family", r.os.family}, {"version", r.os.version}, {"release", r.os.release}}},
              {"database", {{"schema_version", r.db.schema_version}, {"built_at", r.db.built_at},
                            {"advisories", r.db.advisories}}},
              {"counts", std::move(counts)},
              {"findings", std::move(findings)},
              {"suppressed", std::move(suppressed)},
              {"warnings", r.warnings}};
  out << doc.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

}  // namespace portcullis::vuln
