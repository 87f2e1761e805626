// The apk analyzer: installed packages from Alpine's (and Wolfi's) database,
// lib/apk/db/installed (usr/lib/apk/db/installed on newer layouts).
//
// Contract: the database is a list of records separated by blank lines, each
// line "X:value" with a one-letter key. Every record with P (name) and V
// (version) becomes a package; `version` is V verbatim ("1.2.3-r0"). The
// source package is the origin (o:), defaulting to the package itself; its
// version is the package's, since an APKBUILD builds all its subpackages at
// one pkgver-pkgrel. L: gives the licences: an SPDX expression (with AND/OR/
// WITH or parentheses) is kept whole, the older space-separated list
// ("MIT BSD GPL2+") is split. Records without P or V and lines that are not
// "X:value" cost a warning, never the rest of the file.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "scan/analyzer.h"
#include "scan/analyzers/analyzers.h"

namespace portcullis::scan {
namespace {

constexpr std::string_view kPaths[] = {"lib/apk/db/installed", "usr/lib/apk/db/installed"};
constexpr std::size_t kMaxWarnings = 20;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_key(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::vector<std::string> split_licenses(std::string_view field) {
  std::vector<std::string> words;
  bool expression = false;
  while (true) {
    field = trim(field);
    if (field.empty()) break;
    std::size_t sp = field.find_first_of(" \t");
    std::string_view word = field.substr(0, sp);
    field.remove_prefix(sp == std::string_view::npos ? field.size() : sp);
    if (word == "AND" || word == "OR" || word == "WITH" || word == "and" || word == "or" ||
        word.find_first_of("()") != std::string_view::npos)
      expression = true;
    words.emplace_back(word);
  }
  if (!expression) return words;
  // One expression: keep it, with single spaces between its tokens.
  std::string joined;
  for (const std::string& w : words) {
    if (!joined.empty()) joined += ' ';
    joined += w;
  }
  return {joined};
}

struct Record {
  std::size_t line = 0;
  bool any_field = false;
  std::string_view name, version, origin, arch, license, maintainer, url;
};

class Collector {
 public:
  explicit Collector(FileResult& out) : out_(out) {}
  ~Collector() {
    if (dropped_ > 0) out_.warnings.push_back("and " + std::to_string(dropped_) + " more problems");
  }

  void warn(std::size_t line, const std::string& what) {
    if (warnings_++ >= kMaxWarnings) {
      ++dropped_;
      return;
    }
    out_.warnings.push_back("line " + std::to_string(line) + ": " + what);
  }

  void finish(const Record& r) {
    if (!r.any_field) return;
    if (r.name.empty()) {
      warn(r.line, "record without P (name); skipped");
      return;
    }
    if (r.version.empty()) {
      warn(r.line, "package " + std::string(r.name) + " has no V (version); skipped");
      return;
    }
    Package pkg;
    pkg.ecosystem = ecosystem::kApk;
    pkg.name = std::string(r.name);
    pkg.version = std::string(r.version);
    pkg.source_name = r.origin.empty() ? pkg.name : std::string(r.origin);
    pkg.source_version = pkg.version;
    pkg.arch = std::string(r.arch);
    if (!r.license.empty()) pkg.licenses = split_licenses(r.license);
    if (!r.maintainer.empty()) pkg.properties.emplace_back("maintainer", std::string(r.maintainer));
    if (!r.url.empty()) pkg.properties.emplace_back("url", std::string(r.url));
    out_.packages.push_back(std::move(pkg));
  }

 private:
  FileResult& out_;
  std::size_t warnings_ = 0;
  std::size_t dropped_ = 0;
};

class ApkAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "apk"; }
  int version() const override { return 1; }

  Want wants(const FileInfo& file) const override {
    for (std::string_view p : kPaths)
      if (file.path == p) return Want::whole;
    return Want::no;
  }

  // Databases with thousands of packages and their file lists run to tens of MiB.
  std::uint64_t size_limit() const override { return 128u << 20; }

  void analyze(const FileInfo& file, std::string_view content, FileResult& out) const override {
    Collector collect(out);
    if (content.find('\0') != std::string_view::npos) {
      out.warnings.push_back("binary content: not an apk database");
      return;
    }
    Record rec;
    std::size_t lineno = 0;
    while (!content.empty()) {
      std::size_t nl = content.find('\n');
      std::string_view line = content.substr(0, nl);
      content.remove_prefix(nl == std::string_view::npos ? content.size() : nl + 1);
      ++lineno;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (trim(line).empty()) {
        collect.finish(rec);
        rec = Record{};
        continue;
      }
      if (rec.line == 0) rec.line = lineno;
      if (line.size() < 2 || line[1] != ':' || !is_key(line[0])) {
        collect.warn(lineno, "not an apk database line");
        continue;
      }
      rec.any_field = true;
      std::string_view value = trim(line.substr(2));
      switch (line[0]) {
        case 'P': rec.name = value; break;
        case 'V': rec.version = value; break;
        case 'o': rec.origin = value; break;
        case 'A': rec.arch = value; break;
        case 'L': rec.license = value; break;
        case 'm': rec.maintainer = value; break;
        case 'U': rec.url = value; break;
        default: break;  // checksums, sizes, dependencies and file lists
      }
    }
    collect.finish(rec);
  }
};

}  // namespace

std::unique_ptr<Analyzer> make_apk_analyzer() { return std::make_unique<ApkAnalyzer>(); }

}  // namespace portcullis::scan
