// `portcullis db build` and `portcullis db info`.
#include <ctime>
#include <iostream>

#include "app/commands.h"
#include "vuln/advisory_db.h"
#include "vuln/importers.h"

namespace portcullis::app {

int run_db_build(const DbBuildCommand& cmd) {
  const std::string prefix = "portcullis db build";
  using Importer = core::Result<vuln::ImportStats> (*)(const std::string&, const vuln::AdvisorySink&);
  struct Source {
    std::string kind, path;
    Importer import;
  };
  std::vector<Source> sources;
  for (const std::string& spec : cmd.sources) {
    auto eq = spec.find('=');
    std::string kind = spec.substr(0, eq), path = eq == std::string::npos ? "" : spec.substr(eq + 1);
    Importer import = kind == "osv"              ? &vuln::import_osv
                      : kind == "debian-tracker" ? &vuln::import_debian_tracker
                      : kind == "alpine-secdb"   ? &vuln::import_alpine_secdb
                      : kind == "redhat-csaf"    ? &vuln::import_redhat_csaf
                                                 : nullptr;
    if (!import || path.empty()) {
      std::cerr << prefix << ": --source \"" << spec
                << "\" is not KIND=PATH with KIND one of osv, debian-tracker, alpine-secdb, redhat-csaf\n";
      return 2;
    }
    sources.push_back({kind, path, import});
  }
  // Built beside the target and renamed at commit: a failed build leaves the
  // previous database as it was.
  auto writer = vuln::AdvisoryDbWriter::create(cmd.output);
  if (!writer) {
    std::cerr << prefix << ": " << writer.error().message << "\n";
    return 1;
  }
  for (const Source& s : sources) {
    auto stats = s.import(s.path, [&](const vuln::Advisory& a) { return (*writer)->add(a); });
    if (!stats) {
      std::cerr << prefix << ": " << s.kind << " " << s.path << ": " << stats.error().message
                << " (nothing written; the previous database is unchanged)\n";
      return 1;
    }
    for (const auto& w : stats->warnings) std::cerr << prefix << ": warning: " << s.kind << ": " << w << "\n";
    (*writer)->add_source(vuln::SourceInfo{s.kind, s.path, stats->newest, stats->records, stats->skipped});
    std::cerr << prefix << ": " << s.kind << " " << s.path << ": " << stats->records << " advisories, " << stats->skipped
              << " skipped\n";
  }
  auto info = (*writer)->commit();
  if (!info) {
    std::cerr << prefix << ": " << info.error().message << "\n";
    return 1;
  }
  std::cout << cmd.output << ": " << info->advisories << " advisories, " << info->affected << " affected packages\n";
  return 0;
}

int run_db_info(const std::string& path_arg) {
  std::string path = path_arg.empty() ? default_db_path() : path_arg;
  auto db = vuln::AdvisoryDb::open(path);
  if (!db) {
    std::cerr << "portcullis db info: " << db.error().message << "\n";
    return 2;
  }
  const vuln::DbInfo& info = (*db)->info();
  std::cout << "database:   " << path << "\n"
            << "schema:     " << info.schema_version << "\n"
            << "built:      " << info.built_at << "\n"
            << "advisories: " << info.advisories << "\n"
            << "affected:   " << info.affected << "\n";
  for (const auto& s : info.sources)
    std::cout << "source:     " << s.kind << " " << s.location << " (" << s.records << " records, " << s.skipped
              << " skipped" << (s.date.empty() ? "" : ", newest " + s.date) << ")\n";
  return 0;
}

}  // namespace portcullis::app
