// The OS release analyzer (one OsFact per release file) and the rules that
// turn an image's facts into one OsRelease (os_release.h).
//
// Each file is read on its own and says what it says; deciding between files
// is merge_os_facts()'s job. Family ids follow Trivy's names ("redhat",
// "alma", "oracle", "amazon", "cbl-mariner", "slem", ...) so detectors and
// advisory buckets can key on them; an os-release ID this file does not know
// is kept as written (lower case), so the SBOM still names the OS. Unlike
// Trivy, os-release ID=debian/ubuntu counts too: distroless images have no
// other release file.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "scan/analyzer.h"
#include "scan/analyzers/analyzers.h"
#include "scan/analyzers/json_fields.h"
#include "scan/os_release.h"

namespace portcullis::scan {
namespace {

constexpr std::size_t kMaxLines = 200;     // real release files have a few dozen
constexpr std::size_t kMaxValue = 256;     // longer values are cut

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Keeps printable ASCII and well-formed UTF-8; drops control characters and
// stray bytes, so what reaches reports and SBOMs is always valid text.
std::string sanitize(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && out.size() < kMaxValue;) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != 0x7f) out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok) out.append(s.substr(i, len));
    i += ok ? len : 1;
  }
  return std::string(trim(out));
}

std::vector<std::string_view> lines_of(std::string_view content) {
  std::vector<std::string_view> lines;
  while (!content.empty() && lines.size() < kMaxLines) {
    std::size_t nl = content.find('\n');
    lines.push_back(content.substr(0, nl));
    content.remove_prefix(nl == std::string_view::npos ? content.size() : nl + 1);
  }
  return lines;
}

std::string first_line(std::string_view content) {
  std::vector<std::string_view> lines = lines_of(content);
  return lines.empty() ? std::string() : sanitize(lines.front());
}

// One value of a shell-style assignment (os-release(5)): double quotes with
// backslash escapes, single quotes literal, unquoted with escapes.
std::string unquote(std::string_view v, bool& unterminated) {
  std::string out;
  v = trim(v);
  if (!v.empty() && v.front() == '\'') {
    std::size_t end = v.find('\'', 1);
    unterminated = end == std::string_view::npos;
    return sanitize(v.substr(1, unterminated ? v.npos : end - 1));
  }
  bool quoted = !v.empty() && v.front() == '"';
  if (quoted) v.remove_prefix(1);
  unterminated = quoted;
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\\' && i + 1 < v.size()) {
      out += v[++i];
    } else if (quoted && c == '"') {
      unterminated = false;
      break;
    } else {
      out += c;
    }
  }
  return sanitize(out);
}

struct KeyValues {
  std::vector<std::pair<std::string, std::string>> items;
  std::string get(std::string_view key) const {
    for (const auto& [k, v] : items)
      if (k == key) return v;
    return {};
  }
};

KeyValues parse_assignments(std::string_view content, FileResult& out) {
  KeyValues kv;
  bool warned = false;
  for (std::string_view raw : lines_of(content)) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    std::size_t eq = line.find('=');
    std::string_view key = eq == std::string_view::npos ? std::string_view{} : trim(line.substr(0, eq));
    bool valid_key = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
    });
    if (!valid_key) {
      if (!warned) out.warnings.push_back("lines that are not KEY=value assignments ignored");
      warned = true;
      continue;
    }
    bool unterminated = false;
    std::string value = unquote(line.substr(eq + 1), unterminated);
    if (unterminated && !warned) {
      out.warnings.push_back("unterminated quote in " + std::string(key));
      warned = true;
    }
    kv.items.emplace_back(std::string(key), std::move(value));
  }
  return kv;
}

std::string family_from_os_release_id(const std::string& id, const std::string& name) {
  if (id == "rhel") return "redhat";
  if (id == "centos") return starts_with(name, "CentOS Stream") ? "centos-stream" : "centos";
  if (id == "almalinux") return "alma";
  if (id == "ol") return "oracle";
  if (id == "amzn") return "amazon";
  if (id == "opensuse") return "opensuse-leap";  // Leap 42 said "opensuse"
  if (id == "sle-micro" || id == "sl-micro" || id == "sle-micro-rancher") return "slem";
  if (id == "mariner") return "cbl-mariner";
  // IDs are [a-z0-9._-] by specification; anything else is not an id.
  bool valid = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '.' || c == '_' || c == '-';
  });
  return valid ? id : std::string();
}

