// SBOM format names, dispatch to the writers, the table writer, and the
// small pieces the CycloneDX and SPDX writers share (document time and
// serial, the image's own purl, SPDX licence knowledge). Those shared pieces
// live in namespace sbom_detail, declared in sbom_detail.h.
#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <ctime>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/text.h"
#include "core/digest.h"
#include "scan/sbom.h"
#include "scan/sbom_detail.h"

namespace portcullis::scan {

namespace sbom_detail {

// SPDX licence ids we recognise, a subset of the SPDX licence list that
// covers what OS and language package metadata declare in practice. Every
// entry is in the SPDX list (and in CycloneDX's spdx.schema.json enum, which
// tests/integration checks), so emitting one as an id always validates.
constexpr std::array kLicenseIds = {
    "0BSD", "AFL-2.1", "AFL-3.0", "AGPL-1.0", "AGPL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later",
    "Apache-1.0", "Apache-1.1", "Apache-2.0", "APSL-2.0", "Artistic-1.0", "Artistic-1.0-Perl",
    "Artistic-2.0", "Beerware", "BlueOak-1.0.0", "BSD-1-Clause", "BSD-2-Clause", "BSD-2-Clause-Patent",
    "BSD-3-Clause", "BSD-3-Clause-Clear", "BSD-4-Clause", "BSD-4-Clause-UC", "BSD-Source-Code",
    "BSL-1.0", "bzip2-1.0.6", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0",
    "CDDL-1.0", "CDDL-1.1", "CECILL-2.1", "CPL-1.0", "curl", "ECL-2.0", "EFL-2.0", "EPL-1.0",
    "EPL-2.0", "EUPL-1.1", "EUPL-1.2", "FSFAP", "FSFUL", "FSFULLR", "FTL", "GFDL-1.2",
    "GFDL-1.2-only", "GFDL-1.2-or-later", "GFDL-1.3", "GFDL-1.3-only", "GFDL-1.3-or-later",
    "GPL-1.0", "GPL-1.0+", "GPL-1.0-only", "GPL-1.0-or-later", "GPL-2.0", "GPL-2.0+",
    "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0", "GPL-3.0+", "GPL-3.0-only", "GPL-3.0-or-later",
    "HPND", "ICU", "IJG", "Imlib2", "Info-ZIP", "IPA", "ISC", "JSON", "LGPL-2.0", "LGPL-2.0+",
    "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1", "LGPL-2.1+", "LGPL-2.1-only",
    "LGPL-2.1-or-later", "LGPL-3.0", "LGPL-3.0+", "LGPL-3.0-only", "LGPL-3.0-or-later", "Libpng",
    "libpng-2.0", "libtiff", "LPPL-1.3c", "MirOS", "MIT", "MIT-0", "MIT-CMU", "MPL-1.0", "MPL-1.1",
    "MPL-2.0", "MPL-2.0-no-copyleft-exception", "MS-PL", "MS-RL", "NCSA", "NTP", "ODbL-1.0",
    "OFL-1.0", "OFL-1.1", "OLDAP-2.8", "OpenSSL", "OSL-3.0", "PHP-3.0", "PHP-3.01", "PostgreSQL",
    "PSF-2.0", "Python-2.0", "Qhull", "Ruby", "SGI-B-2.0", "SISSL", "Sleepycat", "SMLNJ",
    "SSPL-1.0", "TCL", "Unicode-3.0", "Unicode-DFS-2015", "Unicode-DFS-2016", "Unlicense", "UPL-1.0",
    "Vim", "W3C", "WTFPL", "X11", "XFree86-1.1", "Zlib", "zlib-acknowledgement", "ZPL-2.0", "ZPL-2.1",
};

constexpr std::array kExceptionIds = {
    "Autoconf-exception-2.0", "Autoconf-exception-3.0", "Bison-exception-2.2", "Classpath-exception-2.0",
    "eCos-exception-2.0", "FLTK-exception", "Font-exception-2.0", "freertos-exception-2.0",
    "GCC-exception-2.0", "GCC-exception-3.1", "GPL-3.0-linking-exception", "LGPL-3.0-linking-exception",
    "Libtool-exception", "Linux-syscall-note", "LLVM-exception", "OCaml-LGPL-linking-exception",
    "OpenJDK-assembly-exception-1.0", "openvpn-openssl-exception", "Qt-GPL-exception-1.0",
    "Qt-LGPL-exception-1.1", "u-boot-exception-2.0", "Universal-FOSS-exception-1.0", "WxWindows-exception-3.1",
};


template <std::size_t N>
std::optional<std::string> find_id(const std::array<const char*, N>& table, std::string_view id) {
  // SPDX ids match case-insensitively; the list's spelling is the canonical one.
  for (const char* known : table)
    if (core::iequals_ascii(known, id)) return std::string(known);
  return std::nullopt;
}

std::optional<std::string> canonical_license_id(std::string_view id) { return find_id(kLicenseIds, id); }

bool is_license_ref(std::string_view s) {
  if (s.size() <= 11 || !core::iequals_ascii(s.substr(0, 11), "LicenseRef-")) return false;
  return std::all_of(s.begin() + 11, s.end(), [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '-'; });
}

// Whether `text` is an expression rather than one licence: it has an
// operator or parentheses.
bool is_compound_license(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(' || text[i] == ')') return true;
    if (text[i] != ' ') continue;
    for (std::string_view op : {"AND ", "OR ", "WITH "})
      if (core::iequals_ascii(text.substr(i + 1, op.size()), op)) return true;
  }
  return false;
}

namespace {

// Recursive-descent check of an SPDX licence expression (SPDX 2.3 Annex D):
//   or := and ("OR" and)* ; and := with ("AND" with)* ;
//   with := "(" or ")" | id ["+"] ["WITH" exception]
// Builds the normalised text (canonical id spelling, upper-case operators,
// single spaces) as it goes. Depth is bounded so hostile input cannot
// exhaust the stack.
class ExpressionParser {
 public:
  explicit ExpressionParser(std::string_view text) { tokenize(text); }

