// Java archives (*.jar, *.war, *.ear, *.par): Maven coordinates of the
// archive itself and of everything packed or shaded into it.
//
// Contract:
//  - Every META-INF/**/pom.properties (any pom.properties in the archive, as
//    shaded jars keep them wherever the shade plugin put them) with groupId,
//    artifactId and version gives one package "groupId:artifactId".
//  - The archive's own identity comes from its pom.properties when one of them
//    is its own (its artifactId/version match the file name, or it is the only
//    one); otherwise from MANIFEST.MF's main section (group: Implementation-
//    Vendor-Id or Bundle-SymbolicName minus its last segment; artifact:
//    Implementation-Title, Specification-Title or Bundle-Name; version:
//    Implementation-, Specification- or Bundle-Version); otherwise from the
//    file name "artifact-1.2.3.jar" (name = artifactId alone: the group is
//    unknown offline, and a guessed one would make false matches).
//  - Nested archives (WEB-INF/lib, BOOT-INF/lib, lib/, META-INF/jars, ...)
//    are read recursively; their packages carry the nesting in `path`
//    ("app.war!/WEB-INF/lib/x.jar").
//  - Manifest licences (Jenkins Plugin-License-Name*, else OSGi Bundle-License
//    entries as declared) go to the archive's own package when exactly one
//    package belongs to that archive.
//  - Work is bounded: nesting depth, bytes decompressed for one top-level file
//    and entries visited; hitting a bound or a damaged zip adds a warning and
//    keeps what was read.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.h"
#include "scan/analyzers/analyzers.h"

