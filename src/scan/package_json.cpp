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

json package_to_json(const Package& p) {
  json props = json::array();
  for (const auto& [k, v] : p.properties) props.push_back(json::array({k, v}));
  return json{{"ecosystem", p.ecosystem},     {"name", p.name},       {"version", p.version},
              {"source_name", p.source_name}, {"source_version", p.source_version},
              {"arch", p.arch},               {"licenses", p.licenses}, {"purl", p.purl},
              {"layer", p.layer},             {"path", p.path},       {"properties", std::move(props)}};
}

core::Result<Package> read_package(const json& v, const std::string& where) {
  auto bad = [&](const std::string& what) { return core::make_error(core::ErrorCode::InvalidArgument, where + what); };
  if (!v.is_object()) return bad(": expected an object");
  Package p;
  const std::pair<const char*, std::string*> strings[] = {
      {"ecosystem", &p.ecosystem}, {"name", &p.name},     {"version", &p.version}, {"source_name", &p.source_name},
      {"source_version", &p.source_version}, {"arch", &p.arch}, {"purl", &p.purl}, {"layer", &p.layer},
      {"path", &p.path}};
  for (const auto& [key, out] : strings) {
    auto it = v.find(key);
    if (it == v.end() || it->is_null()) continue;
    if (!it->is_string()) return bad(std::string(".") + key + ": expected a string");
    *out = it->get<std::string>();
  }
  if (auto it = v.find("licenses"); it != v.end() && !it->is_null()) {
    if (!it->is_array()) return bad(".licenses: expected an array of strings");
    for (const json& l : *it) {
      if (!l.is_string()) return bad(".licenses: expected an array of strings");
      p.licenses.push_back(l.get<std::string>());
    }
  }
  if (auto it = v.find("properties"); it != v.end() && !it->is_null()) {
    if (!it->is_array()) return bad(".properties: expected an array of [key, value] pairs");
    for (const json& kv : *it) {
      if (!kv.is_array() || kv.size() != 2 || !kv[0].is_string() || !kv[1].is_string())
        return bad(".properties: expected an array of [key, value] pairs");
      p.properties.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
    }
  }
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