  std::optional<std::string> parse() {
    if (!ok_ || tokens_.empty()) return std::nullopt;
    std::string out;
    if (!parse_or(out, 0) || pos_ != tokens_.size()) return std::nullopt;
    return out;
  }

 private:
  void tokenize(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
      char c = s[i];
      if (c == ' ' || c == '\t' || c == '\n') { ++i; continue; }
      if (c == '(' || c == ')') { tokens_.emplace_back(1, c); ++i; continue; }
      std::size_t start = i;
      while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '(' && s[i] != ')') ++i;
      tokens_.emplace_back(s.substr(start, i - start));
      if (tokens_.size() > 256) { ok_ = false; return; }
    }
  }

  bool peek(std::string_view op) const { return pos_ < tokens_.size() && core::iequals_ascii(tokens_[pos_], op); }

  bool parse_or(std::string& out, int depth) {
    if (depth > 32 || !parse_and(out, depth)) return false;
    while (peek("OR")) {
      ++pos_;
      out += " OR ";
      if (!parse_and(out, depth)) return false;
    }
    return true;
  }

  bool parse_and(std::string& out, int depth) {
    if (!parse_with(out, depth)) return false;
    while (peek("AND")) {
      ++pos_;
      out += " AND ";
      if (!parse_with(out, depth)) return false;
    }
    return true;
  }

  bool parse_with(std::string& out, int depth) {
    if (pos_ >= tokens_.size()) return false;
    if (tokens_[pos_] == "(") {
      ++pos_;
      out += "(";
      if (!parse_or(out, depth + 1) || !peek(")")) return false;
      ++pos_;
      out += ")";
      return true;
    }
    std::string_view tok = tokens_[pos_++];
    if (auto id = canonical_license_id(tok)) {
      out += *id;
    } else if (tok.size() > 1 && tok.back() == '+' && canonical_license_id(tok.substr(0, tok.size() - 1))) {
      out += *canonical_license_id(tok.substr(0, tok.size() - 1)) + "+";
    } else if (is_license_ref(tok)) {
      out += "LicenseRef-" + std::string(tok.substr(11));
    } else {
      return false;
    }
    if (peek("WITH")) {
      ++pos_;
      if (pos_ >= tokens_.size()) return false;
      auto exc = find_id(kExceptionIds, tokens_[pos_++]);
      if (!exc) return false;
      out += " WITH " + *exc;
    }
    return true;
  }

  std::vector<std::string> tokens_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

std::optional<std::string> normalize_license_expression(std::string_view text) {
  if (text.size() > 4096) return std::nullopt;
  return ExpressionParser(text).parse();
}

std::string document_timestamp(const SbomOptions& options) {
  if (!options.timestamp.empty()) return options.timestamp;
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// A lower-case UUID: the caller's serial when it is one; derived from it
// (SHA-256, shaped as a version 4 UUID) when it is some other string, so a
// fixed serial still gives a schema-valid document; random when empty.
std::string document_uuid(const SbomOptions& options) {
  std::array<unsigned char, 16> b{};
  if (is_uuid(options.serial)) {
    return core::ascii_lower(options.serial);
  }
  if (!options.serial.empty()) {
    std::string hex = core::Digest::of(core::DigestAlgorithm::Sha256, options.serial).hex();
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<unsigned char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  } else {
    std::random_device rd;
    for (auto& byte : b) byte = static_cast<unsigned char>(rd());
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  std::string hex = core::to_hex(b.data(), b.size());
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" + hex.substr(20);
}

// purl percent-encoding (the same rule purl.cpp applies to every component):
// all but unreserved characters and those in `keep`.
std::string pct_encode(std::string_view s, std::string_view keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' ||
        (c != 0 && keep.find(static_cast<char>(c)) != std::string_view::npos)) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 0xF]};
    }
  }
  return out;
}

