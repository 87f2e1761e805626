// The Debian security tracker JSON export
// (https://security-tracker.debian.org/tracker/data/json):
//   { "<source package>": { "<CVE>": { description, debianbug, scope,
//       releases: { "<codename>": { status, fixed_version, urgency,
//                                   nodsa, nodsa_reason, repositories } } } } }
//
// One Advisory per CVE (source "debian-tracker"), with one AffectedPackage
// per (source package, release) in ecosystem "debian:<major>" ("debian:sid"
// for sid/unstable). Fix states, from the export's spelling:
//   resolved + fixed_version "0"   -> not-affected
//   resolved + fixed_version V     -> fixed, range [0, V), fixed_versions [V]
//   open + urgency "end-of-life"   -> end-of-life
//   open + nodsa (nodsa_reason "ignored" / "postponed" / other)
//                                  -> ignored / postponed / no-dsa
//   open otherwise                 -> unfixed
//   undetermined                   -> left out: the tracker does not know
//                                     whether the package is affected (Trivy
//                                     leaves these out too)
// Urgency, with the tracker's "*"/"**" (NVD-derived) marks dropped, gives the
// package's severity: unimportant -> negligible; low, medium, high as is;
// "not yet assigned", "end-of-life" -> none (empty). Releases with a codename
// this importer does not know are left out with a warning.
#pragma once
#include <string_view>

#include "core/result.h"
#include "vuln/importers.h"

namespace portcullis::vuln {

// Parses one export held in memory (the fuzz target's and tests' entry).
// Never throws; an input that is not a JSON object is an Error, a malformed
// package or CVE entry is skipped with a warning. A sink error stops the
// import and is returned.
core::Result<void> parse_debian_tracker(std::string_view json, const AdvisorySink& sink, ImportStats& stats);

// "debian:<major>" for a tracker codename, "" when unknown.
std::string debian_ecosystem_for_codename(std::string_view codename);

}  // namespace portcullis::vuln