void analyze_os_release(std::string_view content, FileResult& out) {
  KeyValues kv = parse_assignments(content, out);
  std::string id = lower(kv.get("ID"));
  if (id.empty()) {
    out.warnings.push_back("os-release without ID");
    return;
  }
  OsFact fact;
  fact.family = family_from_os_release_id(id, kv.get("NAME"));
  if (fact.family.empty()) {
    out.warnings.push_back("os-release ID is not an id: " + id);
    return;
  }
  fact.version = kv.get("VERSION_ID");
  fact.name = kv.get("PRETTY_NAME");
  if (fact.name.empty()) fact.name = kv.get("NAME");
  fact.codename = kv.get("VERSION_CODENAME");
  if (fact.codename.empty()) fact.codename = kv.get("UBUNTU_CODENAME");
  out.os = std::move(fact);
}

void analyze_lsb_release(std::string_view content, FileResult& out) {
  KeyValues kv = parse_assignments(content, out);
  std::string id = lower(kv.get("DISTRIB_ID"));
  if (id.empty()) {
    out.warnings.push_back("lsb-release without DISTRIB_ID");
    return;
  }
  if (id != "ubuntu") return;  // other distributions say more in os-release
  OsFact fact;
  fact.family = "ubuntu";
  fact.version = kv.get("DISTRIB_RELEASE");
  fact.codename = kv.get("DISTRIB_CODENAME");
  fact.name = kv.get("DISTRIB_DESCRIPTION");
  out.os = std::move(fact);
}

// A one-line version file (debian_version, alpine-release): the line must
// look like a version or a codename ("10.3", "3.10.2", "buster/sid").
void analyze_version_file(std::string_view content, const char* family, FileResult& out) {
  std::string v = first_line(content);
  bool plausible = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '/' ||
           c == '_' || c == '-' || c == '+' || c == '~';
  });
  if (!plausible) {
    out.warnings.push_back(v.empty() ? "empty release file" : "release file holds no version: " + v);
    return;
  }
  OsFact fact;
  fact.family = family;
  fact.version = v;
  if (!is_digit(v.front())) fact.codename = v.substr(0, v.find('/'));  // testing/sid: "trixie/sid"
  out.os = std::move(fact);
}

// "<name> release <version> (<codename>)", the redhat-release family of
// files. `family` empty means: decide from the name.
void analyze_redhat_like(std::string_view content, std::string family, FileResult& out) {
  std::string line = first_line(content);
  std::size_t at = line.find(" release ");
  std::size_t start = at == std::string::npos ? at : at + 9;
  std::size_t end = start;
  while (end != std::string::npos && end < line.size() && (is_digit(line[end]) || line[end] == '.')) ++end;
  if (start == std::string::npos || end == start || !is_digit(line[start])) {
    out.warnings.push_back(line.empty() ? "empty release file" : "no \"release <version>\" in: " + line);
    return;
  }
  std::string who = lower(line.substr(0, at));
  if (family.empty()) {
    if (starts_with(who, "red hat")) family = "redhat";
    else if (starts_with(who, "centos stream")) family = "centos-stream";
    else if (starts_with(who, "centos")) family = "centos";
    else if (starts_with(who, "rocky")) family = "rocky";
    else if (starts_with(who, "almalinux")) family = "alma";
    else if (starts_with(who, "oracle")) family = "oracle";
    else if (starts_with(who, "fedora")) family = "fedora";
    else if (starts_with(who, "amazon")) family = "amazon";
    else family = family_from_os_release_id(who.substr(0, who.find(' ')), line);
    if (family.empty()) family = "redhat";  // Trivy's default for redhat-release
  }
  OsFact fact;
  fact.family = std::move(family);
  fact.version = line.substr(start, end - start);
  while (!fact.version.empty() && fact.version.back() == '.') fact.version.pop_back();
  fact.name = line;
  std::size_t open = line.find('(', end);
  std::size_t close = open == std::string::npos ? open : line.find(')', open);
  if (close != std::string::npos) fact.codename = line.substr(open + 1, close - open - 1);
  out.os = std::move(fact);
}

