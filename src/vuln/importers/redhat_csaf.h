// Red Hat CSAF documents: the per-CVE VEX files (category "csaf_vex",
// https://security.access.redhat.com/data/csaf/v2/vex/) and the RHSA
// advisories (category "csaf_security_advisory", .../csaf/v2/advisories/).
//
// A VEX document gives one Advisory per vulnerability (id = the CVE, the RHSA
// ids of its vendor_fix remediations as aliases); an RHSA document gives one
// Advisory with the RHSA id and its CVEs as aliases. Source "redhat-csaf".
//
// Products: a status entry names "<platform>:<component>" through
// product_tree.relationships. The platform's CPE picks the ecosystem:
// enterprise_linux, rhel_eus/aus/e4s/tus/els "<major>[.minor]" ->
// "redhat:<major>" (AppStream, BaseOS, CRB and EUS streams of a major share
// it). Other products (OpenShift, Satellite, ...) are left out: their rpms
// ship outside the RHEL repositories and would otherwise match RHEL images.
// The component's purl (pkg:rpm/redhat/NAME@V-R?arch=…&epoch=…&rpmmod=…) or
// else its NEVRA product id ("telnet-1:0.17-65.el7_6.src") gives the package
// name and, for fixes, the EVR ("1:0.17-65.el7_6"; epoch 0 is not written,
// rpm ordering treats a missing epoch as 0). Modular rpms are filed as
// "module:stream/name" (rpmmod "nodejs:18:…" -> "nodejs:18/nodejs");
// -debuginfo/-debugsource rpms and non-rpm components (pkg:oci) are left out.
//
// Fix states: fixed (or a vendor_fix remediation) -> fixed, range [0, EVR),
// per (ecosystem, package) the highest EVR as Trivy keeps it, every EVR in
// fixed_versions; known_not_affected -> not-affected; known_affected and
// under_investigation by remediation: no_fix_planned "Will not fix" (and
// anything else) -> will-not-fix, "Out of support scope" -> end-of-life;
// none_available "Deferred" -> postponed, otherwise unfixed. Severity: the
// threats' impact, Low/Moderate/Important/Critical -> low/medium/high/critical,
// per package and for the advisory (aggregate_severity, else the highest);
// CVSS v2/v3 vectors and scores with source "redhat".
#pragma once
#include <string_view>

#include "core/result.h"
#include "vuln/importers.h"

namespace portcullis::vuln {

// Parses one CSAF document held in memory. Never throws; a document that is
// not CSAF is an Error, a vulnerability without a CVE is skipped with a warning.
core::Result<void> parse_redhat_csaf(std::string_view json, const AdvisorySink& sink, ImportStats& stats);

}  // namespace portcullis::vuln
