// Image sources: where an image's manifest, config and layers come from.
//
// Named like skopeo's transports:
//   oci:DIR[:TAG]             an OCI image layout (TAG matched against
//                             org.opencontainers.image.ref.name; optional when
//                             the index holds one image)
//   docker-archive:FILE       `docker save` output (legacy and OCI-in-tar forms)
//   dir:ROOTFS                an unpacked root filesystem (one layer, never cached)
//   docker://HOST/NAME:TAG    any registry (Distribution API, Docker token auth)
//   docker://HOST/NAME@DIGEST
// and, inside the server, the registry's own storage (make_store_source).
//
// A source resolves to one image: a multi-platform index is narrowed to the
// requested platform (default: the host's). Layers are then opened one at a
// time as compressed byte streams; the layer reader decompresses them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "scan/inventory.h"

namespace portcullis::scan {

// A pull-style byte stream. read() returns 0 at the end, an Error on failure.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  virtual core::Result<std::size_t> read(char* buffer, std::size_t size) = 0;
};

struct Platform {
  std::string os = "linux";
  std::string architecture;  // "amd64", "arm64", ...
  std::string variant;       // "v8", ...
  static Platform host();
  // "linux/arm64/v8", "linux/amd64"; an error for anything else.
  static core::Result<Platform> parse(std::string_view text);
  std::string to_string() const;
};

struct ResolvedImage {
  std::string manifest_digest;  // of the platform manifest
  std::string config_digest;
  std::string platform;         // "linux/amd64", from the config
  std::vector<LayerInfo> layers;  // bottom first, diff_id from the config
  std::vector<std::string> tags;
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  virtual core::Result<ResolvedImage> resolve(const Platform& platform) = 0;
  // The layer's bytes as stored (compressed or not); for dir: the whole tree.
  virtual core::Result<std::unique_ptr<ByteReader>> open_layer(const LayerInfo& layer) = 0;
  // dir: sources have no tar layers: they walk a tree instead (see scanner.h).
  virtual std::string rootfs() const { return {}; }
};

// Credentials for registries: user and password (or token as password).
struct Credentials {
  std::string username;
  std::string password;
};

struct SourceOptions {
  // "user:password" given on the command line; wins over config files.
  std::string creds;
  // docker config.json to read "auths" from; empty = $DOCKER_CONFIG/config.json
  // or ~/.docker/config.json, then $REGISTRY_AUTH_FILE /
  // $XDG_RUNTIME_DIR/containers/auth.json.
  std::string auth_file;
  bool insecure_tls = false;  // do not verify the registry's certificate
  bool plain_http = false;    // http:// instead of https:// (also for localhost by default)
};

// Opens the source named by `image` ("oci:...", "docker://...", ...).
core::Result<std::unique_ptr<ImageSource>> open_image_source(std::string_view image, const SourceOptions& options);

// The image manifest chosen from manifest bytes of any supported media type:
// a shared step of every source that stores OCI/Docker manifests.
// `fetch` returns the bytes of a manifest or blob by digest or tag.
struct Fetched {
  std::string bytes;
  std::string media_type;  // from the transport (Content-Type) or the descriptor; may be empty
  std::string digest;      // "sha256:..."
};
using FetchManifest = std::function<core::Result<Fetched>(std::string_view reference)>;
using FetchBlob = std::function<core::Result<std::string>(std::string_view digest, std::uint64_t max_size)>;
core::Result<ResolvedImage> resolve_manifests(const FetchManifest& fetch_manifest, const FetchBlob& fetch_blob,
                                              std::string_view reference, const Platform& platform);

}  // namespace portcullis::scan

namespace portcullis::scan {

// An image held by a registry's own storage: the caller (the registry, which
// knows its metadata and blob store) supplies the three ways in.
struct StoreAccess {
  FetchManifest manifest;  // a manifest of the repository by tag or digest, verified
  FetchBlob small_blob;    // a config blob, whole
  std::function<core::Result<std::unique_ptr<ByteReader>>(std::string_view digest)> open_blob;  // a layer, streamed
};
std::unique_ptr<ImageSource> make_store_source(StoreAccess access, std::string reference);

}  // namespace portcullis::scan
