// JSON form of a Package, shared by the layer cache and the Portcullis JSON
// SBOM: every field under its C++ member name, properties as [key, value]
// pairs (order and repeated keys kept). The reader never throws.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "scan/package.h"

namespace portcullis::scan {

nlohmann::json package_to_json(const Package& pkg);
// An Error naming the offending field ("<where>.name: expected a string");
// absent or null fields keep their defaults.
core::Result<Package> read_package(const nlohmann::json& j, const std::string& where);

nlohmann::json os_fact_to_json(const OsFact& fact);
OsFact os_fact_from_json(const nlohmann::json& j);

}  // namespace portcullis::scan
