#include "vuln/importers/debian_tracker.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vuln/importers/json_input.h"
#include "vuln/version_scheme.h"

namespace portcullis::vuln {

namespace {

using nlohmann::json;
namespace ji = json_input;

// Every Debian codename since 1.1; the tracker only uses recent ones, but an
// old export must not lose its releases. Majors as scan::normalize_release
// gives them (the part before the first dot).
constexpr std::pair<std::string_view, std::string_view> kCodenames[] = {
    {"buzz", "1"},     {"rex", "1"},      {"bo", "1"},        {"hamm", "2"},      {"slink", "2"},
    {"potato", "2"},   {"woody", "3"},    {"sarge", "3"},     {"etch", "4"},      {"lenny", "5"},
    {"squeeze", "6"},  {"wheezy", "7"},   {"jessie", "8"},    {"stretch", "9"},   {"buster", "10"},
    {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"}, {"forky", "14"},    {"duke", "15"},
    {"sid", "sid"},    {"unstable", "sid"}};

std::string severity_of_urgency(std::string_view urgency) {
  while (!urgency.empty() && urgency.back() == '*') urgency.remove_suffix(1);
  if (urgency == "unimportant") return "negligible";
  if (urgency == "low" || urgency == "medium" || urgency == "high") return std::string(urgency);
  return "";  // "not yet assigned", "end-of-life", or nothing
}

// Fills `out` from one release entry; false when the entry is to be left out.
bool read_release(const json& rel, AffectedPackage& out, std::string& problem) {
  const std::string* status = ji::get_string(rel, "status");
  const std::string* urgency = ji::get_string(rel, "urgency");
  const std::string* fixed = ji::get_string(rel, "fixed_version");
  if (!status) {
    problem = "no status";
    return false;
  }
  out.severity = urgency ? severity_of_urgency(*urgency) : "";
  if (*status == "resolved") {
    if (!fixed || fixed->empty()) {
      problem = "resolved without fixed_version";
      return false;
    }
    if (*fixed == "0") {
      out.fix_state = fix_state::kNotAffected;
      return true;
    }
    if (!deb_scheme().valid(*fixed)) {
      problem = "unparsable fixed_version \"" + fixed->substr(0, 80) + "\"";
      return false;
    }
    out.fix_state = fix_state::kFixed;
    out.ranges.push_back(Range{"0", *fixed, "", ""});
    out.fixed_versions.push_back(*fixed);
    return true;
  }
  if (*status == "open") {
    const std::string* reason = ji::get_string(rel, "nodsa_reason");
    if (urgency && *urgency == "end-of-life") out.fix_state = fix_state::kEndOfLife;
    else if (rel.contains("nodsa") && reason && *reason == "ignored") out.fix_state = fix_state::kIgnored;
    else if (rel.contains("nodsa") && reason && *reason == "postponed") out.fix_state = fix_state::kPostponed;
    else if (rel.contains("nodsa")) out.fix_state = fix_state::kNoDsa;
    else out.fix_state = fix_state::kUnfixed;
    return true;
  }
  if (*status != "undetermined") problem = "unknown status \"" + status->substr(0, 40) + "\"";
  return false;
}

}  // namespace

std::string debian_ecosystem_for_codename(std::string_view codename) {
  for (const auto& [name, major] : kCodenames)
    if (codename == name) return "debian:" + std::string(major);
  return "";
}

namespace {

// `sink_failed` tells the directory import a write failure (stop) from a bad file (skip it).
core::Result<void> parse_tracker(std::string_view text, const AdvisorySink& sink, ImportStats& stats,
                                 bool& sink_failed) {
  try {
    auto doc = ji::parse(text, "debian tracker JSON");
    if (!doc) return doc.error();
    if (!doc->is_object())
      return core::make_error(core::ErrorCode::InvalidArgument, "debian tracker JSON: top level is not an object");

    // The export is keyed by package, advisories by CVE: gather first.
    std::vector<Advisory> advisories;
    std::unordered_map<std::string, std::size_t> index;
    std::vector<std::string> unknown_releases;
    for (const auto& [package, cves] : doc->items()) {
      if (!cves.is_object() || package.empty()) {
        ++stats.skipped;
        ji::warn(stats, "debian tracker: package \"" + package.substr(0, 80) + "\" is not an object");
        continue;
      }
      for (const auto& [cve, entry] : cves.items()) {
        if (!entry.is_object() || cve.empty()) {
          ++stats.skipped;
          ji::warn(stats, "debian tracker: " + package + "/" + cve.substr(0, 80) + " is not an object");
          continue;
        }
        auto [it, inserted] = index.try_emplace(cve, advisories.size());
        if (inserted) {
          Advisory a;
          a.id = cve;
          a.source = "debian-tracker";
          a.references.push_back("https://security-tracker.debian.org/tracker/" + cve);
          advisories.push_back(std::move(a));
        }
        Advisory& adv = advisories[it->second];
        if (const std::string* d = ji::get_string(entry, "description"); d && adv.description.empty())
          adv.description = *d;
        if (auto bug = entry.find("debianbug"); bug != entry.end() && bug->is_number_unsigned()) {
          std::string url = "https://bugs.debian.org/" + std::to_string(bug->get<std::uint64_t>());
          if (std::find(adv.references.begin(), adv.references.end(), url) == adv.references.end())
            adv.references.push_back(std::move(url));
        }
        const json* releases = ji::get_object(entry, "releases");
        if (!releases) continue;  // the export writes [] for a CVE with no release data
        for (const auto& [codename, rel] : releases->items()) {
          std::string eco = debian_ecosystem_for_codename(codename);
          if (eco.empty()) {
            if (std::find(unknown_releases.begin(), unknown_releases.end(), codename) == unknown_releases.end()) {
              unknown_releases.push_back(codename);
              ji::warn(stats, "debian tracker: unknown release \"" + codename.substr(0, 40) + "\" left out");
            }
            continue;
          }
          AffectedPackage ap;
          ap.ecosystem = std::move(eco);
          ap.package = package;
          std::string problem;
          if (!rel.is_object()) problem = "release entry is not an object";
          else if (read_release(rel, ap, problem)) {
            adv.affected.push_back(std::move(ap));
            continue;
          }
          if (!problem.empty()) {
            ++stats.skipped;
            ji::warn(stats, "debian tracker: " + cve + " " + package + " " + codename + ": " + problem);
          }
        }
      }
    }
    return ji::emit(advisories, sink, stats, sink_failed);
  } catch (const std::exception& e) {
    return core::make_error(core::ErrorCode::Internal, std::string("debian tracker JSON: ") + e.what());
  } catch (...) {
    return core::make_error(core::ErrorCode::Internal, "debian tracker JSON: unexpected failure");
  }
}

}  // namespace

core::Result<void> parse_debian_tracker(std::string_view text, const AdvisorySink& sink, ImportStats& stats) {
  bool sink_failed = false;
  return parse_tracker(text, sink, stats, sink_failed);
}

core::Result<ImportStats> import_debian_tracker(const std::string& path, const AdvisorySink& sink) {
  return ji::import_files(path, [&](std::string_view text, ImportStats& stats, bool& sink_failed) {
    return parse_tracker(text, sink, stats, sink_failed);
  });
}

}  // namespace portcullis::vuln
