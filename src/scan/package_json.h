// JSON forms of the inventory value types, shared by the layer cache and the
// Portcullis JSON SBOM. Readers never throw: a value of the wrong type reads
// as empty, and the caller decides whether that is an error.
#pragma once
#include <nlohmann/json.hpp>

#include "scan/package.h"

namespace portcullis::scan {

nlohmann::json package_to_json(const Package& pkg);
Package package_from_json(const nlohmann::json& j);
nlohmann::json os_fact_to_json(const OsFact& fact);
OsFact os_fact_from_json(const nlohmann::json& j);

}  // namespace portcullis::scan
