#include "scan/image_source.h"

#include <sys/utsname.h>

#include <nlohmann/json.hpp>

#include "core/digest.h"
#include "oci/manifest.h"
#include "scan/sources/sources.h"

namespace portcullis::scan {
namespace {

using core::ErrorCode;
using core::make_error;
using nlohmann::json;

constexpr std::uint64_t kMaxConfigSize = 8u << 20;

std::string str_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_index(std::string_view media_type, const json& doc) {
  if (media_type == oci::kOciIndex || media_type == oci::kDockerManifestList) return true;
  return media_type.empty() && doc.contains("manifests") && !doc.contains("config");
}

bool platform_matches(const json& p, const Platform& want) {
  if (!p.is_object()) return false;
  if (str_field(p, "os") != want.os || str_field(p, "architecture") != want.architecture) return false;
  std::string variant = str_field(p, "variant");
  // A missing variant on either side matches (arm64 images rarely state v8).
  return want.variant.empty() || variant.empty() || variant == want.variant;
}

std::string platform_string(const json& p) {
  std::string s = str_field(p, "os") + "/" + str_field(p, "architecture");
  if (std::string v = str_field(p, "variant"); !v.empty()) s += "/" + v;
  return s;
}

}  // namespace

Platform Platform::host() {
  Platform p;
  struct utsname u {};
  std::string machine = uname(&u) == 0 ? u.machine : "x86_64";
  if (machine == "x86_64") p.architecture = "amd64";
  else if (machine == "aarch64") { p.architecture = "arm64"; p.variant = "v8"; }
  else if (machine.rfind("armv7", 0) == 0) { p.architecture = "arm"; p.variant = "v7"; }
  else if (machine == "i686" || machine == "i386") p.architecture = "386";
  else p.architecture = machine;  // ppc64le, s390x, riscv64 use the same names
  return p;
}

core::Result<Platform> Platform::parse(std::string_view text) {
  Platform p;
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty() ||
      (parts.size() == 3 && parts[2].empty()))
    return make_error(ErrorCode::InvalidArgument,
                      "platform \"" + std::string(text) + "\" is not OS/ARCH[/VARIANT] (e.g. linux/arm64/v8)");
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

std::string Platform::to_string() const {
  return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

core::Result<ResolvedImage> resolve_manifests(const FetchManifest& fetch_manifest, const FetchBlob& fetch_blob,
                                              std::string_view reference, const Platform& platform) {
  auto fetched = fetch_manifest(reference);
  if (!fetched) return fetched.error();
  ResolvedImage image;
  for (int depth = 0;; ++depth) {
    json doc = json::parse(fetched->bytes, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
      return make_error(ErrorCode::ManifestInvalid, "manifest " + fetched->digest + " is not a JSON object");
    std::string media_type = str_field(doc, "mediaType");
    if (media_type.empty()) media_type = fetched->media_type;
    if (media_type == oci::kDockerSchema1 || media_type == oci::kDockerSchema1Signed ||
        (doc.contains("schemaVersion") && doc["schemaVersion"] == 1))
      return make_error(ErrorCode::Unsupported, "manifest " + fetched->digest + " is Docker schema 1, which is not supported");
    if (!is_index(media_type, doc)) break;
    if (depth > 0) return make_error(ErrorCode::ManifestInvalid, "an index inside an index is not supported");
    const json* chosen = nullptr;
    std::vector<std::string> offered;
    if (auto it = doc.find("manifests"); it != doc.end() && it->is_array()) {
      for (const json& m : *it) {
        if (!m.is_object()) continue;
        auto p = m.find("platform");
        if (p == m.end()) continue;
        offered.push_back(platform_string(*p));
        if (!chosen && platform_matches(*p, platform)) chosen = &m;
      }
    }
    if (!chosen) {
      std::string list;
      for (const auto& o : offered) list += (list.empty() ? "" : ", ") + o;
      return make_error(ErrorCode::NotFound, "no image for platform " + platform.to_string() + " in index " +
                                                 fetched->digest + " (it has: " + (list.empty() ? "none" : list) + ")");
    }
    std::string child = str_field(*chosen, "digest");
    if (!core::Digest::parse(child))
      return make_error(ErrorCode::ManifestInvalid, "index " + fetched->digest + " has a bad child digest");
    fetched = fetch_manifest(child);
    if (!fetched) return fetched.error();
    if (fetched->media_type.empty()) fetched->media_type = str_field(*chosen, "mediaType");
  }

  json doc = json::parse(fetched->bytes, nullptr, false);
  image.manifest_digest = fetched->digest;
  auto config = doc.find("config");
  if (config == doc.end() || !config->is_object())
    return make_error(ErrorCode::ManifestInvalid, "manifest " + fetched->digest + " has no config");
  image.config_digest = str_field(*config, "digest");
  if (!core::Digest::parse(image.config_digest))
    return make_error(ErrorCode::ManifestInvalid, "manifest " + fetched->digest + " has a bad config digest");
  auto config_bytes = fetch_blob(image.config_digest, kMaxConfigSize);
  if (!config_bytes) return config_bytes.error();
  json cfg = json::parse(*config_bytes, nullptr, false);
  if (cfg.is_discarded() || !cfg.is_object())
    return make_error(ErrorCode::ManifestInvalid, "image config " + image.config_digest + " is not a JSON object");
  image.platform = platform_string(cfg);

  std::vector<std::string> diff_ids;
  if (auto rootfs = cfg.find("rootfs"); rootfs != cfg.end() && rootfs->is_object())
    if (auto ids = rootfs->find("diff_ids"); ids != rootfs->end() && ids->is_array())
      for (const json& id : *ids) diff_ids.push_back(id.is_string() ? id.get<std::string>() : std::string());

  auto layers = doc.find("layers");
  if (layers == doc.end() || !layers->is_array())
    return make_error(ErrorCode::ManifestInvalid, "manifest " + fetched->digest + " has no layers array");
  if (layers->size() != diff_ids.size())
    return make_error(ErrorCode::ManifestInvalid, "manifest " + fetched->digest + " lists " +
                                                      std::to_string(layers->size()) + " layers but its config " +
                                                      std::to_string(diff_ids.size()) + " diff_ids");
  for (std::size_t i = 0; i < layers->size(); ++i) {
    const json& l = (*layers)[i];
    if (!l.is_object()) return make_error(ErrorCode::ManifestInvalid, "manifest layer is not an object");
    LayerInfo info;
    info.digest = str_field(l, "digest");
    info.media_type = str_field(l, "mediaType");
    info.diff_id = diff_ids[i];
    if (auto s = l.find("size"); s != l.end() && s->is_number_unsigned()) info.size = s->get<std::uint64_t>();
    if (!core::Digest::parse(info.digest) || !core::Digest::parse(info.diff_id))
      return make_error(ErrorCode::ManifestInvalid, "layer " + std::to_string(i) + " of " + fetched->digest +
                                                        " has a bad digest or diff_id");
    image.layers.push_back(std::move(info));
  }
  return image;
}

core::Result<std::unique_ptr<ImageSource>> open_image_source(std::string_view image, const SourceOptions& options) {
  auto after = [&](std::string_view prefix) { return image.substr(prefix.size()); };
  if (image.rfind("oci:", 0) == 0) return make_oci_layout_source(after("oci:"));
  if (image.rfind("docker-archive:", 0) == 0) return make_docker_archive_source(after("docker-archive:"));
  if (image.rfind("dir:", 0) == 0) return make_rootfs_source(after("dir:"));
  if (image.rfind("docker://", 0) == 0) return make_docker_source(after("docker://"), options);
  return make_error(ErrorCode::InvalidArgument,
                    "unknown image source \"" + std::string(image) +
                        "\": use oci:DIR[:TAG], docker-archive:FILE, dir:ROOTFS or docker://HOST/NAME:TAG");
}

}  // namespace portcullis::scan
