// The layer cache's document format and key (scanner.h).
#include <nlohmann/json.hpp>

#include "core/digest.h"
#include "scan/package_json.h"
#include "scan/scanner.h"

namespace portcullis::scan {
namespace {

using nlohmann::json;
// Bump when the document's shape or the merge's expectations of it change.
constexpr int kLayerResultFormat = 1;

json strings(const std::vector<std::string>& v) { return v.empty() ? json::array() : json(v); }

std::vector<std::string> read_strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (auto it = j.find(key); it != j.end() && it->is_array())
    for (const json& s : *it)
      if (s.is_string()) out.push_back(s.get<std::string>());
  return out;
}

}  // namespace

std::string layer_cache_key(std::string_view diff_id, const AnalyzerList& analyzers) {
  std::string material = "portcullis-layer-result/" + std::to_string(kLayerResultFormat) + "\n" + std::string(diff_id) + "\n";
  for (const auto& a : analyzers) material += std::string(a->name()) + "=" + std::to_string(a->version()) + "\n";
  return core::Digest::of(core::DigestAlgorithm::Sha256, material).str();
}

std::string encode_layer_result(const LayerResult& r) {
  json j = json::object();
  j["format"] = kLayerResultFormat;
  j["diff_id"] = r.diff_id;
  j["entries"] = r.entries;
  j["bytes"] = r.bytes;
  j["whiteouts"] = strings(r.whiteouts);
  j["opaque_dirs"] = strings(r.opaque_dirs);
  j["warnings"] = strings(r.warnings);
  json files = json::array();
  for (const FileResult& f : r.files) {
    json fj = json::object();
    fj["path"] = f.path;
    fj["analyzer"] = f.analyzer;
    if (!f.packages.empty()) {
      json pkgs = json::array();
      for (const Package& p : f.packages) pkgs.push_back(package_to_json(p));
      fj["packages"] = std::move(pkgs);
    }
    if (f.os) fj["os"] = os_fact_to_json(*f.os);
    if (!f.warnings.empty()) fj["warnings"] = f.warnings;
    files.push_back(std::move(fj));
  }
  j["files"] = std::move(files);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

core::Result<LayerResult> decode_layer_result(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("format") || j["format"] != kLayerResultFormat)
    return core::make_error(core::ErrorCode::InvalidArgument, "not a layer result of format " + std::to_string(kLayerResultFormat));
  LayerResult r;
  if (auto d = j.find("diff_id"); d != j.end() && d->is_string()) r.diff_id = d->get<std::string>();
  if (auto e = j.find("entries"); e != j.end() && e->is_number_unsigned()) r.entries = e->get<std::uint64_t>();
  if (auto b = j.find("bytes"); b != j.end() && b->is_number_unsigned()) r.bytes = b->get<std::uint64_t>();
  r.whiteouts = read_strings(j, "whiteouts");
  r.opaque_dirs = read_strings(j, "opaque_dirs");
  r.warnings = read_strings(j, "warnings");
  if (auto files = j.find("files"); files != j.end() && files->is_array()) {
    for (const json& fj : *files) {
      if (!fj.is_object()) continue;
      FileResult f;
      if (auto p = fj.find("path"); p != fj.end() && p->is_string()) f.path = p->get<std::string>();
      if (auto a = fj.find("analyzer"); a != fj.end() && a->is_string()) f.analyzer = a->get<std::string>();
      if (auto pk = fj.find("packages"); pk != fj.end() && pk->is_array())
        for (const json& p : *pk) {
          auto pkg = read_package(p, f.path);
          if (!pkg) return pkg.error();
          f.packages.push_back(std::move(*pkg));
        }
      if (auto os = fj.find("os"); os != fj.end() && os->is_object()) f.os = os_fact_from_json(*os);
      f.warnings = read_strings(fj, "warnings");
      r.files.push_back(std::move(f));
    }
  }
  return r;
}

}  // namespace portcullis::scan
