// The dpkg analyzer: installed packages from var/lib/dpkg/status and from the
// one-file-per-package var/lib/dpkg/status.d/ of distroless images.
//
// Contract (what the tests hold it to): a package is reported for every
// control paragraph that has Package and a syntactically valid Version and
// that dpkg would count as present, i.e. whose Status is not deinstall/purge
// and not not-installed/config-files (no Status at all means installed, the
// distroless convention). `version` is the Version field verbatim, as
// `dpkg-query -W -f '${Version}'` prints it; `Source: name (version)` gives the
// source package, defaulting to the binary name and version like dpkg's
// ${source:Package} / ${source:Version}. Anything else in the file (paragraphs
// without a name or version, malformed lines, unknown status words) costs a
// warning, never the rest of the file. A file in dpkg syntax that is not a
// dpkg database (a vcpkg status file) yields no packages and one warning.
#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.h"
#include "scan/analyzer.h"
#include "scan/analyzers/analyzers.h"

namespace portcullis::scan {
namespace {

constexpr std::string_view kStatusFile = "var/lib/dpkg/status";
constexpr std::string_view kStatusDir = "var/lib/dpkg/status.d/";
// Past this many, warnings are counted rather than listed: a garbage file
// must not turn into megabytes of warnings.
constexpr std::size_t kMaxWarnings = 20;

// Companion files dpkg (and distroless) keep next to a package's control
// data; they are not control paragraphs.
constexpr std::array<std::string_view, 12> kInfoSuffixes = {
    ".md5sums", ".list", ".conffiles", ".preinst", ".postinst", ".prerm",
    ".postrm", ".triggers", ".shlibs", ".symbols", ".templates", ".config"};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}


std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Warnings {
 public:
  Warnings(FileResult& out) : out_(out) {}
  ~Warnings() {
    if (dropped_ > 0) out_.warnings.push_back("and " + std::to_string(dropped_) + " more problems");
  }
  void add(std::size_t line, std::string_view what) {
    if (count_++ >= kMaxWarnings) {
      ++dropped_;
      return;
    }
    out_.warnings.push_back("line " + std::to_string(line) + ": " + std::string(what));
  }

 private:
  FileResult& out_;
  std::size_t count_ = 0;
  std::size_t dropped_ = 0;
};

struct Field {
  std::string_view name;
  std::string value;  // first line trimmed; continuation lines joined with '\n'
};

struct Paragraph {
  std::size_t line = 0;  // where it starts, for warnings
  std::vector<Field> fields;

  const std::string* get(std::string_view name) const {
    for (const Field& f : fields)
      if (core::iequals_ascii(f.name, name)) return &f.value;
    return nullptr;
  }
};

// Splits RFC 822-style control data into paragraphs. Malformed lines are
// reported and skipped; a continuation line belongs to the field above it.
std::vector<Paragraph> split_paragraphs(std::string_view content, Warnings& warn) {
  std::vector<Paragraph> out;
  Paragraph cur;
  bool in_paragraph = false;
  auto flush = [&] {
    if (in_paragraph && !cur.fields.empty()) out.push_back(std::move(cur));
    cur = Paragraph{};
    in_paragraph = false;
  };
  std::size_t lineno = 0;
  while (!content.empty()) {
    std::size_t nl = content.find('\n');
    std::string_view raw = content.substr(0, nl);
    content.remove_prefix(nl == std::string_view::npos ? content.size() : nl + 1);
    ++lineno;
    std::string_view line = trim(raw);
    if (line.empty()) {
      flush();
      continue;
    }
    if (!in_paragraph) {
      cur.line = lineno;
      in_paragraph = true;
    }
    if (raw.front() == ' ' || raw.front() == '\t') {
      if (cur.fields.empty()) {
        warn.add(lineno, "continuation line outside a field");
      } else {
        cur.fields.back().value += '\n';
        cur.fields.back().value += line;
      }
      continue;
    }
    std::size_t colon = raw.find(':');
    std::string_view name = colon == std::string_view::npos ? std::string_view{} : raw.substr(0, colon);
    bool valid_name = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return c > ' ' && c < 0x7f && c != ':';
    }) && name.front() != '#' && name.front() != '-';
    if (!valid_name) {
      warn.add(lineno, "not a control field");
      continue;
    }
    cur.fields.push_back(Field{name, std::string(trim(raw.substr(colon + 1)))});
  }
  flush();
  return out;
}

