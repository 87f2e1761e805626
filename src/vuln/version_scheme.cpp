// Ecosystem name -> version scheme. OSV suffixes a release to OS ecosystems
// ("Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.18", "Rocky Linux:9"), and the
// release never changes how versions order, so only the part before the first
// ':' decides. Names are matched exactly as OSV and the inventory spell them.
#include <array>
#include <utility>

#include "vuln/version_scheme.h"
#include "vuln/versions/version_util.h"

namespace portcullis::vuln {

const VersionScheme* scheme_for_ecosystem(std::string_view ecosystem) {
  std::string_view base = ecosystem.substr(0, ecosystem.find(':'));
  using Get = const VersionScheme& (*)();
  static const std::array<std::pair<std::string_view, Get>, 27> kTable{{
      {"deb", deb_scheme},
      {"Debian", deb_scheme},
      {"Ubuntu", deb_scheme},
      {"apk", apk_scheme},
      {"Alpine", apk_scheme},
      {"Wolfi", apk_scheme},
      {"Chainguard", apk_scheme},
      {"rpm", rpm_scheme},
      {"Red Hat", rpm_scheme},
      {"AlmaLinux", rpm_scheme},
      {"Rocky Linux", rpm_scheme},
      {"openSUSE", rpm_scheme},
      {"SUSE", rpm_scheme},
      {"Mageia", rpm_scheme},
      {"openEuler", rpm_scheme},
      {"Photon OS", rpm_scheme},
      {"Azure Linux", rpm_scheme},
      {"npm", semver_scheme},
      {"crates.io", semver_scheme},
      {"PyPI", pep440_scheme},
      {"Go", go_scheme},
      {"golang", go_scheme},
      {"Maven", maven_scheme},
      {"RubyGems", gem_scheme},
      {"Packagist", packagist_scheme},
      {"NuGet", nuget_scheme},
      {"Hex", semver_scheme},
  }};
  for (const auto& [name, get] : kTable)
    if (name == base) return &get();
  return nullptr;
}

}  // namespace portcullis::vuln
