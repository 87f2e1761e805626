// node-semver, bit-exact: version parsing (strict and loose), ordering, and
// npm's range grammar (`||`, hyphen ranges, x-ranges, `~`, `^`, comparators,
// the prerelease rule). npm advisories and package.json ranges are written
// against node-semver's behaviour, quirks included, so this follows it rather
// than SemVer 2.0.0 alone.
//
// Bounds (all inputs are untrusted): versions longer than 256 characters and
// numeric parts above 2^53-1 are invalid, as in node-semver; ranges longer
// than kMaxRangeLength are unsatisfiable. Nothing here throws.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::vuln::npm {

struct SemVer {
  std::uint64_t major = 0, minor = 0, patch = 0;
  // Prerelease identifiers as written; all-digit ones order numerically.
  std::vector<std::string> prerelease;
  std::vector<std::string> build;  // ignored by ordering
};

struct Options {
  bool loose = false;               // accept `v 1.2.3`, `=1.2.3`, `1.2.3beta`, leading zeros
  bool include_prerelease = false;  // ranges match prereleases of any tuple
};

inline constexpr std::size_t kMaxVersionLength = 256;
inline constexpr std::size_t kMaxRangeLength = 2048;

// nullopt when node-semver's `new SemVer(v, {loose})` would throw.
std::optional<SemVer> parse(std::string_view v, bool loose = false);

// node-semver compare(): main tuple, then prerelease (none > any); build ignored.
int compare(const SemVer& a, const SemVer& b);

// node-semver satisfies(version, range, options): false when either the
// range or the version is invalid under `opts`.
bool satisfies(std::string_view range, std::string_view version, Options opts = {});

}  // namespace portcullis::vuln::npm
