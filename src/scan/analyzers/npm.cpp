// npm packages from text metadata:
//   - lockfiles: `**/package-lock.json` and npm 7+'s hidden lockfile
//     `**/node_modules/.package-lock.json` (lockfileVersion 1: nested
//     "dependencies"; 2 and 3: the flat "packages" map keyed by install path);
//   - installed manifests: `**/node_modules/<name>/package.json` and
//     `**/node_modules/@scope/<name>/package.json`.
//
// A lockfile reports each (name, version) once; it is marked {"dev","true"}
// only when every occurrence in the file is a dev dependency (a package that
// production code also installs is not dev). Entries npm itself does not
// install from a registry are skipped: the root project (""), `link: true`
// entries (their target is listed under its own key) and entries without a
// version.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "scan/analyzers/analyzers.h"
#include "scan/analyzers/json_fields.h"

namespace portcullis::scan {
namespace {

using nlohmann::json;
using json_fields::member;
using json_fields::string_member;
using json_fields::true_member;

// npm nests one level per node_modules directory; real trees stay far below this.
constexpr int kMaxJsonDepth = 512;
constexpr int kMaxV1Depth = 128;
constexpr std::string_view kNodeModules = "node_modules/";

// One license value: "MIT", or the legacy {"type": "MIT", "url": ...}.
void add_license(const json& v, std::vector<std::string>& out) {
  std::string s = v.is_string() ? v.get<std::string>() : string_member(v, "type");
  if (!s.empty()) out.push_back(std::move(s));
}

// "license" (string or legacy object), else the legacy "licenses" (array of
// either, or a single one).
std::vector<std::string> licenses_of(const json& obj) {
  std::vector<std::string> out;
  if (const json* l = member(obj, "license")) add_license(*l, out);
  if (!out.empty()) return out;
  if (const json* ls = member(obj, "licenses")) {
    if (ls->is_array()) {
      for (const json& l : *ls) add_license(l, out);
    } else {
      add_license(*ls, out);
    }
  }
  return out;
}

// The package name an install path ends in: the part after the last
// "node_modules/" segment ("node_modules/a/node_modules/@s/b" -> "@s/b").
// Empty when the path has no such segment.
std::string_view name_from_path(std::string_view path) {
  for (std::size_t pos = path.rfind(kNodeModules); pos != std::string_view::npos;
       pos = pos == 0 ? std::string_view::npos : path.rfind(kNodeModules, pos - 1)) {
    if (pos == 0 || path[pos - 1] == '/') return path.substr(pos + kNodeModules.size());
  }
  return {};
}

// npm's rules for a package name that could come from the registry: at most
// 214 characters, URL-safe, not starting with '.' or '_', and "@scope/name"
// or "name" (one slash exactly when scoped).
bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 214) return false;
  std::string_view rest = name;
  if (rest.front() == '@') {
    std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 1 || slash + 1 == rest.size()) return false;
    rest = rest.substr(slash + 1);
  }
  if (rest.front() == '.' || rest.front() == '_') return false;
  for (char c : name.substr(name.front() == '@' ? 1 : 0)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~' || c == '!' || c == '*' || c == '\'' ||
              c == '(' || c == ')' || c == '/';
    if (!ok) return false;
  }
  return rest.find('/') == std::string_view::npos;
}

// Packages of one lockfile, one per (name, version).
class Collector {
 public:
  // `location`: the install directory relative to the project ("node_modules/a").
  void add(std::string name, std::string version, bool dev, std::vector<std::string> licenses,
           std::string_view location) {
    auto [it, fresh] = pkgs_.try_emplace({std::move(name), std::move(version)});
    Entry& e = it->second;
    if (e.locations.size() < kMaxLocations) e.locations.emplace_back(location);
    if (fresh) {
      e.dev = dev;
      e.licenses = std::move(licenses);
    } else {
      e.dev = e.dev && dev;
      if (e.licenses.empty()) e.licenses = std::move(licenses);
    }
  }
  // `root`: the project directory in the image, that locations are relative to.
  void emit(const FileInfo& file, std::string_view root, FileResult& out) {
    for (auto& [key, e] : pkgs_) {
      Package p;
      p.ecosystem = ecosystem::kNpm;
      p.name = key.first;
      p.version = key.second;
      p.licenses = std::move(e.licenses);
      p.path = std::string(file.path);
      if (e.dev) p.properties.emplace_back("dev", "true");
      // Where npm installed each copy: the layer merge drops the package when
      // a later layer deletes all of them.
      for (const auto& loc : e.locations)
        p.properties.emplace_back("location", root.empty() ? loc : std::string(root) + "/" + loc);
      out.packages.push_back(std::move(p));
    }
  }
  int malformed = 0;  // entries skipped for wrong types

