#include "vuln/matcher.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "scan/package.h"
#include "vuln/version_scheme.h"

namespace portcullis::vuln {
namespace {

namespace eco = scan::ecosystem;

bool affected_state(std::string_view state) {
  return state == fix_state::kUnfixed || state == fix_state::kNoDsa || state == fix_state::kIgnored ||
         state == fix_state::kPostponed || state == fix_state::kEndOfLife || state == fix_state::kWillNotFix;
}

// PEP 503: PyPI names compare lower-case with runs of "-_." as one "-".
std::string pep503(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (out.empty() || out.back() != '-') out += '-';
    } else {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
  }
  return out;
}

// Whether `version` is affected by `row`; nullopt when a version could not be read.
std::optional<bool> in_row(const VersionScheme& scheme, std::string_view version, const AffectedPackage& row,
                           std::string& problem) {
  if (row.fix_state == fix_state::kNotAffected) return false;
  if (!scheme.valid(version)) {
    problem = "installed version \"" + std::string(version) + "\" is not a valid " + std::string(scheme.name()) + " version";
    return std::nullopt;
  }
  for (const std::string& v : row.versions)
    if (auto c = scheme.compare(version, v); c && *c == 0) return true;
  auto cmp = [&](std::string_view bound) -> std::optional<int> {
    auto c = scheme.compare(version, bound);
    if (!c) problem = "advisory version \"" + std::string(bound) + "\" is not a valid " + std::string(scheme.name()) + " version";
    return c;
  };
  bool unreadable = false;
  for (const Range& r : row.ranges) {
    if (!r.introduced.empty() && r.introduced != "0") {
      auto c = cmp(r.introduced);
      if (!c) { unreadable = true; continue; }
      if (*c < 0) continue;
    }
    if (!r.fixed.empty()) {
      auto c = cmp(r.fixed);
      if (!c) { unreadable = true; continue; }
      if (*c >= 0) continue;
    }
    if (!r.limit.empty()) {
      auto c = cmp(r.limit);
      if (!c) { unreadable = true; continue; }
      if (*c >= 0) continue;
    }
    if (!r.last_affected.empty()) {
      auto c = cmp(r.last_affected);
      if (!c) { unreadable = true; continue; }
      if (*c > 0) continue;
    }
    return true;
  }
  if (row.ranges.empty() && row.versions.empty()) return affected_state(row.fix_state);
  if (unreadable) return std::nullopt;
  return false;
}

}  // namespace

int severity_rank(std::string_view severity) {
  for (int i = 0; i < static_cast<int>(std::size(kSeverities)); ++i)
    if (severity == kSeverities[i]) return i;
  return -1;
}

std::string severity_of_score(double score) {
  if (score >= 9.0) return "critical";
  if (score >= 7.0) return "high";
  if (score >= 4.0) return "medium";
  if (score > 0.0) return "low";
  return "unknown";
}

MatchKey match_key(const scan::Package& pkg, const scan::OsRelease& os) {
  MatchKey key;
  const bool os_package = pkg.ecosystem == eco::kDeb || pkg.ecosystem == eco::kApk || pkg.ecosystem == eco::kRpm;
  if (!os_package) {
    key.ecosystem = pkg.ecosystem;
    key.name = pkg.ecosystem == eco::kPypi ? pep503(pkg.name) : pkg.name;
    key.version = pkg.version;
    return key;
  }
  if (os.family.empty() || os.release.empty()) return key;
  // CentOS and other rebuilds are judged by Red Hat's data; Alma and Rocky publish their own.
  std::string family = os.family == "centos" ? "redhat" : os.family;
  key.ecosystem = family + ":" + os.release;
  key.name = pkg.source_name.empty() ? pkg.name : pkg.source_name;
  if (pkg.ecosystem == eco::kRpm) {
    // Red Hat data names source EVRs: "[epoch:]version-release".
    const std::string* epoch = pkg.property("epoch");
    std::string vr = pkg.source_version.empty() ? pkg.version : pkg.source_version;
    key.version = (epoch && !epoch->empty() && *epoch != "0" && vr.find(':') == std::string::npos) ? *epoch + ":" + vr : vr;
  } else {
    key.version = pkg.source_version.empty() ? pkg.version : pkg.source_version;
  }
  return key;
}

core::Result<MatchResult> match_inventory(const scan::Inventory& inventory, AdvisoryDb& db) {
  MatchResult result;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;  // id, name, version, path
  std::set<std::string> warned;
  for (const scan::Package& pkg : inventory.packages) {
    MatchKey key = match_key(pkg, inventory.os);
    if (key.ecosystem.empty()) continue;
    const VersionScheme* scheme = scheme_for_ecosystem(pkg.ecosystem);
    if (!scheme) continue;
    auto advisories = db.for_package(key.ecosystem, key.name);
    if (!advisories) return advisories.error();
    for (const Advisory& adv : *advisories) {
      for (const AffectedPackage& row : adv.affected) {
        std::string problem;
        auto hit = in_row(*scheme, key.version, row, problem);
        if (!hit) {
          std::string w = adv.id + " / " + key.name + " " + key.version + ": " + problem;
          if (warned.insert(w).second) result.warnings.push_back(std::move(w));
          continue;
        }
        if (!*hit) continue;
        if (!seen.emplace(adv.id, pkg.name, pkg.version, pkg.path).second) continue;
        Finding f;
        f.id = adv.id;
        f.aliases = adv.aliases;
        f.package = pkg;
        f.matched_name = key.name;
        f.installed_version = key.version;
        f.fixed_versions = row.fixed_versions;
        f.fix_state = row.fix_state;
        f.cvss = adv.cvss;
        f.title = adv.title;
        f.references = adv.references;
        f.feed = adv.source;
        if (severity_rank(row.severity) > 0) {
          f.severity = row.severity;
          f.severity_source = adv.source;
        } else if (severity_rank(adv.severity) > 0) {
          f.severity = adv.severity;
          f.severity_source = adv.source;
        } else {
          double best = 0;
          for (const Cvss& c : adv.cvss) best = std::max(best, c.score);
          f.severity = severity_of_score(best);
          f.severity_source = best > 0 ? "cvss" : "";
        }
        result.findings.push_back(std::move(f));
      }
    }
  }
  std::stable_sort(result.findings.begin(), result.findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.package.name, a.package.version, a.id) < std::tie(b.package.name, b.package.version, b.id);
  });
  return result;
}

}  // namespace portcullis::vuln
