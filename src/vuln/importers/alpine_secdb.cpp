#include "vuln/importers/alpine_secdb.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

#include "vuln/importers/json_input.h"
#include "vuln/version_scheme.h"

namespace portcullis::vuln {

namespace {

using nlohmann::json;
namespace ji = json_input;

// An identifier looks like "CVE-2019-1", "XSA-204", "GHSA-xxxx-xxxx-xxxx",
// "TALOS-2017-0488": an upper-case prefix, a dash, then letters, digits, dashes.
bool looks_like_id(std::string_view t) {
  std::size_t dash = t.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 >= t.size() || t.size() > 64) return false;
  for (std::size_t i = 0; i < dash; ++i)
    if (!std::isupper(static_cast<unsigned char>(t[i]))) return false;
  for (std::size_t i = dash + 1; i < t.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(t[i]);
    if (!std::isalnum(c) && c != '-') return false;
  }
  return true;
}

std::string ecosystem_of(const json& doc, std::string& problem) {
  if (const std::string* dv = ji::get_string(doc, "distroversion")) {
    std::string_view v = *dv;
    if (!v.empty() && v.front() == 'v') v.remove_prefix(1);
    if (v.empty() || v.size() > 16) {
      problem = "bad distroversion";
      return "";
    }
    return "alpine:" + std::string(v);
  }
  if (const std::string* url = ji::get_string(doc, "urlprefix"); url && url->find("wolfi.dev") != std::string::npos)
    return "wolfi";
  problem = "no distroversion and not Wolfi's feed";
  return "";
}

struct FileState {
  std::string ecosystem;
  std::vector<Advisory> advisories;  // in first-seen order
  std::map<std::string, std::size_t> index;
};

void add(FileState& fs, const std::vector<std::string>& ids, const std::string& package, const std::string& version) {
  auto [it, inserted] = fs.index.try_emplace(ids[0], fs.advisories.size());
  if (inserted) {
    Advisory a;
    a.id = ids[0];
    a.source = "alpine-secdb";
    fs.advisories.push_back(std::move(a));
  }
  Advisory& adv = fs.advisories[it->second];
  for (std::size_t i = 1; i < ids.size(); ++i)
    if (std::find(adv.aliases.begin(), adv.aliases.end(), ids[i]) == adv.aliases.end()) adv.aliases.push_back(ids[i]);
  auto ap = std::find_if(adv.affected.begin(), adv.affected.end(),
                         [&](const AffectedPackage& p) { return p.package == package; });
  if (ap == adv.affected.end()) {
    AffectedPackage p;
    p.ecosystem = fs.ecosystem;
    p.package = package;
    p.fix_state = fix_state::kNotAffected;
    adv.affected.push_back(std::move(p));
    ap = adv.affected.end() - 1;
  }
  if (version == "0") return;  // a NAK never overrides a fix listed for the same package
  ap->fix_state = fix_state::kFixed;
  if (std::find(ap->fixed_versions.begin(), ap->fixed_versions.end(), version) == ap->fixed_versions.end())
    ap->fixed_versions.push_back(version);
  if (ap->ranges.empty()) ap->ranges.push_back(Range{"0", version, "", ""});
  else if (apk_scheme().compare(version, ap->ranges[0].fixed).value_or(0) > 0) ap->ranges[0].fixed = version;
}

void read_package(FileState& fs, const json& pkg, ImportStats& stats) {
  const std::string* name = ji::get_string(pkg, "name");
  if (!name || name->empty()) {
    ++stats.skipped;
    ji::warn(stats, "alpine secdb " + fs.ecosystem + ": package without a name");
    return;
  }
  const json* secfixes = ji::get_object(pkg, "secfixes");
  if (!secfixes) {
    // Packages without fixes appear with "secfixes": null in YAML-derived files.
    if (pkg.contains("secfixes") && !pkg["secfixes"].is_null()) {
      ++stats.skipped;
      ji::warn(stats, "alpine secdb " + fs.ecosystem + " " + *name + ": secfixes is not an object");
    }
    return;
  }
  for (const auto& [version, lines] : secfixes->items()) {
    if (version != "0" && !apk_scheme().valid(version)) {
      ++stats.skipped;
      ji::warn(stats, "alpine secdb " + fs.ecosystem + " " + *name + ": unparsable version \"" +
                          version.substr(0, 80) + "\"");
      continue;
    }
    if (!lines.is_array()) {
      if (!lines.is_null()) {
        ++stats.skipped;
        ji::warn(stats, "alpine secdb " + fs.ecosystem + " " + *name + " " + version + ": not a list");
      }
      continue;
    }
    for (const json& line : lines) {
      auto groups = line.is_string() ? alpine_secfix_ids(line.get_ref<const std::string&>())
                                     : std::vector<std::vector<std::string>>{};
      if (groups.empty()) {
        ++stats.skipped;
        ji::warn(stats, "alpine secdb " + fs.ecosystem + " " + *name + " " + version + ": no identifier in " +
                            line.dump().substr(0, 80));
        continue;
      }
      for (const auto& ids : groups) add(fs, ids, *name, version);
    }
  }
}

// `sink_failed` tells the directory import a write failure (stop) from a bad file (skip it).
core::Result<void> parse_secdb(std::string_view text, const AdvisorySink& sink, ImportStats& stats, bool& sink_failed) {
  try {
    auto doc = ji::parse(text, "alpine secdb JSON");
    if (!doc) return doc.error();
    if (!doc->is_object())
      return core::make_error(core::ErrorCode::InvalidArgument, "alpine secdb JSON: top level is not an object");
    FileState fs;
    std::string problem;
    fs.ecosystem = ecosystem_of(*doc, problem);
    if (fs.ecosystem.empty()) return core::make_error(core::ErrorCode::InvalidArgument, "alpine secdb JSON: " + problem);
    if (const json* packages = ji::get_array(*doc, "packages")) {
      for (const json& entry : *packages) {
        const json* pkg = ji::get_object(entry, "pkg");
        if (pkg) read_package(fs, *pkg, stats);
        else {
          ++stats.skipped;
          ji::warn(stats, "alpine secdb " + fs.ecosystem + ": package entry without pkg");
        }
      }
    } else if (doc->contains("name") && doc->contains("secfixes")) {
      read_package(fs, *doc, stats);  // vuln-list's one-package form
    } else {
      return core::make_error(core::ErrorCode::InvalidArgument, "alpine secdb JSON: neither packages nor a package");
    }
    return ji::emit(fs.advisories, sink, stats, sink_failed);
  } catch (const std::exception& e) {
    return core::make_error(core::ErrorCode::Internal, std::string("alpine secdb JSON: ") + e.what());
  } catch (...) {
    return core::make_error(core::ErrorCode::Internal, "alpine secdb JSON: unexpected failure");
  }
}

}  // namespace