 private:
  static constexpr std::size_t kMaxLocations = 64;
  struct Entry {
    bool dev = false;
    std::vector<std::string> licenses;
    std::vector<std::string> locations;
  };
  std::map<std::pair<std::string, std::string>, Entry> pkgs_;
};

// lockfileVersion 1: {"dependencies": {name: {version, dev, dependencies: {...}}}}.
void read_v1(const json& deps, int depth, const std::string& parent, Collector& pkgs, bool& too_deep) {
  if (!deps.is_object()) {
    ++pkgs.malformed;
    return;
  }
  if (depth > kMaxV1Depth) {
    too_deep = true;
    return;
  }
  for (const auto& [name, dep] : deps.items()) {
    if (!dep.is_object()) {
      ++pkgs.malformed;
      continue;
    }
    const json* version = member(dep, "version");
    if (version && !version->is_string()) ++pkgs.malformed;
    std::string v = version && version->is_string() ? version->get<std::string>() : std::string();
    std::string location = (parent.empty() ? "" : parent + "/") + "node_modules/" + name;
    if (!v.empty() && !name.empty()) pkgs.add(name, std::move(v), true_member(dep, "dev"), licenses_of(dep), location);
    if (const json* nested = member(dep, "dependencies")) read_v1(*nested, depth + 1, location, pkgs, too_deep);
  }
}

// lockfileVersion 2 and 3: {"packages": {"node_modules/a": {...}, ...}}.
void read_packages(const json& packages, Collector& pkgs) {
  // Workspace folders ("functions/func1") are installed through a link
  // ("node_modules/function1" -> resolved "functions/func1"); the link's key
  // names the package when the target has no "name".
  std::map<std::string, std::string, std::less<>> link_names;
  for (const auto& [key, entry] : packages.items()) {
    if (!true_member(entry, "link")) continue;
    std::string target = string_member(entry, "resolved");
    std::string_view name = name_from_path(key);
    if (!target.empty() && !name.empty()) link_names.emplace(std::move(target), std::string(name));
  }
  for (const auto& [key, entry] : packages.items()) {
    if (key.empty()) continue;  // the project itself
    if (!entry.is_object()) {
      ++pkgs.malformed;
      continue;
    }
    if (true_member(entry, "link")) continue;
    const json* version = member(entry, "version");
    if (!version) continue;  // e.g. a workspace folder without a version
    if (!version->is_string()) {
      ++pkgs.malformed;
      continue;
    }
    std::string v = version->get<std::string>();
    if (v.empty()) continue;
    std::string name = string_member(entry, "name");
    if (name.empty()) name = std::string(name_from_path(key));
    if (name.empty()) {
      auto it = link_names.find(key);
      if (it != link_names.end()) name = it->second;
    }
    if (name.empty()) continue;
    pkgs.add(std::move(name), std::move(v), true_member(entry, "dev"), licenses_of(entry), key);
  }
}