namespace portcullis::scan {
namespace {

constexpr int kMaxDepth = 6;                          // top-level archive is depth 0
constexpr std::uint64_t kMaxNestedBytes = 64u << 20;  // one nested archive, decompressed
constexpr std::uint64_t kBudgetBytes = 256u << 20;    // everything decompressed for one file
constexpr std::uint64_t kMaxEntries = 200000;         // entries visited for one file
constexpr std::size_t kMaxSmallFile = 1u << 20;       // pom.properties, MANIFEST.MF


std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}


std::string_view base_name(std::string_view p) {
  auto slash = p.find_last_of('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

bool is_archive_name(std::string_view name) {
  std::string l = core::ascii_lower(base_name(name));
  for (const char* ext : {".jar", ".war", ".ear", ".par"})
    if (l.size() > 4 && l.ends_with(ext)) return true;
  return false;
}

// Splits text into lines on LF, CRLF or a lone CR (all three are legal in
// manifests and properties files).
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') continue;
    lines.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

struct Coordinates {
  std::string group, artifact, version;
  bool valid() const { return !group.empty() && !artifact.empty() && !version.empty(); }
};

Coordinates parse_pom_properties(std::string_view text) {
  Coordinates c;
  for (std::string_view line : split_lines(text)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    auto sep = line.find_first_of("=:");
    if (sep == std::string_view::npos) continue;
    std::string_view key = trim(line.substr(0, sep)), value = trim(line.substr(sep + 1));
    if (key == "groupId") c.group = value;
    else if (key == "artifactId") c.artifact = value;
    else if (key == "version") c.version = value;
  }
  return c;
}

// The main section of a manifest: attributes up to the first empty line, with
// continuation lines (one leading space) joined back. Later sections describe
// entries of the archive, not the archive.
std::vector<std::pair<std::string, std::string>> parse_manifest(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string current;
  auto flush = [&] {
    auto colon = current.find(':');
    if (colon != std::string::npos) {
      std::string value(trim(std::string_view(current).substr(colon + 1)));
      // "%bundleName" refers to a localisation file: not a value.
      if (!value.empty() && value[0] != '%')
        attrs.emplace_back(std::string(trim(std::string_view(current).substr(0, colon))), value);
    }
    current.clear();
  };
  for (std::string_view line : split_lines(text)) {
    if (line.empty()) break;
    if (line[0] == ' ') {
      current.append(line.substr(1));
      continue;
    }
    flush();
    current.assign(line);
  }
  flush();
  return attrs;
}

std::string attr(const std::vector<std::pair<std::string, std::string>>& m, std::string_view key) {
  for (const auto& [k, v] : m)
    if (k == key) return v;
  return {};
}

Coordinates manifest_coordinates(const std::vector<std::pair<std::string, std::string>>& m) {
  Coordinates c;
  c.group = attr(m, "Implementation-Vendor-Id");
  if (c.group.empty()) {
    // "com.fasterxml.jackson.core.jackson-databind;singleton:=true" -> "com.fasterxml.jackson.core"
    std::string sym = attr(m, "Bundle-SymbolicName");
    sym = std::string(trim(sym.substr(0, sym.find(';'))));
    auto dot = sym.rfind('.');
    c.group = dot == std::string::npos ? sym : sym.substr(0, dot);
  }
  for (const char* k : {"Implementation-Title", "Specification-Title", "Bundle-Name"})
    if (c.artifact.empty()) c.artifact = attr(m, k);
  for (const char* k : {"Implementation-Version", "Specification-Version", "Bundle-Version"})
    if (c.version.empty()) c.version = attr(m, k);
  return c;
}

// Splits on `sep` outside double quotes ("Apache License, Version 2.0" is one value).
std::vector<std::string> split_unquoted(std::string_view s, char sep) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (ch == '\\' && quoted && i + 1 < s.size()) {
      out.back() += s[++i];
      continue;
    }
    if (ch == '"') quoted = !quoted;
    if (ch == sep && !quoted) out.emplace_back();
    else out.back() += ch;
  }
  return out;
}

std::vector<std::string> manifest_licenses(const std::vector<std::pair<std::string, std::string>>& m) {
  std::vector<std::string> names;
  for (const auto& [k, v] : m)
    if (k == "Plugin-License-Name" || k.starts_with("Plugin-License-Name-")) names.push_back(v);
  if (!names.empty()) return names;
  for (const std::string& entry : split_unquoted(attr(m, "Bundle-License"), ',')) {
    std::string name = split_unquoted(entry, ';').front();
    auto t = trim(name);
    while (!t.empty() && t.front() == '"') t.remove_prefix(1);
    while (!t.empty() && t.back() == '"') t.remove_suffix(1);
    if (!t.empty() && t != "<<EXTERNAL>>") names.emplace_back(t);
  }
  return names;
}

// "log4j-1.2-api-2.17.1.jar" -> {"log4j-1.2-api", "2.17.1"}: the version starts
// at the last '-' followed by a digit, so artifact ids with digits survive.
std::pair<std::string, std::string> file_name_coordinates(std::string_view file) {
  std::string_view name = base_name(file);
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  std::string_view stem = name.substr(0, dot);
  for (std::size_t i = stem.size(); i-- > 1;) {
    if (stem[i] != '-' || i + 1 >= stem.size() || !std::isdigit(static_cast<unsigned char>(stem[i + 1]))) continue;
    std::string_view artifact = stem.substr(0, i), version = stem.substr(i + 1);
    bool ok = std::all_of(artifact.begin(), artifact.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
    ok = ok && artifact.back() != '-' &&
         std::none_of(version.begin(), version.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
    if (ok) return {std::string(artifact), std::string(version)};
    return {};
  }
  return {};
}

class ZipReader {
 public:
  ZipReader(std::string_view data, bool seekable) : a_(archive_read_new()) {
    if (seekable) archive_read_support_format_zip_seekable(a_);
    else archive_read_support_format_zip_streamable(a_);
    ok_ = archive_read_open_memory(a_, data.data(), data.size()) == ARCHIVE_OK;
  }
  ~ZipReader() { archive_read_free(a_); }
  ZipReader(const ZipReader&) = delete;
  archive* get() const { return a_; }
  bool ok() const { return ok_; }
  std::string error() const {
    const char* e = archive_error_string(a_);
    return e ? e : "unknown error";
  }

 private:
  archive* a_;
  bool ok_ = false;
};

Package make_package(std::string name, std::string version, const std::string& path, const char* source) {
  Package p;
  p.ecosystem = ecosystem::kMaven;
  p.name = std::move(name);
  p.version = std::move(version);
  p.path = path;
  p.properties.emplace_back("java.source", source);
  return p;
}

// What one archive (without its nested archives' own identities) says.
struct Found {
  std::vector<Package> packages;
  bool own_pom = false;  // a pom.properties matching the file name
  int poms = 0;
  std::vector<std::pair<std::string, std::string>> manifest;
};

// One top-level file: the warnings sink and the budget shared by all nesting levels.
class JavaScan {
 public:
  explicit JavaScan(FileResult& out) : out_(out) {}

  // Appends the packages of the archive `data` found at `path` to `into`.
  void archive_at(std::string_view data, const std::string& path, int depth, std::vector<Package>& into) {
    // The seekable reader trusts the central directory (data descriptors,
    // zip64); a jar cut short has none, so its local headers are read instead.
    bool seen_entry = false;
    std::string err, ignored;
    Found found;
    if (!read_zip(data, path, depth, true, found, seen_entry, err) && !seen_entry) {
      found = {};
      read_zip(data, path, depth, false, found, seen_entry, ignored);
    }
    if (!err.empty()) out_.warnings.push_back(path + ": damaged zip: " + err);
    conclude(found, path, into);
  }

 private:
  bool read_zip(std::string_view data, const std::string& path, int depth, bool seekable, Found& found,
                bool& seen_entry, std::string& err) {
    ZipReader zr(data, seekable);
    if (!zr.ok()) {
      err = zr.error();
      return false;
    }
    auto [file_artifact, file_version] = file_name_coordinates(path);
    archive_entry* entry = nullptr;
    for (;;) {
      int r = archive_read_next_header(zr.get(), &entry);
      if (r == ARCHIVE_EOF) return true;
      if (r < ARCHIVE_WARN) {
        err = zr.error();
        return false;
      }
      seen_entry = true;
      if (entries_ == 0) return over_budget(path);
      --entries_;
      if (archive_entry_filetype(entry) != AE_IFREG) continue;
      const char* raw = archive_entry_pathname(entry);
      std::string name = raw ? raw : "";
      std::string_view base = base_name(name);
      if (base == "pom.properties" || name == "META-INF/MANIFEST.MF") {
        std::string text;
        if (!read_entry(zr.get(), kMaxSmallFile, text, path + "!/" + name)) continue;
        if (base == "MANIFEST.MF") {
          found.manifest = parse_manifest(text);
          continue;
        }
        Coordinates c = parse_pom_properties(text);
        if (!c.valid()) continue;
        ++found.poms;
        found.own_pom |= c.artifact == file_artifact && c.version == file_version;
        found.packages.push_back(make_package(c.group + ":" + c.artifact, c.version, path, "pom.properties"));
      } else if (is_archive_name(name)) {
        std::string inner_path = path + "!/" + name;
        if (depth + 1 > kMaxDepth) {
          out_.warnings.push_back(inner_path + ": archives nested deeper than " + std::to_string(kMaxDepth) +
                                  " levels are not read");
          continue;
        }
        std::string inner;
        // Known sizes are reserved up front so a 60 MiB jar never costs twice that while growing.
        if (auto n = archive_entry_size(entry); archive_entry_size_is_set(entry) && n > 0 &&
            static_cast<std::uint64_t>(n) <= std::min(kMaxNestedBytes, bytes_))
          inner.reserve(static_cast<std::size_t>(n));
        if (read_entry(zr.get(), kMaxNestedBytes, inner, inner_path))
          archive_at(inner, inner_path, depth + 1, found.packages);
      }
    }
  }

  // Reads the current entry whole, within `cap` and the file's byte budget.
  bool read_entry(archive* a, std::uint64_t cap, std::string& text, const std::string& where) {
    char buf[64 * 1024];
    for (;;) {
      la_ssize_t n = archive_read_data(a, buf, sizeof buf);
      if (n == 0) return true;
      if (n < 0) {
        const char* e = archive_error_string(a);
        out_.warnings.push_back(where + ": unreadable: " + (e ? e : "unknown error"));
        return false;
      }
      if (static_cast<std::uint64_t>(n) > bytes_) return over_budget(where);
      if (text.size() + static_cast<std::size_t>(n) > cap) {
        out_.warnings.push_back(where + ": larger than " + std::to_string(cap >> 10) + " KiB, not read");
        return false;
      }
      bytes_ -= static_cast<std::uint64_t>(n);
      text.append(buf, static_cast<std::size_t>(n));
    }
  }

  bool over_budget(const std::string& where) {
    if (bytes_ != 0 || entries_ != 0)
      out_.warnings.push_back(where + ": archive expands beyond the analysis budget (" +
                              std::to_string(kBudgetBytes >> 20) + " MiB, " + std::to_string(kMaxEntries) +
                              " entries); the rest is not read");
    bytes_ = 0;
    entries_ = 0;
    return false;
  }

  // Decides the archive's own package and licences once all its entries are seen.
  void conclude(Found& found, const std::string& path, std::vector<Package>& into) {
    if (!found.own_pom && found.poms != 1) {
      Coordinates c = manifest_coordinates(found.manifest);
      if (c.valid()) {
        found.packages.push_back(make_package(c.group + ":" + c.artifact, c.version, path, "MANIFEST.MF"));
      } else if (auto [artifact, version] = file_name_coordinates(path); !artifact.empty()) {
        found.packages.push_back(make_package(artifact, version, path, "file-name"));
      }
    }
    if (auto licenses = manifest_licenses(found.manifest); !licenses.empty()) {
      Package* owner = nullptr;
      int owners = 0;
      for (Package& p : found.packages)
        if (p.path == path) owner = &p, ++owners;
      if (owners == 1 && owner->licenses.empty()) owner->licenses = std::move(licenses);
    }
    // A shaded jar may carry the same pom.properties twice: report it once.
    for (Package& p : found.packages) {
      bool dup = std::any_of(into.begin(), into.end(), [&](const Package& q) {
        return q.name == p.name && q.version == p.version && q.path == p.path;
      });
      if (!dup) into.push_back(std::move(p));
    }
  }

  FileResult& out_;
  std::uint64_t bytes_ = kBudgetBytes;
  std::uint64_t entries_ = kMaxEntries;
};

class JavaAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "java"; }
  int version() const override { return 1; }
  std::uint64_t size_limit() const override { return 64u << 20; }
  Want wants(const FileInfo& file) const override { return is_archive_name(file.path) ? Want::whole : Want::no; }
  void analyze(const FileInfo& file, std::string_view content, FileResult& out) const override {
    JavaScan(out).archive_at(content, std::string(file.path), 0, out.packages);
  }
};

}  // namespace

std::unique_ptr<Analyzer> make_java_analyzer() { return std::make_unique<JavaAnalyzer>(); }

}  // namespace portcullis::scan
