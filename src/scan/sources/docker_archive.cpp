// docker-archive:FILE[:REF] — the tar `docker save` writes: manifest.json
// lists, per image, its config file, its RepoTags and its layer files
// (legacy "<id>/layer.tar" or, since Docker 25, "blobs/sha256/<hex>").
// Members are read in place through a tar index; nothing is unpacked.
#include <nlohmann/json.hpp>

#include "core/digest.h"
#include "scan/sources/file_reader.h"
#include "scan/sources/sources.h"
#include "scan/sources/tar_index.h"

namespace portcullis::scan {
namespace {

using core::ErrorCode;
using core::make_error;
using nlohmann::json;

constexpr std::uint64_t kMaxSmallMember = 8u << 20;

class DockerArchiveSource : public ImageSource {
 public:
  DockerArchiveSource(std::string file, std::string ref) : file_(std::move(file)), ref_(std::move(ref)) {}

  core::Result<ResolvedImage> resolve(const Platform&) override {
    auto index = index_tar_file(file_);
    if (!index) return make_error(index.error().code, "docker-archive " + file_ + ": " + index.error().message);
    members_ = std::move(*index);
    auto manifest_bytes = member_bytes("manifest.json");
    if (!manifest_bytes) return manifest_bytes.error();
    json manifest = json::parse(*manifest_bytes, nullptr, false);
    if (manifest.is_discarded() || !manifest.is_array() || manifest.empty())
      return make_error(ErrorCode::ManifestInvalid, file_ + ": manifest.json is not a non-empty array");

    const json* chosen = nullptr;
    std::vector<std::string> all_tags;
    for (const json& img : manifest) {
      if (!img.is_object()) continue;
      if (auto t = img.find("RepoTags"); t != img.end() && t->is_array())
        for (const json& tag : *t)
          if (tag.is_string()) {
            all_tags.push_back(tag.get<std::string>());
            if (!chosen && !ref_.empty() && (tag == ref_ || tag.get<std::string>().ends_with("/" + ref_))) chosen = &img;
          }
    }
    if (ref_.empty()) {
      if (manifest.size() > 1) {
        std::string list;
        for (const auto& t : all_tags) list += (list.empty() ? "" : ", ") + t;
        return make_error(ErrorCode::InvalidArgument, file_ + " holds " + std::to_string(manifest.size()) +
                                                          " images; name one: docker-archive:FILE:REF (" + list + ")");
      }
      chosen = &manifest[0];
    }
    if (!chosen || !chosen->is_object())
      return make_error(ErrorCode::NotFound, "no image \"" + ref_ + "\" in " + file_);

    ResolvedImage image;
    if (auto t = chosen->find("RepoTags"); t != chosen->end() && t->is_array())
      for (const json& tag : *t)
        if (tag.is_string()) image.tags.push_back(tag.get<std::string>());
    std::string config_name = chosen->value("Config", std::string());
    auto config_bytes = member_bytes(config_name);
    if (!config_bytes) return config_bytes.error();
    image.config_digest = core::Digest::of(core::DigestAlgorithm::Sha256, *config_bytes).str();
    // The archive keeps no manifest; the config digest is the image ID docker shows.
    json cfg = json::parse(*config_bytes, nullptr, false);
    if (cfg.is_discarded() || !cfg.is_object())
      return make_error(ErrorCode::ManifestInvalid, file_ + ": " + config_name + " is not a JSON object");
    image.platform = cfg.value("os", std::string()) + "/" + cfg.value("architecture", std::string());
    std::vector<std::string> diff_ids;
    if (auto r = cfg.find("rootfs"); r != cfg.end() && r->is_object())
      if (auto d = r->find("diff_ids"); d != r->end() && d->is_array())
        for (const json& id : *d) diff_ids.push_back(id.is_string() ? id.get<std::string>() : "");
    auto layers = chosen->find("Layers");
    if (layers == chosen->end() || !layers->is_array() || layers->size() != diff_ids.size())
      return make_error(ErrorCode::ManifestInvalid, file_ + ": the image's Layers do not match its config's diff_ids");
    for (std::size_t i = 0; i < layers->size(); ++i) {
      const json& name = (*layers)[i];
      if (!name.is_string() || !core::Digest::parse(diff_ids[i]))
        return make_error(ErrorCode::ManifestInvalid, file_ + ": layer " + std::to_string(i) + " is malformed");
      auto m = members_.find(name.get<std::string>());
      if (m == members_.end())
        return make_error(ErrorCode::NotFound, file_ + ": layer file " + name.get<std::string>() + " is missing");
      LayerInfo info;
      info.diff_id = diff_ids[i];
      info.digest = diff_ids[i];
      info.media_type = "application/vnd.docker.image.rootfs.diff.tar";
      info.size = m->second.size;
      layer_members_[info.diff_id] = m->second;  // equal diffIDs have equal content
      image.layers.push_back(std::move(info));
    }
    image.manifest_digest = image.config_digest;
    return image;
  }

  core::Result<std::unique_ptr<ByteReader>> open_layer(const LayerInfo& layer) override {
    auto it = layer_members_.find(layer.diff_id);
    if (it != layer_members_.end()) return open_file_reader(file_, it->second.offset, it->second.size);
    return make_error(ErrorCode::NotFound, "layer " + layer.diff_id + " is not in " + file_);
  }

 private:
  core::Result<std::string> member_bytes(const std::string& name) {
    auto m = members_.find(name);
    if (m == members_.end()) return make_error(ErrorCode::NotFound, file_ + " has no " + name);
    if (m->second.size > kMaxSmallMember) return make_error(ErrorCode::InvalidArgument, file_ + ": " + name + " is too large");
    auto reader = open_file_reader(file_, m->second.offset, m->second.size);
    if (!reader) return reader.error();
    std::string out(static_cast<std::size_t>(m->second.size), '\0');
    std::size_t done = 0;
    while (done < out.size()) {
      auto n = (*reader)->read(out.data() + done, out.size() - done);
      if (!n) return n.error();
      if (*n == 0) break;
      done += *n;
    }
    out.resize(done);
    return out;
  }

  std::string file_;
  std::string ref_;
  std::map<std::string, TarMember> members_;
  std::map<std::string, TarMember> layer_members_;
};

}  // namespace

core::Result<std::unique_ptr<ImageSource>> make_docker_archive_source(std::string_view spec) {
  // FILE[:REF], split at the first ':' (a REF such as "app:1.0" keeps its own).
  std::string file(spec), ref;
  if (auto colon = spec.find(':'); colon != std::string_view::npos) {
    file = std::string(spec.substr(0, colon));
    ref = std::string(spec.substr(colon + 1));
  }
  if (file.empty()) return make_error(ErrorCode::InvalidArgument, "docker-archive: needs a file (docker-archive:FILE[:REF])");
  return std::unique_ptr<ImageSource>(std::make_unique<DockerArchiveSource>(file, ref));
}

}  // namespace portcullis::scan