void read_lockfile(const FileInfo& file, std::string_view content, FileResult& out) {
  std::optional<json> doc = json_fields::parse(content, kMaxJsonDepth, "npm", out);
  if (!doc) return;
  if (!doc->is_object()) {
    out.warnings.push_back("npm: lockfile is not a JSON object");
    return;
  }
  Collector pkgs;
  const json* packages = member(*doc, "packages");
  const json* deps = member(*doc, "dependencies");
  // Version 2 carries both forms; "packages" is the complete one.
  if (packages && packages->is_object()) {
    read_packages(*packages, pkgs);
  } else if (deps) {
    bool too_deep = false;
    read_v1(*deps, 0, "", pkgs, too_deep);
    if (too_deep)
      out.warnings.push_back("npm: dependencies nested deeper than " + std::to_string(kMaxV1Depth) +
                             " levels; the deeper ones are not reported");
  } else if (packages) {
    ++pkgs.malformed;
  }
  if (pkgs.malformed > 0)
    out.warnings.push_back("npm: " + std::to_string(pkgs.malformed) + " lockfile entries have unexpected types and were skipped");
  // Lock keys are relative to the project: the lock file's directory, or for
  // the hidden lockfile the directory holding node_modules.
  std::size_t slash = file.path.rfind('/');
  std::string_view root = slash == std::string_view::npos ? std::string_view() : file.path.substr(0, slash);
  if (root == "node_modules") root = {};
  else if (root.ends_with("/node_modules")) root.remove_suffix(std::string_view("/node_modules").size());
  pkgs.emit(file, root, out);
}

void read_manifest(const FileInfo& file, std::string_view content, FileResult& out) {
  std::optional<json> doc = json_fields::parse(content, kMaxJsonDepth, "npm", out);
  if (!doc) return;
  if (!doc->is_object()) {
    out.warnings.push_back("npm: package.json is not a JSON object");
    return;
  }
  const json* name = member(*doc, "name");
  const json* version = member(*doc, "version");
  if ((name && !name->is_string()) || (version && !version->is_string())) {
    out.warnings.push_back("npm: package.json name or version is not a string");
    return;
  }
  // Both fields are optional in package.json; without them there is nothing to report.
  if (!name || !version) return;
  std::string n = name->get<std::string>(), v = version->get<std::string>();
  if (n.empty() || v.empty()) return;
  if (!valid_name(n)) {
    out.warnings.push_back("npm: package.json has an invalid package name");
    return;
  }
  Package p;
  p.ecosystem = ecosystem::kNpm;
  p.name = std::move(n);
  p.version = std::move(v);
  p.licenses = licenses_of(*doc);
  p.path = std::string(file.path);
  out.packages.push_back(std::move(p));
}

enum class Kind { none, lockfile, manifest };

std::string_view base_name(std::string_view path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

Kind classify(std::string_view path) {
  std::string_view base = base_name(path);
  std::string_view dir = path.substr(0, path.size() - base.size());  // "" or ends in '/'
  if (base == ".package-lock.json") {
    return dir == kNodeModules || dir.ends_with("/node_modules/") ? Kind::lockfile : Kind::none;
  }
  if (base == "package-lock.json") {
    // Lockfiles shipped inside installed packages describe their authors'
    // trees, not this image's.
    bool in_node_modules = dir.starts_with(kNodeModules) || dir.find("/node_modules/") != std::string_view::npos;
    return in_node_modules ? Kind::none : Kind::lockfile;
  }
  if (base == "package.json") {
    // Only a package's own manifest: the directory right below a
    // node_modules (or @scope/ below it). Manifests deeper inside a package
    // (test fixtures, sub-builds) are not installed packages.
    if (dir.empty()) return Kind::none;
    std::string_view pkg_dir = name_from_path(dir.substr(0, dir.size() - 1));
    return !pkg_dir.empty() && valid_name(pkg_dir) ? Kind::manifest : Kind::none;
  }
  return Kind::none;
}

class NpmAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "npm"; }
  int version() const override { return 1; }
  Want wants(const FileInfo& file) const override {
    return classify(file.path) == Kind::none ? Want::no : Want::whole;
  }
  void analyze(const FileInfo& file, std::string_view content, FileResult& out) const override {
    switch (classify(file.path)) {
      case Kind::lockfile: read_lockfile(file, content, out); break;
      case Kind::manifest: read_manifest(file, content, out); break;
      case Kind::none: break;
    }
  }
};

}  // namespace

std::unique_ptr<Analyzer> make_npm_analyzer() { return std::make_unique<NpmAnalyzer>(); }

}  // namespace portcullis::scan
