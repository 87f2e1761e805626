// Alpine secdb JSON (https://secdb.alpinelinux.org/v3.X/{main,community}.json):
//   { distroversion: "v3.10", reponame, urlprefix, apkurl, archs,
//     packages: [ { pkg: { name, secfixes: { "<fixed version>": ["CVE-…", …] } } } ] }
// and the same record one package per file (vuln-list's form: the pkg fields
// at the top level next to distroversion).
//
// One Advisory per identifier per file (source "alpine-secdb"), with one
// AffectedPackage per (identifier, origin package) in ecosystem
// "alpine:<minor>" ("alpine:edge"). Wolfi's secdb (no distroversion,
// urlprefix at packages.wolfi.dev) is filed under "wolfi": Wolfi is rolling,
// so it has no release to key on. Secfix key "0" lists identifiers that
// never affected the package -> not-affected; any other key V -> fixed,
// range [0, V), fixed_versions [V] (when one identifier is listed under two
// versions of a package the highest is the fix, all are kept for reports).
// A secfix line may carry several identifiers and comments:
// "CVE-2016-10013 XSA-204", "CVE-2017-2616 (+ regression fix)": each CVE is
// its own advisory with the line's other identifiers (XSA, GHSA, TALOS) as
// aliases; a line without a CVE is filed under its first identifier (GHSA).
// Typos seen in the real feed ("CVE 2018-16859", "CVE_2019-2426") are read as
// the CVE they name. Alpine publishes no severities.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "vuln/importers.h"

namespace portcullis::vuln {

// Parses one secdb document held in memory. Never throws; a document that is
// not a secdb object (or of unknown distribution) is an Error.
core::Result<void> parse_alpine_secdb(std::string_view json, const AdvisorySink& sink, ImportStats& stats);

// The identifiers of one secfix line, primary first for each CVE: returns
// one list per advisory, [id, aliases...].
std::vector<std::vector<std::string>> alpine_secfix_ids(std::string_view line);

}  // namespace portcullis::vuln
