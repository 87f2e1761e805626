// `portcullis scan IMAGE`: the image's inventory matched against the advisory
// database, filtered (--ignore-unfixed, --ignore-file), reported, and the exit
// code set by --fail-on, for CI pipelines.
#include <algorithm>
#include <ctime>
#include <iostream>

#include "app/commands.h"
#include "app/image_inventory.h"
#include "app/meta_layer_cache.h"
#include "app/output_file.h"
#include "core/time.h"
#include "scan/sources/file_reader.h"
#include "vuln/advisory_db.h"
#include "vuln/ignore_rules.h"
#include "vuln/matcher.h"
#include "vuln/report.h"

namespace portcullis::app {
std::string default_db_path() {
  return default_cache_dir() + "/advisories.db";
}

int run_scan(const ScanCommand& cmd) {
  const std::string prefix = "portcullis scan";
  auto format = vuln::parse_report_format(cmd.format);
  if (!format) {
    std::cerr << prefix << ": " << format.error().message << "\n";
    return 2;
  }
  int fail_rank = -1;
  if (!cmd.fail_on.empty()) {
    fail_rank = vuln::severity_rank(cmd.fail_on);
    if (fail_rank <= 0) {
      std::cerr << prefix << ": --fail-on must be negligible, low, medium, high or critical, not \"" << cmd.fail_on << "\"\n";
      return 2;
    }
  }
  std::vector<vuln::IgnoreRule> rules;
  if (!cmd.ignore_file.empty()) {
    auto text = scan::read_small_file(cmd.ignore_file, 4u << 20);
    if (!text) {
      std::cerr << prefix << ": " << text.error().message << "\n";
      return 2;
    }
    auto parsed = vuln::parse_ignore_rules(*text);
    if (!parsed) {
      std::cerr << prefix << ": " << cmd.ignore_file << ": " << parsed.error().message << "\n";
      return 2;
    }
    rules = std::move(*parsed);
  }
  std::string db_path = cmd.db.empty() ? default_db_path() : cmd.db;
  auto db = vuln::AdvisoryDb::open(db_path);
  if (!db) {
    std::cerr << prefix << ": advisory database: " << db.error().message
              << " (build one with `portcullis db build`, or name it with --db)\n";
    return 2;
  }

  scan::Inventory inventory;
  if (read_image_inventory(cmd.image, prefix, inventory) != 0) return 2;
  auto matched = vuln::match_inventory(inventory, **db);
  if (!matched) {
    std::cerr << prefix << ": " << matched.error().message << "\n";
    return 2;
  }

  vuln::Report report;
  report.image = inventory.image;
  report.manifest_digest = inventory.manifest_digest;
  report.os = inventory.os;
  report.db = (*db)->info();
  report.warnings = inventory.warnings;
  report.warnings.insert(report.warnings.end(), matched->warnings.begin(), matched->warnings.end());
  const std::string today = core::utc_date(std::time(nullptr));
  for (vuln::Finding& f : matched->findings) {
    std::string reason;
    for (const vuln::IgnoreRule& rule : rules) {
      bool named = rule.id == f.id || std::find(f.aliases.begin(), f.aliases.end(), rule.id) != f.aliases.end();
      if (named && vuln::rule_active(rule, today)) {
        reason = "ignore file line " + std::to_string(rule.line) + (rule.reason.empty() ? "" : ": " + rule.reason);
        break;
      }
    }
    if (reason.empty() && cmd.ignore_unfixed && f.fixed_versions.empty()) reason = "no fixed version (--ignore-unfixed)";
    if (reason.empty()) report.findings.push_back(std::move(f));
    else report.suppressed.push_back({std::move(f), std::move(reason)});
  }
  for (const auto& w : matched->warnings)
    if (!cmd.image.quiet) std::cerr << prefix << ": warning: " << w << "\n";

  if (int rc = write_output(cmd.output, prefix, [&](std::ostream& out) { vuln::write_report(report, *format, out); }); rc != 0)
    return 2;
  if (fail_rank > 0)
    for (const vuln::Finding& f : report.findings)
      if (vuln::severity_rank(f.severity) >= fail_rank) return 1;
  return 0;
}

}  // namespace portcullis::app
