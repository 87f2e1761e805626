// A small pull-only client of the OCI Distribution API over libcurl: manifests,
// blobs, and the Basic / Docker token authentication registries ask for.
//
// Every request goes out anonymously (or with the token already obtained);
// on a 401 the client reads WWW-Authenticate once, obtains the credentials or
// token it asks for (Bearer: GET realm?service=&scope=repository:NAME:pull,
// with Basic credentials when there are any), keeps it for the client's
// lifetime and retries. Secrets never appear in errors or logs.
//
// Limits: manifests are capped at 4 MiB, token answers at 1 MiB, configs at
// what the caller asks; the transport's own limits (timeouts, redirects, no
// Authorization to another host, e.g. S3 presigned blob URLs) are in
// http_stream.h.
//
// Not thread-safe: one client per source, used by one thread at a time.
// Readers from open_blob() own their transfer and may outlive the client.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "scan/image_source.h"

namespace portcullis::scan {

struct HttpGet;
class HttpStream;

struct RegistryClientOptions {
  std::string host;        // where the API is: "registry-1.docker.io", "127.0.0.1:5000"
  std::string repository;  // "library/nginx"
  std::optional<Credentials> credentials;
  bool plain_http = false;
  bool insecure_tls = false;
  // Low-speed abort window in seconds (tests shorten it).
  long low_speed_time = 30;
};

class RegistryClient {
 public:
  explicit RegistryClient(RegistryClientOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // GET /v2/NAME/manifests/REF accepting OCI manifest/index and Docker v2
  // manifest/list. The digest returned is computed over the bytes: for a
  // digest reference it must equal the reference, otherwise it must equal
  // Docker-Content-Digest when the registry sends one (DigestInvalid if not).
  // ManifestUnknown on 404, ManifestTooLarge over 4 MiB.
  core::Result<Fetched> get_manifest(std::string_view reference);

  // The whole blob (configs): at most `max_size` bytes, digest verified.
  core::Result<std::string> get_blob(std::string_view digest, std::uint64_t max_size);

  // Streams the blob. The HTTP status is known when this returns (errors
  // and authentication happen here); read() hashes as it goes and, at the
  // end, returns DigestInvalid instead of 0 when the bytes do not match,
  // Io when the transfer broke or ended short of `size`. `size` 0 = unknown;
  // otherwise more bytes than `size` is an error as soon as they arrive.
  // At most about 1 MiB is buffered: the transfer pauses until read().
  core::Result<std::unique_ptr<ByteReader>> open_blob(std::string_view digest, std::uint64_t size);

  // "https://HOST/v2/NAME" (no trailing slash).
  const std::string& base_url() const { return base_url_; }

 private:
  // Starts a GET on the registry, authenticating on a 401 and retrying once;
  // the stream returned has a 2xx status. `not_found` is the code for a 404.
  core::Result<std::unique_ptr<HttpStream>> open(HttpGet transfer, core::ErrorCode not_found);
  core::Result<void> authenticate(const std::string& www_authenticate);
  core::Error status_error(HttpStream& stream, const std::string& what, core::ErrorCode not_found) const;

  RegistryClientOptions options_;
  std::string base_url_;
  std::string authorization_;  // "Bearer ..." / "Basic ..." once obtained; a secret
};

}  // namespace portcullis::scan
