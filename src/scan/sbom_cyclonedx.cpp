// CycloneDX 1.5 JSON (https://cyclonedx.org/docs/1.5/json/): the image is
// metadata.component (type container, purl pkg:oci/...), its OS is an
// "operating-system" component, every package a "library" component, and
// one dependency entry says the image contains all of them (package-to-
// package edges are not known to the inventory, so none are claimed).
//
// Licences follow the schema's licenseChoice rule: either a list of
// {license: {id|name}} or a single {expression}. A known SPDX id becomes
// license.id (the schema checks ids against the SPDX list, so an unknown
// id would make the document invalid); free text becomes license.name;
// compound expressions become one expression when every id in them is
// known, otherwise each declared string is kept as a name.
#include <optional>
#include <ostream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "scan/purl.h"
#include "scan/sbom.h"
#include "scan/sbom_detail.h"

namespace portcullis::scan {

namespace {

using json = nlohmann::ordered_json;  // keeps the order fields are written in
namespace d = sbom_detail;

json licenses_of(const std::vector<std::string>& declared) {
  json out = json::array();
  bool compound = false;
  for (const std::string& l : declared) compound = compound || d::is_compound_license(l);
  if (compound) {
    // One expression for all: the package is under every declared licence.
    std::string joined;
    bool valid = true;
    for (const std::string& l : declared) {
      auto norm = d::normalize_license_expression(l);
      if (!norm) { valid = false; break; }
      if (!joined.empty()) joined += " AND ";
      joined += declared.size() > 1 && d::is_compound_license(*norm) ? "(" + *norm + ")" : *norm;
    }
    if (valid) return json::array({{{"expression", joined}}});
  }
  for (const std::string& l : declared) {
    if (l.empty()) continue;
    if (auto id = d::canonical_license_id(l)) out.push_back({{"license", {{"id", *id}}}});
    else out.push_back({{"license", {{"name", l}}}});
  }
  return out;
}

void add_property(json& props, const std::string& name, const std::string& value) {
  if (!value.empty()) props.push_back({{"name", name}, {"value", value}});
}

// bom-refs must be unique within the document; identical packages (the
// same purl found in two places) get "#2", "#3", ... appended.
std::string unique_ref(std::set<std::string>& used, const std::string& base) {
  std::string ref = base;
  for (int n = 2; !used.insert(ref).second; ++n) ref = base + "#" + std::to_string(n);
  return ref;
}

json component_of(const Package& p, const OsRelease& os, std::set<std::string>& used, std::string& ref_out) {
  std::string purl = p.purl.empty() ? make_purl(p, os) : p.purl;
  ref_out = unique_ref(used, purl);
  json c = {{"bom-ref", ref_out}, {"type", "library"}};
  // CycloneDX's group is the Maven groupId / npm scope.
  std::string group, name = p.name;
  if (p.ecosystem == ecosystem::kMaven) {
    if (auto colon = name.rfind(':'); colon != std::string::npos) {
      group = name.substr(0, colon);
      name = name.substr(colon + 1);
    }
  } else if (p.ecosystem == ecosystem::kNpm && !name.empty() && name[0] == '@') {
    if (auto slash = name.find('/'); slash != std::string::npos) {
      group = name.substr(0, slash);
      name = name.substr(slash + 1);
    }
  }
  if (!group.empty()) c["group"] = group;
  c["name"] = name;
  if (!p.version.empty()) c["version"] = p.version;
  json lic = licenses_of(p.licenses);
  if (!lic.empty()) c["licenses"] = std::move(lic);
  c["purl"] = purl;
  json props = json::array();
  add_property(props, "portcullis:package:ecosystem", p.ecosystem);
  add_property(props, "portcullis:package:arch", p.arch);
  add_property(props, "portcullis:package:source_name", p.source_name);
  add_property(props, "portcullis:package:source_version", p.source_version);
  add_property(props, "portcullis:layer:diff_id", p.layer);
  add_property(props, "portcullis:package:path", p.path);
  for (const auto& [k, v] : p.properties) add_property(props, "portcullis:package:property:" + k, v);
  if (!props.empty()) c["properties"] = std::move(props);
  return c;
}

}  // namespace

void write_cyclonedx_json(const Inventory& inv, const SbomOptions& options, std::ostream& out) {
  std::set<std::string> used;
  std::string image_ref = unique_ref(used, d::image_purl(inv));

  json image = {{"bom-ref", image_ref}, {"type", "container"}, {"name", inv.image.empty() ? "image" : inv.image}};
  if (!inv.manifest_digest.empty()) image["version"] = inv.manifest_digest;
  image["purl"] = image_ref;
  json image_props = json::array();
  add_property(image_props, "portcullis:image:config_digest", inv.config_digest);
  add_property(image_props, "portcullis:image:platform", inv.platform);
  for (const std::string& t : inv.repo_tags) add_property(image_props, "portcullis:image:repo_tag", t);
  for (const LayerInfo& l : inv.layers) add_property(image_props, "portcullis:image:layer_diff_id", l.diff_id);
  if (!image_props.empty()) image["properties"] = std::move(image_props);

  json components = json::array();
  json depends = json::array();
  if (!inv.os.family.empty()) {
    std::string ref = unique_ref(used, "portcullis:os:" + inv.os.family + "@" + inv.os.version);
    json os = {{"bom-ref", ref}, {"type", "operating-system"}, {"name", inv.os.family}};
    if (!inv.os.version.empty()) os["version"] = inv.os.version;
    if (!inv.os.name.empty()) os["description"] = inv.os.name;
    json props = json::array();
    add_property(props, "portcullis:os:release", inv.os.release);
    add_property(props, "portcullis:os:codename", inv.os.codename);
    if (inv.os.extended) add_property(props, "portcullis:os:extended", "true");
    if (!props.empty()) os["properties"] = std::move(props);
    components.push_back(std::move(os));
    depends.push_back(ref);
  }
  for (const Package& p : inv.packages) {
    std::string ref;
    components.push_back(component_of(p, inv.os, used, ref));
    depends.push_back(std::move(ref));
  }

  json doc = {
      {"$schema", "http://cyclonedx.org/schema/bom-1.5.schema.json"},
      {"bomFormat", "CycloneDX"},
      {"specVersion", "1.5"},
      {"serialNumber", "urn:uuid:" + d::document_uuid(options)},
      {"version", 1},
      {"metadata",
       {{"timestamp", d::document_timestamp(options)},
        {"tools",
         {{"components",
           json::array({{{"type", "application"}, {"author", "Portcullis"}, {"name", "portcullis"},
                         {"version", options.tool_version}}})}}},
        {"component", std::move(image)}}},
      {"components", std::move(components)},
      {"dependencies", json::array({{{"ref", image_ref}, {"dependsOn", std::move(depends)}}})},
  };
  out << doc.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

}  // namespace portcullis::scan
