// Package URLs after the purl specification's per-type rules
// (https://github.com/package-url/purl-spec, PURL-TYPES).
//
// Choices where scanners differ, so readers know which one we made:
// - distro qualifier is "<family>-<release>" with the normalised release
//   ("debian-12", "alpine-3.18"), the key advisories are filed under; Trivy
//   writes the full version ("debian-10.1") and, for Alpine, no family.
// - rpm: the epoch moves into the "epoch" qualifier and leaves the version,
//   as the purl rpm type (and Trivy, syft) do.
// - deb: the version stays the complete dpkg version, epoch included, with
//   ':' percent-encoded, because that is the string dpkg compares.
#include "core/text.h"
#include "scan/purl.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>

#include "scan/inventory.h"

namespace portcullis::scan {
namespace {

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~';
}

// Percent-encodes everything but the purl spec's unreserved characters (and
// the characters in `keep`), so '+', ':', '@', '/', '?' and '#' can never be
// mistaken for separators.
std::string encode(std::string_view s, std::string_view keep = {}) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (is_unreserved(c) || (c != 0 && keep.find(static_cast<char>(c)) != std::string_view::npos)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}


struct Parts {
  std::string type;
  std::string ns;  // segments separated by '/', not yet encoded
  std::string name;
  std::string version;
  std::map<std::string, std::string> qualifiers;  // ordered by key, as the spec's canonical form wants
};

std::string render(const Parts& p) {
  std::string out = "pkg:" + p.type + "/";
  if (!p.ns.empty()) {
    // Each segment is encoded on its own; the '/' between them is a separator.
    std::string_view rest = p.ns;
    while (true) {
      auto slash = rest.find('/');
      std::string_view seg = rest.substr(0, slash);
      if (!seg.empty()) out += encode(seg) + "/";
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
  }
  out += encode(p.name);
  if (!p.version.empty()) out += "@" + encode(p.version);
  char sep = '?';
  for (const auto& [k, v] : p.qualifiers) {
    if (v.empty()) continue;  // the spec drops empty qualifiers
    out += sep;
    out += k + "=" + encode(v, "/");
    sep = '&';
  }
  return out;
}

// Splits `s` at the last occurrence of `sep`: ("a/b/c", '/') -> {"a/b", "c"}.
std::pair<std::string, std::string> split_last(std::string_view s, char sep) {
  auto at = s.rfind(sep);
  if (at == std::string_view::npos) return {"", std::string(s)};
  return {std::string(s.substr(0, at)), std::string(s.substr(at + 1))};
}

std::string distro_of(const OsRelease& os) {
  if (os.family.empty()) return "";
  const std::string& rel = os.release.empty() ? os.version : os.release;
  return rel.empty() ? os.family : os.family + "-" + rel;
}

void os_package(Parts& p, const Package& pkg, const OsRelease& os) {
  p.qualifiers["arch"] = pkg.arch;
  p.qualifiers["distro"] = distro_of(os);
}

}  // namespace

std::string make_purl(const Package& pkg, const OsRelease& os) {
  Parts p;
  p.name = pkg.name;
  p.version = pkg.version;
  const std::string& eco = pkg.ecosystem;
  if (eco == ecosystem::kDeb) {
    p.type = "deb";
    p.ns = os.family;  // "debian", "ubuntu"; none when the OS is unknown
    os_package(p, pkg, os);
  } else if (eco == ecosystem::kApk) {
    p.type = "apk";
    p.ns = os.family.empty() ? "alpine" : os.family;  // wolfi/chainguard keep their own namespace
    os_package(p, pkg, os);
  } else if (eco == ecosystem::kRpm) {
    p.type = "rpm";
    p.ns = os.family;
    os_package(p, pkg, os);
    std::string epoch;
    if (const std::string* e = pkg.property("epoch")) epoch = *e;
    if (auto colon = pkg.version.find(':'); colon != std::string::npos) {
      if (epoch.empty()) epoch = pkg.version.substr(0, colon);
      p.version = pkg.version.substr(colon + 1);
    }
    if (epoch != "0") p.qualifiers["epoch"] = epoch;  // epoch 0 is the default; rpm omits it too
  } else if (eco == ecosystem::kNpm) {
    p.type = "npm";
    std::string name = core::ascii_lower(pkg.name);
    if (!name.empty() && name[0] == '@') std::tie(p.ns, p.name) = split_last(name, '/');
    else p.name = name;
  } else if (eco == ecosystem::kPypi) {
    p.type = "pypi";
    p.name = core::ascii_lower(pkg.name);
    std::replace(p.name.begin(), p.name.end(), '_', '-');
  } else if (eco == ecosystem::kGo) {
    p.type = "golang";
    std::tie(p.ns, p.name) = split_last(pkg.name, '/');
  } else if (eco == ecosystem::kMaven) {
    p.type = "maven";
    std::tie(p.ns, p.name) = split_last(pkg.name, ':');
  } else if (eco == ecosystem::kCargo) {
    p.type = "cargo";
  } else if (eco == ecosystem::kGem) {
    p.type = "gem";
  } else if (eco == ecosystem::kComposer) {
    p.type = "composer";
    std::tie(p.ns, p.name) = split_last(core::ascii_lower(pkg.name), '/');
  } else {
    p.type = "generic";
  }
  return render(p);
}

void assign_purls(Inventory& inventory) {
  for (Package& pkg : inventory.packages)
    if (pkg.purl.empty()) pkg.purl = make_purl(pkg, inventory.os);
}

}  // namespace portcullis::scan
