// What an inventory is made of: packages, OS facts, and per-layer results.
//
// Every analyzer reports into these types, the layer cache stores them, the
// SBOM writers and (later) the vulnerability matcher read them. They are plain
// values with no behaviour beyond the helpers declared here.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace portcullis::scan {

// Ecosystem names. OS package managers use their tool's name; language
// ecosystems use the names OSV uses, so matching can key on them directly.
namespace ecosystem {
inline constexpr const char* kDeb = "deb";
inline constexpr const char* kApk = "apk";
inline constexpr const char* kRpm = "rpm";
inline constexpr const char* kNpm = "npm";
inline constexpr const char* kPypi = "PyPI";
inline constexpr const char* kGo = "Go";
inline constexpr const char* kMaven = "Maven";
inline constexpr const char* kCargo = "crates.io";
inline constexpr const char* kGem = "RubyGems";
inline constexpr const char* kComposer = "Packagist";
}  // namespace ecosystem

// One installed package.
struct Package {
  std::string ecosystem;  // one of ecosystem::k*
  std::string name;       // as the package manager names it (npm: "@scope/name"; Maven: "group:artifact")
  // The complete version the package manager's own comparison takes:
  // dpkg "[epoch:]upstream[-revision]", rpm "[epoch:]version-release",
  // apk "1.2.3-r0", language packages as written in their metadata.
  std::string version;
  std::string source_name;     // dpkg Source, apk origin, rpm source RPM name; empty when none
  std::string source_version;  // version of the source package; empty when none
  std::string arch;
  std::vector<std::string> licenses;  // as declared (SPDX expressions or free text)
  std::string purl;                   // package URL; filled by assign_purls() when empty
  // Where it was found: the layer's diffID (sha256:...) and the file inside the image.
  std::string layer;
  std::string path;
  // Ecosystem-specific extras, e.g. {"epoch","1"}, {"modularitylabel","..."}, {"sourcerpm","..."}.
  std::vector<std::pair<std::string, std::string>> properties;

  const std::string* property(const std::string& key) const {
    for (const auto& [k, v] : properties)
      if (k == key) return &v;
    return nullptr;
  }
};

// What one OS release file says. Analyzers report facts; merge_os_facts()
// (os_release.h) turns the facts of an image into one OsRelease.
struct OsFact {
  std::string source;    // the file it came from ("etc/os-release")
  std::string family;    // normalised family id: "debian", "ubuntu", "alpine", "redhat", "centos", ...
  std::string version;   // as the file gives it ("12.4", "3.10.2", "buster/sid")
  std::string name;      // human name ("Debian GNU/Linux 12 (bookworm)")
  std::string codename;  // "bookworm", when given
  bool extended = false; // Ubuntu ESM / Pro enabled
};

// The OS of an image. `family` empty means no OS was recognised.
struct OsRelease {
  std::string family;
  std::string version;          // as detected ("12.4", "3.10.2")
  std::string release;          // normalised for matching: Debian major ("12"), Alpine minor ("3.10"), RHEL major...
  std::string name;
  std::string codename;
  bool extended = false;
};

// What one analyzer found in one file of one layer. The unit of the layer
// merge: a later layer's result for the same (path, analyzer) replaces it,
// a whiteout of the path (or of a parent directory) removes it.
struct FileResult {
  std::string path;      // clean, relative ("var/lib/dpkg/status")
  std::string analyzer;  // Analyzer::name()
  std::vector<Package> packages;
  std::optional<OsFact> os;
  std::vector<std::string> warnings;  // problems with this file's content; the file's usable part still counts
};

// Everything read from one layer: cached by (diffID, analyzer versions).
struct LayerResult {
  std::string diff_id;  // sha256 of the uncompressed tar; empty for a dir: source
  std::vector<FileResult> files;
  std::vector<std::string> whiteouts;    // paths this layer deletes from lower layers
  std::vector<std::string> opaque_dirs;  // directories whose lower-layer content this layer hides
  std::vector<std::string> warnings;     // problems with the layer itself (unsafe paths, limits, truncation)
  std::uint64_t entries = 0;             // tar entries seen
  std::uint64_t bytes = 0;               // uncompressed bytes read
};

}  // namespace portcullis::scan
