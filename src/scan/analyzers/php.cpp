// PHP packages installed by Composer:
//   - `**/composer.lock`: "packages", and "packages-dev" marked {"dev","true"};
//   - `**/vendor/composer/installed.json`: what `composer install` actually
//     put in vendor/, as a bare array (Composer 1) or {"packages": [...]}
//     with "dev-package-names" (Composer 2).
//
// Names are "vendor/package"; versions are kept exactly as Composer wrote
// them ("v1.27.0" included), because that is the string advisories quote and
// Composer's own comparison understands. A license is an array of SPDX ids
// (alternatives) or, in hand-edited files, one string such as "MIT or
// BSD-2-Clause", which is split into the same alternatives.
#include <cstddef>
#include <optional>
#include <set>
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

// A lockfile is two levels of arrays of flat objects; anything far deeper is not one.
constexpr int kMaxJsonDepth = 128;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "MIT or BSD-2-Clause" -> {"MIT", "BSD-2-Clause"}; a parenthesised SPDX
// expression is kept whole, since splitting it would change its meaning.
void split_license(std::string_view s, std::vector<std::string>& out) {
  s = trim(s);
  if (s.empty()) return;
  if (s.find('(') == std::string_view::npos) {
    for (std::string_view sep : {" or ", " OR "}) {
      std::size_t pos = s.find(sep);
      if (pos != std::string_view::npos) {
        split_license(s.substr(0, pos), out);
        split_license(s.substr(pos + sep.size()), out);
        return;
      }
    }
  }
  out.emplace_back(s);
}

std::vector<std::string> licenses_of(const json& pkg) {
  std::vector<std::string> out;
  const json* l = member(pkg, "license");
  if (!l) return out;
  if (l->is_string()) {
    split_license(l->get<std::string>(), out);
  } else if (l->is_array()) {
    for (const json& v : *l)
      if (v.is_string() && !v.get<std::string>().empty()) out.push_back(v.get<std::string>());
  }
  return out;
}

// Adds the packages of one array; returns how many entries were unusable.
int read_array(const json& arr, const std::set<std::string>& dev_names, bool all_dev, const FileInfo& file,
               FileResult& out) {
  if (!arr.is_array()) return 1;
  int bad = 0;
  for (const json& pkg : arr) {
    std::string name = string_member(pkg, "name"), version = string_member(pkg, "version");
    if (name.empty() || version.empty()) {
      ++bad;
      continue;
    }
    Package p;
    p.ecosystem = ecosystem::kComposer;
    p.name = std::move(name);
    p.version = std::move(version);
    p.licenses = licenses_of(pkg);
    p.path = std::string(file.path);
    if (all_dev || dev_names.count(p.name)) p.properties.emplace_back("dev", "true");
    out.packages.push_back(std::move(p));
  }
  return bad;
}

enum class Kind { none, lockfile, installed };

Kind classify(std::string_view path) {
  if (path == "composer.lock" || path.ends_with("/composer.lock")) return Kind::lockfile;
  constexpr std::string_view kInstalled = "vendor/composer/installed.json";
  if (path == kInstalled || (path.ends_with(kInstalled) && path[path.size() - kInstalled.size() - 1] == '/'))
    return Kind::installed;
  return Kind::none;
}

class PhpAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "composer"; }
  int version() const override { return 1; }
  Want wants(const FileInfo& file) const override {
    return classify(file.path) == Kind::none ? Want::no : Want::whole;
  }

  void analyze(const FileInfo& file, std::string_view content, FileResult& out) const override {
    Kind kind = classify(file.path);
    if (kind == Kind::none) return;
    std::optional<json> parsed = json_fields::parse(content, kMaxJsonDepth, "composer", out);
    if (!parsed) return;
    const json& doc = *parsed;
    int bad = 0;
    const std::set<std::string> none;
    if (kind == Kind::lockfile) {
      if (!doc.is_object()) {
        out.warnings.push_back("composer: composer.lock is not a JSON object");
        return;
      }
      if (const json* pkgs = member(doc, "packages")) bad += read_array(*pkgs, none, false, file, out);
      if (const json* dev = member(doc, "packages-dev")) bad += read_array(*dev, none, true, file, out);
    } else if (doc.is_array()) {
      bad += read_array(doc, none, false, file, out);  // Composer 1: no dev information
    } else if (const json* pkgs = member(doc, "packages")) {
      std::set<std::string> dev_names;
      if (const json* names = member(doc, "dev-package-names"); names && names->is_array())
        for (const json& n : *names)
          if (n.is_string()) dev_names.insert(n.get<std::string>());
      bad += read_array(*pkgs, dev_names, false, file, out);
    } else {
      out.warnings.push_back("composer: installed.json has no package list");
      return;
    }
    if (bad > 0) out.warnings.push_back("composer: " + std::to_string(bad) + " entries without a string name and version skipped");
  }
};

}  // namespace

std::unique_ptr<Analyzer> make_php_analyzer() { return std::make_unique<PhpAnalyzer>(); }

}  // namespace portcullis::scan
