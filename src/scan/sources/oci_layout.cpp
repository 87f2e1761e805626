// oci:DIR[:TAG] — an OCI image layout directory (image-spec image-layout.md).
#include <nlohmann/json.hpp>

#include "core/digest.h"
#include "oci/manifest.h"
#include "scan/sources/file_reader.h"
#include "scan/sources/sources.h"

namespace portcullis::scan {
namespace {

using core::ErrorCode;
using core::make_error;
using nlohmann::json;

constexpr const char* kRefName = "org.opencontainers.image.ref.name";

class OciLayoutSource : public ImageSource {
 public:
  OciLayoutSource(std::string dir, std::string tag) : dir_(std::move(dir)), tag_(std::move(tag)) {}

  core::Result<ResolvedImage> resolve(const Platform& platform) override {
    auto index_bytes = read_small_file(dir_ + "/index.json", oci::kMaxManifestSize);
    if (!index_bytes)
      return make_error(ErrorCode::NotFound, dir_ + " is not an OCI image layout: " + index_bytes.error().message);
    json index = json::parse(*index_bytes, nullptr, false);
    if (index.is_discarded() || !index.is_object() || !index.contains("manifests") || !index["manifests"].is_array())
      return make_error(ErrorCode::ManifestInvalid, dir_ + "/index.json is not an OCI image index");

    // Which entry: the one named TAG; without TAG the only entry, or the
    // index itself when its entries are the platforms of one image.
    std::string start;
    std::vector<std::string> tags;
    const json& entries = index["manifests"];
    for (const json& m : entries) {
      if (!m.is_object()) continue;
      std::string name;
      if (auto a = m.find("annotations"); a != m.end() && a->is_object())
        if (auto r = a->find(kRefName); r != a->end() && r->is_string()) name = r->get<std::string>();
      if (!tag_.empty() && name == tag_ && m.contains("digest") && m["digest"].is_string()) {
        start = m["digest"].get<std::string>();
        tags.push_back(name);
        break;
      }
    }
    if (tag_.empty()) {
      if (entries.size() == 1 && entries[0].is_object() && entries[0].contains("digest") && entries[0]["digest"].is_string()) {
        start = entries[0]["digest"].get<std::string>();
        if (auto a = entries[0].find("annotations"); a != entries[0].end() && a->is_object())
          if (auto r = a->find(kRefName); r != a->end() && r->is_string()) tags.push_back(r->get<std::string>());
      } else {
        start = "index.json";
      }
    } else if (start.empty()) {
      return make_error(ErrorCode::NotFound, "no image tagged \"" + tag_ + "\" in " + dir_ + "/index.json");
    }

    auto fetch_manifest = [&](std::string_view ref) -> core::Result<Fetched> {
      if (ref == "index.json") return Fetched{*index_bytes, std::string(oci::kOciIndex), "index.json"};
      auto bytes = read_blob(ref, oci::kMaxManifestSize);
      if (!bytes) return bytes.error();
      return Fetched{std::move(*bytes), "", std::string(ref)};
    };
    auto fetch_blob = [&](std::string_view digest, std::uint64_t max) { return read_blob(digest, max); };
    auto image = resolve_manifests(fetch_manifest, fetch_blob, start, platform);
    if (!image) return image;
    image->tags = std::move(tags);
    return image;
  }

  core::Result<std::unique_ptr<ByteReader>> open_layer(const LayerInfo& layer) override {
    auto path = blob_path(layer.digest);
    if (!path) return path.error();
    return open_file_reader(*path);
  }

 private:
  core::Result<std::string> blob_path(std::string_view digest) const {
    auto d = core::Digest::parse(digest);
    if (!d) return make_error(ErrorCode::DigestInvalid, "bad digest \"" + std::string(digest) + "\" in " + dir_);
    return dir_ + "/blobs/" + std::string(core::algorithm_name(d->algorithm())) + "/" + d->hex();
  }

  // A small blob, checked against its digest (a layout is just files anyone can edit).
  core::Result<std::string> read_blob(std::string_view digest, std::uint64_t max) const {
    auto path = blob_path(digest);
    if (!path) return path.error();
    auto bytes = read_small_file(*path, max);
    if (!bytes) return bytes.error();
    auto want = core::Digest::parse(digest);
    if (core::Digest::of(want->algorithm(), *bytes) != *want)
      return make_error(ErrorCode::DigestInvalid, *path + " does not match its digest");
    return bytes;
  }

  std::string dir_;
  std::string tag_;
};

}  // namespace

core::Result<std::unique_ptr<ImageSource>> make_oci_layout_source(std::string_view spec) {
  // DIR[:TAG]: a TAG never contains '/', so a last ':' followed by a '/' is part of DIR.
  std::string dir(spec), tag;
  if (auto colon = spec.rfind(':'); colon != std::string_view::npos && spec.find('/', colon) == std::string_view::npos) {
    dir = std::string(spec.substr(0, colon));
    tag = std::string(spec.substr(colon + 1));
  }
  if (dir.empty()) return make_error(ErrorCode::InvalidArgument, "oci: needs a directory (oci:DIR[:TAG])");
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return std::unique_ptr<ImageSource>(std::make_unique<OciLayoutSource>(dir, tag));
}

}  // namespace portcullis::scan