// cpe:/o:<vendor>:<product>:<version>[:...] or cpe:2.3:o:<vendor>:<product>:<version>:...
void analyze_cpe(std::string_view content, FileResult& out) {
  std::string line = lower(first_line(content));
  std::string_view rest = line;
  if (starts_with(rest, "cpe:/o:")) rest.remove_prefix(7);
  else if (starts_with(rest, "cpe:2.3:o:")) rest.remove_prefix(10);
  else {
    out.warnings.push_back("not an OS CPE: " + line);
    return;
  }
  std::vector<std::string_view> parts;
  while (parts.size() < 3) {
    std::size_t colon = rest.find(':');
    parts.push_back(rest.substr(0, colon));
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  if (parts.size() < 3 || parts[2].empty() || !is_digit(parts[2].front())) {
    out.warnings.push_back("CPE without a version: " + line);
    return;
  }
  std::string vendor(parts[0]);
  OsFact fact;
  fact.family = vendor == "redhat" ? "redhat" : vendor == "fedoraproject" ? "fedora"
              : vendor == "almalinux" ? "alma" : vendor == "rocky" ? "rocky" : vendor == "oracle" ? "oracle"
              : vendor == "amazon" ? "amazon" : vendor == "centos" ? "centos" : std::string();
  if (fact.family.empty()) return;  // a vendor we would only guess at
  fact.version = std::string(parts[2]);
  out.os = std::move(fact);
}

// Ubuntu Pro's state: ESM for the base system ("esm-infra") enabled means
// fixes come from the ESM archive.
void analyze_ua_status(std::string_view content, FileResult& out) {
  nlohmann::json doc = nlohmann::json::parse(content.begin(), content.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    out.warnings.push_back("ubuntu-advantage status is not a JSON object");
    return;
  }
  const nlohmann::json* services = json_fields::member(doc, "services");
  if (!services || !services->is_array()) return;
  for (const nlohmann::json& s : *services) {
    if (json_fields::string_member(s, "name") == "esm-infra" && json_fields::string_member(s, "status") == "enabled") {
      OsFact fact;
      fact.extended = true;
      out.os = std::move(fact);
      return;
    }
  }
}

struct Wanted {
  std::string_view path;
  enum Kind { os_release, lsb, debian, alpine, redhat_like, cpe, ua_status } kind;
  const char* family = "";  // for redhat_like: fixed family, empty = from the text
};

constexpr Wanted kWanted[] = {
    {"etc/os-release", Wanted::os_release},
    {"usr/lib/os-release", Wanted::os_release},
    {"etc/lsb-release", Wanted::lsb},
    {"etc/debian_version", Wanted::debian},
    {"etc/alpine-release", Wanted::alpine},
    {"etc/redhat-release", Wanted::redhat_like},
    {"etc/centos-release", Wanted::redhat_like, "centos"},
    {"etc/rocky-release", Wanted::redhat_like, "rocky"},
    {"etc/almalinux-release", Wanted::redhat_like, "alma"},
    {"etc/oracle-release", Wanted::redhat_like, "oracle"},
    {"etc/fedora-release", Wanted::redhat_like, "fedora"},
    {"etc/system-release", Wanted::redhat_like},
    {"usr/lib/system-release", Wanted::redhat_like},
    {"etc/system-release-cpe", Wanted::cpe},
    {"var/lib/ubuntu-advantage/status.json", Wanted::ua_status},
};

class OsReleaseAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "os-release"; }
  int version() const override { return 1; }
  std::uint64_t size_limit() const override { return 1u << 20; }

  Want wants(const FileInfo& file) const override {
    for (const Wanted& w : kWanted)
      if (file.path == w.path) return Want::whole;
    return Want::no;
  }

  void analyze(const FileInfo& file, std::string_view content, FileResult& out) const override {
    const Wanted* w = nullptr;
    for (const Wanted& candidate : kWanted)
      if (file.path == candidate.path) w = &candidate;
    if (!w) return;
    switch (w->kind) {
      case Wanted::os_release: analyze_os_release(content, out); break;
      case Wanted::lsb: analyze_lsb_release(content, out); break;
      case Wanted::debian: analyze_version_file(content, "debian", out); break;
      case Wanted::alpine: analyze_version_file(content, "alpine", out); break;
      case Wanted::redhat_like: analyze_redhat_like(content, w->family, out); break;
      case Wanted::cpe: analyze_cpe(content, out); break;
      case Wanted::ua_status: analyze_ua_status(content, out); break;
    }
    if (out.os) out.os->source = std::string(file.path);
  }
};

}  // namespace