// "pkg:oci/<name>@<manifest digest>?repository_url=...&tag=..." after the
// purl oci type: the name is the last path segment of the repository; where
// the image came from a registry, repository_url says which.
std::string image_purl(const Inventory& inv) {
  std::string ref = inv.image;
  std::string repo_url;
  std::string tag;
  static constexpr std::array kLocal = {"oci:", "oci-archive:", "docker-archive:", "dir:", "archive:"};
  bool local = false;
  for (std::string_view p : kLocal)
    if (ref.rfind(p, 0) == 0) { ref.erase(0, p.size()); local = true; break; }
  for (std::string_view p : {"docker://", "registry:", "remote:"})
    if (ref.rfind(p, 0) == 0) { ref.erase(0, p.size()); break; }
  if (auto at = ref.find('@'); at != std::string::npos) ref.erase(at);
  if (local) {
    // "path[:tag]": the tag follows the last ':' after the last '/'.
    auto slash = ref.rfind('/');
    auto colon = ref.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
      tag = ref.substr(colon + 1);
      ref.erase(colon);
    }
    while (!ref.empty() && ref.back() == '/') ref.pop_back();
  } else {
    auto slash = ref.rfind('/');
    auto colon = ref.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
      tag = ref.substr(colon + 1);
      ref.erase(colon);
    }
    repo_url = ref;
  }
  std::string name = core::ascii_lower(ref.substr(ref.rfind('/') == std::string::npos ? 0 : ref.rfind('/') + 1));
  if (name.empty()) name = "image";
  std::string arch;
  if (auto slash = inv.platform.find('/'); slash != std::string::npos) arch = inv.platform.substr(slash + 1);
  std::string purl = "pkg:oci/" + pct_encode(name, "");
  if (!inv.manifest_digest.empty()) purl += "@" + pct_encode(inv.manifest_digest, "");
  const std::pair<const char*, std::string> qualifiers[] = {{"arch", arch}, {"repository_url", repo_url}, {"tag", tag}};
  char sep = '?';
  for (const auto& [k, v] : qualifiers) {
    if (v.empty()) continue;
    purl += sep + std::string(k) + "=" + pct_encode(v, "/");
    sep = '&';
  }
  return purl;
}

}  // namespace sbom_detail

namespace {

std::string source_of(const Package& p) {
  if (p.source_name.empty()) return "";
  if (p.source_version.empty() || p.source_version == p.version) return p.source_name;
  return p.source_name + "@" + p.source_version;
}

// The table: a header line naming the image and its OS, then one row per
// package with columns padded to the widest cell, so `column`-style reading
// and diffing work; the last column is not padded (no trailing spaces).
void write_table(const Inventory& inv, std::ostream& out) {
  std::string os = inv.os.family.empty() ? "unknown" : inv.os.family + " " + inv.os.version;
  if (!inv.os.name.empty()) os += " (" + inv.os.name + ")";
  std::string image = inv.image.empty() ? "-" : inv.image;
  if (!inv.manifest_digest.empty()) image += " " + inv.manifest_digest;
  out << "IMAGE: " << image << "  OS: " << os << "  PACKAGES: " << inv.packages.size() << "\n";

  std::vector<std::array<std::string, 4>> rows;
  rows.push_back({"NAME", "VERSION", "TYPE", "SOURCE"});
  for (const Package& p : inv.packages) rows.push_back({p.name, p.version, p.ecosystem, source_of(p)});
  std::array<std::size_t, 4> width{};
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

}  // namespace

core::Result<SbomFormat> parse_sbom_format(std::string_view name) {
  if (name == "table") return SbomFormat::table;
  if (name == "json") return SbomFormat::json;
  if (name == "cyclonedx-json" || name == "cyclonedx") return SbomFormat::cyclonedx_json;
  if (name == "spdx-json" || name == "spdx") return SbomFormat::spdx_json;
  return core::make_error(core::ErrorCode::InvalidArgument,
                          "unknown SBOM format \"" + std::string(name) +
                              "\" (want table, json, cyclonedx-json or spdx-json)");
}

void write_sbom(const Inventory& inventory, SbomFormat format, const SbomOptions& options, std::ostream& out) {
  switch (format) {
    case SbomFormat::table: write_table(inventory, out); return;
    case SbomFormat::json: out << inventory_to_json(inventory) << "\n"; return;
    case SbomFormat::cyclonedx_json: write_cyclonedx_json(inventory, options, out); return;
    case SbomFormat::spdx_json: write_spdx_json(inventory, options, out); return;
  }
}

}  // namespace portcullis::scan
