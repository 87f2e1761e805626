#include "scan/package_json.h"

namespace portcullis::scan {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void put(json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

}  // namespace

json package_to_json(const Package& pkg) {
  json j = json::object();
  j["ecosystem"] = pkg.ecosystem;
  j["name"] = pkg.name;
  j["version"] = pkg.version;
  put(j, "source_name", pkg.source_name);
  put(j, "source_version", pkg.source_version);
  put(j, "arch", pkg.arch);
  if (!pkg.licenses.empty()) j["licenses"] = pkg.licenses;
  put(j, "purl", pkg.purl);
  put(j, "layer", pkg.layer);
  put(j, "path", pkg.path);
  if (!pkg.properties.empty()) {
    json props = json::array();
    for (const auto& [k, v] : pkg.properties) props.push_back(json::array({k, v}));
    j["properties"] = std::move(props);
  }
  return j;
}

Package package_from_json(const json& j) {
  Package p;
  if (!j.is_object()) return p;
  p.ecosystem = str(j, "ecosystem");
  p.name = str(j, "name");
  p.version = str(j, "version");
  p.source_name = str(j, "source_name");
  p.source_version = str(j, "source_version");
  p.arch = str(j, "arch");
  if (auto it = j.find("licenses"); it != j.end() && it->is_array())
    for (const json& l : *it)
      if (l.is_string()) p.licenses.push_back(l.get<std::string>());
  p.purl = str(j, "purl");
  p.layer = str(j, "layer");
  p.path = str(j, "path");
  if (auto it = j.find("properties"); it != j.end() && it->is_array())
    for (const json& kv : *it)
      if (kv.is_array() && kv.size() == 2 && kv[0].is_string() && kv[1].is_string())
        p.properties.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
  return p;
}

json os_fact_to_json(const OsFact& f) {
  json j = json::object();
  put(j, "source", f.source);
  put(j, "family", f.family);
  put(j, "version", f.version);
  put(j, "name", f.name);
  put(j, "codename", f.codename);
  if (f.extended) j["extended"] = true;
  return j;
}

OsFact os_fact_from_json(const json& j) {
  OsFact f;
  if (!j.is_object()) return f;
  f.source = str(j, "source");
  f.family = str(j, "family");
  f.version = str(j, "version");
  f.name = str(j, "name");
  f.codename = str(j, "codename");
  auto e = j.find("extended");
  f.extended = e != j.end() && e->is_boolean() && e->get<bool>();
  return f;
}

}  // namespace portcullis::scan
