// docker://HOST[:PORT]/NAME:TAG|@DIGEST: an image in any registry, read over
// the Distribution API (registry_client.h) with the credentials docker_auth.h
// finds.
#include <memory>
#include <string>

#include "core/reference.h"
#include "scan/sources/docker_auth.h"
#include "scan/sources/registry_client.h"
#include "scan/sources/sources.h"

namespace portcullis::scan {
namespace {

using core::ErrorCode;
using core::make_error;

// Docker Hub's API lives on another host than its name.
constexpr std::string_view kDockerHub = "docker.io";
constexpr std::string_view kDockerHubApi = "registry-1.docker.io";

// Loopback registries are plain http unless asked otherwise, like podman's
// default for localhost: a local test registry rarely has a certificate.
bool is_loopback(std::string_view registry) {
  std::string_view host = registry;
  if (host.size() > 0 && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

class DockerSource final : public ImageSource {
 public:
  DockerSource(core::ImageReference ref, RegistryClientOptions options)
      : ref_(std::move(ref)), client_(std::move(options)) {}

  core::Result<ResolvedImage> resolve(const Platform& platform) override {
    FetchManifest fetch_manifest = [this](std::string_view r) { return client_.get_manifest(r); };
    FetchBlob fetch_blob = [this](std::string_view d, std::uint64_t max) { return client_.get_blob(d, max); };
    // A digest pins the content; a tag beside it is only a name.
    std::string start = !ref_.digest.empty() ? ref_.digest : ref_.tag;
    auto image = resolve_manifests(fetch_manifest, fetch_blob, start, platform);
    if (!image) return image.error();
    if (!ref_.tag.empty()) {
      core::ImageReference named = ref_;
      named.digest.clear();
      image->tags = {named.str()};
    }
    return image;
  }

  core::Result<std::unique_ptr<ByteReader>> open_layer(const LayerInfo& layer) override {
    return client_.open_blob(layer.digest, layer.size);
  }

 private:
  core::ImageReference ref_;
  RegistryClient client_;
};

}  // namespace

core::Result<std::unique_ptr<ImageSource>> make_docker_source(std::string_view reference, const SourceOptions& options) {
  auto ref = core::parse_image_reference(reference);
  if (!ref) {
    return make_error(ErrorCode::InvalidArgument,
                      "docker://" + std::string(reference) + " is not an image reference: " + ref.error().message);
  }
  if (ref->tag.empty() && ref->digest.empty()) ref->tag = "latest";

  auto creds = find_credentials(ref->registry, ref->repository, options);
  if (!creds) return creds.error();

  RegistryClientOptions client;
  client.host = ref->registry == kDockerHub ? std::string(kDockerHubApi) : ref->registry;
  client.repository = ref->repository;
  client.credentials = std::move(creds).value();
  client.plain_http = options.plain_http || is_loopback(ref->registry);
  client.insecure_tls = options.insecure_tls;
  return std::unique_ptr<ImageSource>(std::make_unique<DockerSource>(std::move(ref).value(), std::move(client)));
}

}  // namespace portcullis::scan
