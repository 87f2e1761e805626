// SBOM writers: an Inventory as a table, Portcullis JSON, CycloneDX 1.5 JSON
// or SPDX 2.3 JSON. Output is deterministic for the same inventory except for
// the document timestamp and serial number/namespace, which writers take
// from `SbomOptions` so tests can fix them.
#pragma once
#include <ostream>
#include <string>
#include <string_view>

#include "core/result.h"
#include "scan/inventory.h"

namespace portcullis::scan {

enum class SbomFormat { table, json, cyclonedx_json, spdx_json };

// "table", "json", "cyclonedx-json" (also "cyclonedx"), "spdx-json" (also "spdx").
core::Result<SbomFormat> parse_sbom_format(std::string_view name);

struct SbomOptions {
  std::string tool_version = "0.0.0";
  std::string timestamp;  // RFC 3339 UTC; empty = now
  std::string serial;     // UUID for CycloneDX serialNumber / SPDX namespace; empty = random
};

void write_sbom(const Inventory& inventory, SbomFormat format, const SbomOptions& options, std::ostream& out);

// The Portcullis JSON form, which read_inventory_json() reads back.
std::string inventory_to_json(const Inventory& inventory);
core::Result<Inventory> inventory_from_json(std::string_view text);

}  // namespace portcullis::scan
