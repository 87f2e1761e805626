// The matcher: an inventory against the advisory database -> findings.
//
// OS packages are matched by their source package (dpkg Source, apk origin,
// rpm source RPM) under "<family>:<release>" (advisory.h), with the
// distribution's own version rules; language packages by ecosystem and name.
// A package is affected by an AffectedPackage row when its version is in one
// of the row's ranges (introduced inclusive, fixed and limit exclusive,
// last_affected inclusive) or equals one of its listed versions; a row with
// neither and an affected fix state (unfixed, no-dsa, ignored, postponed,
// end-of-life, will-not-fix) affects every version; not-affected rows never
// match. A version the scheme cannot read is a warning, never a guess.
//
// Severity: the distribution's rating of the package first, then the
// advisory's own, then the highest CVSS base score; "unknown" when nothing
// says. The finding records which one it took.
#pragma once
#include <string>
#include <vector>

#include "core/result.h"
#include "scan/inventory.h"
#include "vuln/advisory.h"
#include "vuln/advisory_db.h"

namespace portcullis::vuln {

struct Finding {
  std::string id;
  std::vector<std::string> aliases;
  scan::Package package;           // as the inventory has it (where it was found included)
  std::string matched_name;        // the name looked up (the source package for OS packages)
  std::string installed_version;   // the version compared (the source version for OS packages)
  std::vector<std::string> fixed_versions;
  std::string fix_state;
  std::string severity;            // normalised (advisory.h kSeverities)
  std::string severity_source;     // "debian-tracker", "osv", "cvss", ... or "" when unknown
  std::vector<Cvss> cvss;
  std::string title;
  std::vector<std::string> references;
  std::string feed;                // Advisory.source
};

struct MatchResult {
  std::vector<Finding> findings;   // ordered by package, then id
  std::vector<std::string> warnings;
};

core::Result<MatchResult> match_inventory(const scan::Inventory& inventory, AdvisoryDb& db);

// The ecosystem key and name an inventory package is looked up under, and
// the version compared; empty key when the package's OS is not known.
struct MatchKey {
  std::string ecosystem;
  std::string name;
  std::string version;
};
MatchKey match_key(const scan::Package& pkg, const scan::OsRelease& os);

// Severity rank (0 unknown .. 5 critical); -1 for a word that is not one.
int severity_rank(std::string_view severity);
// A CVSS base score's severity word (CVSS v3 bands).
std::string severity_of_score(double score);

}  // namespace portcullis::vuln
