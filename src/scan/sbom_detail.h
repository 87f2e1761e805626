// What the SBOM writers share, defined in sbom.cpp: document time and
// serial, the image's own purl, and SPDX licence knowledge. Also the two
// writers sbom.cpp dispatches to.
#pragma once
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "scan/inventory.h"
#include "scan/sbom.h"

namespace portcullis::scan {

namespace sbom_detail {

// The SPDX list's spelling of a licence id we know (matched without regard
// to case), or nullopt.
std::optional<std::string> canonical_license_id(std::string_view id);
// `text` as a valid SPDX expression over known ids, normalised; nullopt if it is not one.
std::optional<std::string> normalize_license_expression(std::string_view text);
// `text` is an expression rather than one licence: it has an operator or parentheses.
bool is_compound_license(std::string_view text);
// options.timestamp, or now (RFC 3339 UTC).
std::string document_timestamp(const SbomOptions& options);
// A lower-case UUID: options.serial when it is one, derived from it when it
// is some other string, random when it is empty.
std::string document_uuid(const SbomOptions& options);
// pkg:oci/... for the image itself.
std::string image_purl(const Inventory& inv);

}  // namespace sbom_detail

// Defined in sbom_cyclonedx.cpp and sbom_spdx.cpp.
void write_cyclonedx_json(const Inventory& inventory, const SbomOptions& options, std::ostream& out);
void write_spdx_json(const Inventory& inventory, const SbomOptions& options, std::ostream& out);

}  // namespace portcullis::scan
