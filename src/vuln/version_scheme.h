// Version schemes: how each ecosystem orders its versions.
//
// Matching an installed version against an advisory's ranges needs each
// ecosystem's own rules, bit-exact with the native tools (dpkg, rpm, apk,
// npm's node-semver, Python's packaging, Maven's ComparableVersion, RubyGems,
// Go modules). Each scheme is a stateless singleton, safe on any thread.
#pragma once
#include <optional>
#include <string_view>

namespace portcullis::vuln {

class VersionScheme {
 public:
  virtual ~VersionScheme() = default;
  // "deb", "rpm", "apk", "semver", "pep440", "maven", "gem", "go", ...
  virtual std::string_view name() const = 0;
  // Whether `v` is a version this scheme can order (its native tool accepts it).
  virtual bool valid(std::string_view v) const = 0;
  // <0, 0 or >0 as a is before, equal to, or after b; nullopt when either is
  // not valid in this scheme (the caller reports it rather than guessing).
  virtual std::optional<int> compare(std::string_view a, std::string_view b) const = 0;
};

// The scheme for an inventory ecosystem (scan/package.h: "deb", "apk", "rpm",
// "npm", "PyPI", "Go", "Maven", "crates.io", "RubyGems", "Packagist") or an OSV
// ecosystem name ("Debian:12", "Alpine:v3.18", "Rocky Linux:9", "NuGet", ...);
// nullptr when none is known.
const VersionScheme* scheme_for_ecosystem(std::string_view ecosystem);

// The schemes, one per file in versions/.
const VersionScheme& deb_scheme();      // versions/deb.cpp (libapt-pkg)
const VersionScheme& rpm_scheme();      // versions/rpm.cpp (librpm, epoch-aware EVR)
const VersionScheme& apk_scheme();      // versions/apk.cpp
const VersionScheme& semver_scheme();   // versions/semver.cpp (node-semver ordering; also crates.io)
const VersionScheme& pep440_scheme();   // versions/pep440.cpp
const VersionScheme& maven_scheme();    // versions/maven.cpp
const VersionScheme& gem_scheme();      // versions/gem.cpp
const VersionScheme& go_scheme();       // versions/go.cpp (semver with v prefix, +incompatible, pseudo-versions)
const VersionScheme& nuget_scheme();    // versions/semver.cpp (up to four numbers, case-insensitive labels)
const VersionScheme& packagist_scheme();  // versions/packagist.cpp (PHP version_compare)

}  // namespace portcullis::vuln
