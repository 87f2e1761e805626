// The Portcullis JSON form of an Inventory: every field of Inventory,
// OsRelease, LayerInfo and Package, under the same names as the C++ members,
// so inventory_from_json(inventory_to_json(x)) == x.
//
// Two things JSON cannot carry are handled explicitly: bytes that are not
// UTF-8 (a package database may hold Latin-1 text) are written as U+FFFD
// rather than making the writer throw; and property pairs are written as
// [key, value] arrays, keeping their order and any repeated key.
//
// The reader never throws: every parse or type error becomes an
// InvalidArgument Error naming the offending field.
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "scan/package_json.h"
#include "scan/sbom.h"

namespace portcullis::scan {
namespace {

using nlohmann::json;

constexpr int kFormatVersion = 1;

// Thrown inside the reader only, turned into an Error at its boundary.
struct FieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const json* member(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;  // absent fields keep their defaults
  return &*it;
}

void get(const json& obj, const char* key, std::string& out, const std::string& where) {
  if (const json* v = member(obj, key, where)) {
    if (!v->is_string()) throw FieldError(where + key + ": expected a string");
    out = v->get<std::string>();
  }
}

void get(const json& obj, const char* key, bool& out, const std::string& where) {
  if (const json* v = member(obj, key, where)) {
    if (!v->is_boolean()) throw FieldError(where + key + ": expected true or false");
    out = v->get<bool>();
  }
}

void get(const json& obj, const char* key, std::uint64_t& out, const std::string& where) {
  if (const json* v = member(obj, key, where)) {
    if (!v->is_number_unsigned()) throw FieldError(where + key + ": expected a non-negative integer");
    out = v->get<std::uint64_t>();
  }
}

void get(const json& obj, const char* key, std::vector<std::string>& out, const std::string& where) {
  if (const json* v = member(obj, key, where)) {
    if (!v->is_array()) throw FieldError(where + key + ": expected an array of strings");
    for (const json& s : *v) {
      if (!s.is_string()) throw FieldError(where + key + ": expected an array of strings");
      out.push_back(s.get<std::string>());
    }
  }
}

const json& object_at(const json& v, const std::string& where) {
  if (!v.is_object()) throw FieldError(where + ": expected an object");
  return v;
}

Inventory inventory_from(const json& doc) {
  object_at(doc, "inventory");
  if (const json* fv = member(doc, "format_version", "")) {
    if (!fv->is_number_integer() || fv->get<long long>() != kFormatVersion)
      throw FieldError("format_version: unsupported (this build reads version " + std::to_string(kFormatVersion) + ")");
  }
  Inventory inv;
  get(doc, "image", inv.image, "");
  get(doc, "manifest_digest", inv.manifest_digest, "");
  get(doc, "config_digest", inv.config_digest, "");
  get(doc, "platform", inv.platform, "");
  get(doc, "repo_tags", inv.repo_tags, "");
  if (const json* os = member(doc, "os", "")) {
    object_at(*os, "os");
    get(*os, "family", inv.os.family, "os.");
    get(*os, "version", inv.os.version, "os.");
    get(*os, "release", inv.os.release, "os.");
    get(*os, "name", inv.os.name, "os.");
    get(*os, "codename", inv.os.codename, "os.");
    get(*os, "extended", inv.os.extended, "os.");
  }
  if (const json* layers = member(doc, "layers", "")) {
    if (!layers->is_array()) throw FieldError("layers: expected an array");
    for (std::size_t i = 0; i < layers->size(); ++i) {
      std::string w = "layers[" + std::to_string(i) + "].";
      const json& l = object_at((*layers)[i], w);
      LayerInfo info;
      get(l, "digest", info.digest, w);
      get(l, "diff_id", info.diff_id, w);
      get(l, "media_type", info.media_type, w);
      get(l, "size", info.size, w);
      inv.layers.push_back(std::move(info));
    }
  }
  if (const json* pkgs = member(doc, "packages", "")) {
    if (!pkgs->is_array()) throw FieldError("packages: expected an array");
    for (std::size_t i = 0; i < pkgs->size(); ++i) {
      auto p = read_package((*pkgs)[i], "packages[" + std::to_string(i) + "]");
      if (!p) throw FieldError(p.error().message);
      inv.packages.push_back(std::move(*p));
    }
  }
  get(doc, "warnings", inv.warnings, "");
  return inv;
}

}  // namespace

std::string inventory_to_json(const Inventory& inv) {
  json layers = json::array();
  for (const LayerInfo& l : inv.layers)
    layers.push_back({{"digest", l.digest}, {"diff_id", l.diff_id}, {"media_type", l.media_type}, {"size", l.size}});
  json packages = json::array();
  for (const Package& p : inv.packages) packages.push_back(package_to_json(p));
  json doc = {
      {"format_version", kFormatVersion},
      {"image", inv.image},
      {"manifest_digest", inv.manifest_digest},
      {"config_digest", inv.config_digest},
      {"platform", inv.platform},
      {"repo_tags", inv.repo_tags},
      {"os",
       {{"family", inv.os.family},
        {"version", inv.os.version},
        {"release", inv.os.release},
        {"name", inv.os.name},
        {"codename", inv.os.codename},
        {"extended", inv.os.extended}}},
      {"layers", std::move(layers)},
      {"packages", std::move(packages)},
      {"warnings", inv.warnings},
  };
  return doc.dump(2, ' ', false, json::error_handler_t::replace);
}

core::Result<Inventory> inventory_from_json(std::string_view text) {
  try {
    return inventory_from(json::parse(text));
  } catch (const json::parse_error& e) {
    return core::make_error(core::ErrorCode::InvalidArgument, std::string("inventory JSON: ") + e.what());
  } catch (const FieldError& e) {
    return core::make_error(core::ErrorCode::InvalidArgument, std::string("inventory JSON: ") + e.what());
  } catch (const std::exception& e) {
    return core::make_error(core::ErrorCode::InvalidArgument, std::string("inventory JSON: ") + e.what());
  }
}

}  // namespace portcullis::scan