std::vector<std::vector<std::string>> alpine_secfix_ids(std::string_view line) {
  // Comments start at "(" or "#"; tokens are separated by blanks and commas.
  line = line.substr(0, std::min(line.find('('), line.find('#')));
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < line.size() && tokens.size() < 32) {
    while (i < line.size() && (std::isspace(static_cast<unsigned char>(line[i])) || line[i] == ',')) ++i;
    std::size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i])) && line[i] != ',') ++i;
    if (i > start) tokens.emplace_back(line.substr(start, i - start));
  }
  std::vector<std::string> cves, others;
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    std::string tok = tokens[t];
    if (tok == "CVE" && t + 1 < tokens.size() && !tokens[t + 1].empty() &&
        std::isdigit(static_cast<unsigned char>(tokens[t + 1][0])))
      tok = "CVE-" + tokens[++t];  // "CVE 2018-16859"
    else if (tok.rfind("CVE_", 0) == 0)
      tok[3] = '-';  // "CVE_2019-2426"
    if (!looks_like_id(tok)) continue;
    auto& into = tok.rfind("CVE-", 0) == 0 ? cves : others;
    if (std::find(into.begin(), into.end(), tok) == into.end()) into.push_back(tok);
  }
  std::vector<std::vector<std::string>> groups;
  if (cves.empty() && !others.empty()) {
    groups.push_back(others);
    return groups;
  }
  for (const std::string& cve : cves) {
    std::vector<std::string> g{cve};
    g.insert(g.end(), others.begin(), others.end());
    groups.push_back(std::move(g));
  }
  return groups;
}

core::Result<void> parse_alpine_secdb(std::string_view json, const AdvisorySink& sink, ImportStats& stats) {
  bool sink_failed = false;
  return parse_secdb(json, sink, stats, sink_failed);
}

core::Result<ImportStats> import_alpine_secdb(const std::string& path, const AdvisorySink& sink) {
  return ji::import_files(path, [&](std::string_view text, ImportStats& stats, bool& sink_failed) {
    return parse_secdb(text, sink, stats, sink_failed);
  });
}

}  // namespace portcullis::vuln