// dpkg's own syntax rules for a version (lib/dpkg/parsehelp.c parseversion):
// [epoch:]upstream[-revision], epoch numeric, upstream starting with a digit,
// upstream characters alnum and .+~-: , revision characters alnum and .+~ .
// Returns the problem, or an empty view when the version is valid.
std::string_view version_problem(std::string_view v) {
  if (v.empty()) return "empty version";
  if (std::any_of(v.begin(), v.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n'; }))
    return "version has embedded spaces";
  std::string_view upstream = v;
  std::size_t colon = v.find(':');
  if (colon != std::string_view::npos) {
    std::string_view epoch = v.substr(0, colon);
    if (epoch.empty() || epoch.size() > 9 || !std::all_of(epoch.begin(), epoch.end(), is_digit))
      return "epoch is not a number";
    upstream = v.substr(colon + 1);
    if (upstream.empty()) return "nothing after the epoch";
  }
  std::string_view revision;
  std::size_t hyphen = upstream.rfind('-');
  if (hyphen != std::string_view::npos) {
    revision = upstream.substr(hyphen + 1);
    upstream = upstream.substr(0, hyphen);
    if (revision.empty()) return "empty revision";
  }
  if (upstream.empty()) return "empty upstream version";
  if (!is_digit(upstream.front())) return "version does not start with a digit";
  for (char c : upstream)
    if (!is_alnum(c) && c != '.' && c != '+' && c != '~' && c != '-' && c != ':')
      return "invalid character in version";
  for (char c : revision)
    if (!is_alnum(c) && c != '.' && c != '+' && c != '~') return "invalid character in revision";
  return {};
}

// Status is "want flag state". Present in the sense of dpkg-query's listing
// of installed packages: not being removed and with files unpacked.
bool is_present(std::string_view status, std::size_t line, Warnings& warn) {
  std::array<std::string_view, 3> words;
  std::size_t n = 0;
  while (n < 3) {
    status = trim(status);
    if (status.empty()) break;
    std::size_t sp = status.find_first_of(" \t");
    words[n++] = status.substr(0, sp);
    status.remove_prefix(sp == std::string_view::npos ? status.size() : sp);
  }
  if (n != 3) {
    warn.add(line, "Status has not three words; package counted as installed");
    return true;
  }
  if (words[0] == "deinstall" || words[0] == "purge") return false;
  if (words[2] == "not-installed" || words[2] == "config-files") return false;
  return true;
}

// vcpkg writes its own "status" file in dpkg syntax (claircore's TestNotDB
// case): ports, features and ABI hashes, packages without Version.
bool looks_like_vcpkg(const std::vector<Paragraph>& paragraphs) {
  for (const Paragraph& p : paragraphs) {
    const std::string* type = p.get("Type");
    if ((type && *type == "Port") || p.get("Feature") || p.get("Port-Version")) return true;
  }
  return false;
}

class DpkgAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "dpkg"; }
  int version() const override { return 1; }

  Want wants(const FileInfo& file) const override {
    if (file.path == kStatusFile) return Want::whole;
    if (file.path.size() > kStatusDir.size() && file.path.substr(0, kStatusDir.size()) == kStatusDir) {
      std::string_view base = file.path.substr(kStatusDir.size());
      if (base.find('/') != std::string_view::npos || base.front() == '.') return Want::no;
      for (std::string_view suffix : kInfoSuffixes)
        if (ends_with(base, suffix)) return Want::no;
      return Want::whole;
    }
    return Want::no;
  }

  void analyze(const FileInfo& file, std::string_view content, FileResult& out) const override {
    Warnings warn(out);
    if (content.find('\0') != std::string_view::npos) {
      out.warnings.push_back("binary content: not a dpkg status file");
      return;
    }
    std::vector<Paragraph> paragraphs = split_paragraphs(content, warn);
    if (looks_like_vcpkg(paragraphs)) {
      out.warnings.push_back("not a dpkg database (a vcpkg status file); ignored");
      return;
    }
    for (const Paragraph& p : paragraphs) add_package(p, out, warn);
  }

 private:
  static void add_package(const Paragraph& p, FileResult& out, Warnings& warn) {
    const std::string* name = p.get("Package");
    if (!name || name->empty()) {
      warn.add(p.line, "paragraph without Package; skipped");
      return;
    }
    if (const std::string* status = p.get("Status"); status && !is_present(*status, p.line, warn)) return;
    const std::string* version = p.get("Version");
    if (!version || version->empty()) {
      warn.add(p.line, "package " + *name + " has no Version; skipped");
      return;
    }
    if (std::string_view why = version_problem(*version); !why.empty()) {
      warn.add(p.line, "package " + *name + ": " + std::string(why) + " (" + *version + "); skipped");
      return;
    }
    Package pkg;
    pkg.ecosystem = ecosystem::kDeb;
    pkg.name = *name;
    pkg.version = *version;
    pkg.source_name = pkg.name;
    pkg.source_version = pkg.version;
    if (const std::string* source = p.get("Source"); source && !source->empty()) {
      std::string_view s = *source;
      std::size_t open = s.find('(');
      std::string_view src_name = trim(s.substr(0, open));
      if (!src_name.empty()) pkg.source_name = std::string(src_name);
      if (open != std::string_view::npos) {
        std::size_t close = s.find(')', open);
        std::string_view src_version = trim(s.substr(open + 1, close == std::string_view::npos ? s.npos : close - open - 1));
        if (close == std::string_view::npos || src_version.empty() || !version_problem(src_version).empty())
          warn.add(p.line, "package " + pkg.name + ": unreadable Source version; the binary version is used");
        else
          pkg.source_version = std::string(src_version);
      }
    }
    if (const std::string* arch = p.get("Architecture")) pkg.arch = *arch;
    if (const std::string* maintainer = p.get("Maintainer"); maintainer && !maintainer->empty())
      pkg.properties.emplace_back("maintainer", *maintainer);
    if (const std::string* multi_arch = p.get("Multi-Arch"); multi_arch && !multi_arch->empty())
      pkg.properties.emplace_back("multi_arch", *multi_arch);
    out.packages.push_back(std::move(pkg));
  }
};

}  // namespace

std::unique_ptr<Analyzer> make_dpkg_analyzer() { return std::make_unique<DpkgAnalyzer>(); }

}  // namespace portcullis::scan
