// Advisories as the database keeps them, whatever feed they came from.
//
// Every importer turns its native records into these values; the matcher
// reads only these. An AffectedPackage says, for one ecosystem and package,
// which versions are affected (OSV-style range events and/or an explicit
// version list, compared with the ecosystem's VersionScheme) and in what fix
// state the distribution or advisory puts it.
#pragma once
#include <string>
#include <vector>

namespace portcullis::vuln {

// Normalised severities, lowest first. "unknown" when nothing says.
inline constexpr const char* kSeverities[] = {"unknown", "negligible", "low", "medium", "high", "critical"};

// Fix states. The Debian tracker's words are kept where they exist.
namespace fix_state {
inline constexpr const char* kFixed = "fixed";            // versions before `fixed` are affected
inline constexpr const char* kUnfixed = "unfixed";        // affected, no fixed version yet
inline constexpr const char* kNoDsa = "no-dsa";           // affected; Debian will not issue an advisory (minor)
inline constexpr const char* kIgnored = "ignored";        // affected; Debian decided not to fix
inline constexpr const char* kPostponed = "postponed";    // affected; fix postponed
inline constexpr const char* kEndOfLife = "end-of-life";  // affected; release or package no longer supported
inline constexpr const char* kNotAffected = "not-affected";
inline constexpr const char* kWillNotFix = "will-not-fix";  // Red Hat "Will not fix" and similar
}  // namespace fix_state

// One OSV-style range: events in one scheme. Empty strings are absent events;
// introduced "" or "0" means from the first version.
struct Range {
  std::string introduced;
  std::string fixed;
  std::string last_affected;
  std::string limit;
};

struct AffectedPackage {
  // Matching key: the inventory's ecosystem for language packages ("npm",
  // "PyPI", "Go", "Maven", "crates.io", "RubyGems", "Packagist", "NuGet") or
  // "<family>:<release>" for OS packages ("debian:12", "ubuntu:22.04",
  // "alpine:3.18", "redhat:9", "almalinux:9", "rocky:9") with release as
  // scan::normalize_release() gives it.
  std::string ecosystem;
  std::string package;            // OS: the source package name; Maven "group:artifact"
  std::vector<Range> ranges;      // affected when inside any range
  std::vector<std::string> versions;  // affected when equal to one of these
  std::string fix_state = fix_state::kFixed;
  std::string severity;           // this package's rating by the distribution (normalised), when it has one
  std::vector<std::string> fixed_versions;  // for reports: every version that fixes it
};

struct Cvss {
  std::string version;  // "2.0", "3.0", "3.1", "4.0"
  std::string vector;   // "CVSS:3.1/AV:N/..."
  double score = 0;     // base score; 0 when only the vector is known and could not be scored
  std::string source;   // who rated: "nvd", "ghsa", "debian", "redhat", ...
};

struct Advisory {
  std::string id;                    // "CVE-2021-23337", "GHSA-35jh-r3h4-6jhm", "DSA-3029-1", "RHSA-..."
  std::vector<std::string> aliases;  // other ids of the same issue
  std::string source;                // the feed: "osv", "debian-tracker", "alpine-secdb", "redhat-csaf"
  std::string title;
  std::string description;
  std::string severity;              // the advisory's own rating (normalised), when it has one
  std::vector<Cvss> cvss;
  std::vector<std::string> references;  // URLs
  std::string published;             // RFC 3339, when known
  std::string modified;
  std::vector<AffectedPackage> affected;
};

}  // namespace portcullis::vuln
