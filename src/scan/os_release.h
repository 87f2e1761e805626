// OS detection: the merge and normalisation rules for OS facts.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "scan/package.h"

namespace portcullis::scan {

// One OsRelease from the facts of an image's surviving release files, given
// in image order (lower layers first, then by path). Implements the rules of
// DESIGN/research §1: a family detected later overrides "debian" or
// "redhat" (Ubuntu ships etc/debian_version, Oracle etc/redhat-release);
// otherwise the first fact with a family wins, later facts only fill fields
// it left empty; `extended` is or-ed. `release` is normalised for matching.
OsRelease merge_os_facts(const std::vector<OsFact>& facts);

// The release key advisories are filed under: Debian and RHEL-like major
// ("10.3" -> "10"), Alpine minor ("3.10.2" -> "3.10"), Ubuntu as is ("18.04"),
// Amazon "1"/"2"/"2022"/"2023"; others unchanged.
std::string normalize_release(std::string_view family, std::string_view version);

}  // namespace portcullis::scan