std::unique_ptr<Analyzer> make_os_release_analyzer() { return std::make_unique<OsReleaseAnalyzer>(); }

namespace {
// Debian's codenames, for testing/sid images whose only version is a codename
// ("bookworm/sid" is what testing said before bookworm became 12).
constexpr std::pair<std::string_view, std::string_view> kDebianCodenames[] = {
    {"squeeze", "6"}, {"wheezy", "7"},    {"jessie", "8"},  {"stretch", "9"},
    {"buster", "10"}, {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"},
    {"forky", "14"},  {"duke", "15"}};

std::string_view major_of(std::string_view v) { return v.substr(0, v.find('.')); }

bool numeric(std::string_view v) { return !v.empty() && is_digit(v.front()); }

}  // namespace

std::string normalize_release(std::string_view family, std::string_view version) {
  version = trim(version);
  if (family == "debian") {
    if (numeric(version)) return std::string(major_of(version));
    std::string_view codename = version.substr(0, version.find('/'));
    for (const auto& [name, number] : kDebianCodenames)
      if (codename == name) return std::string(number);
    return std::string(version);
  }
  if (family == "alpine") {
    if (version.find("_alpha") != std::string_view::npos) return "edge";  // edge snapshots: "3.19_alpha20230901"
    std::size_t first = version.find('.');
    if (first == std::string_view::npos) return std::string(version);
    return std::string(version.substr(0, version.find('.', first + 1)));
  }
  if (family == "redhat" || family == "centos" || family == "centos-stream" || family == "rocky" ||
      family == "alma" || family == "oracle" || family == "fedora")
    return std::string(major_of(version));
  if (family == "amazon") {
    std::string_view major = major_of(version);
    return major == "2" || major == "2022" || major == "2023" ? std::string(major) : std::string("1");
  }
  return std::string(version);
}

OsRelease merge_os_facts(const std::vector<OsFact>& facts) {
  OsRelease r;
  const OsFact* base = nullptr;
  for (const OsFact& f : facts) {
    r.extended = r.extended || f.extended;
    if (f.family.empty()) continue;
    if (!base || (f.family != base->family && (base->family == "debian" || base->family == "redhat"))) base = &f;
  }
  if (!base) return r;
  r.family = base->family;
  r.version = base->version;
  r.name = base->name;
  r.codename = base->codename;
  for (const OsFact& f : facts) {
    if (&f == base || f.family != r.family) continue;
    // The more precise of two versions of one family: "12.4" over "12",
    // any number over a codename ("buster/sid").
    bool more_precise = numeric(f.version) &&
                        (!numeric(r.version) || (f.version.size() > r.version.size() &&
                                                 starts_with(f.version, r.version + ".")));
    if (r.version.empty() || more_precise) r.version = f.version;
    if (r.name.empty()) r.name = f.name;
    if (r.codename.empty()) r.codename = f.codename;
  }
  for (const OsFact& f : facts)
    if (f.family.empty() && r.name.empty()) r.name = f.name;
  r.release = normalize_release(r.family, r.version.empty() ? r.codename : r.version);
  return r;
}

}  // namespace portcullis::scan
