// One HTTP(S) GET over libcurl, read pull-style: the registry client's
// transport (registry_client.h).
//
// start() runs the transfer up to the final response's headers (redirects
// followed, at most 5, http/https only; Authorization is not sent to another
// host). read() then pulls the body, driving a curl multi handle from the
// caller's thread; at most about 1 MiB is buffered, the transfer pauses until
// read() drains it. At the end read() returns an Error instead of 0 when the
// transfer broke, ended short of expect_size, or the bytes do not hash to
// expect_digest. More than max_bytes aborts the transfer at once.
// Connect timeout 10 s; slower than 1 byte/s for low_speed_time s aborts.
#pragma once
#include <curl/curl.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/digest.h"
#include "core/result.h"
#include "scan/image_source.h"

namespace portcullis::scan {

struct HttpGet {
  std::string url;
  std::string authorization;  // whole header value ("Bearer ..."); a secret; may be empty
  std::string accept;
  bool insecure_tls = false;
  long low_speed_time = 30;
  std::uint64_t max_bytes = 0;    // 0 = unbounded
  std::uint64_t expect_size = 0;  // 0 = unknown
  std::optional<core::Digest> expect_digest;
  core::ErrorCode overflow_code = core::ErrorCode::SizeInvalid;  // for more than max_bytes
  std::string what;  // "manifest latest", "blob sha256:..." in messages
};

class HttpStream final : public ByteReader {
 public:
  explicit HttpStream(HttpGet request);
  ~HttpStream() override;
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // Io when no complete response arrived (refused, TLS, timeout, bad headers).
  core::Result<void> start();
  long status() const { return status_; }
  // Lower-case name; only content-type, content-length, docker-content-digest,
  // www-authenticate (repeats joined by ", ") and location are kept, each
  // truncated to 16 KiB.
  std::string header(const std::string& name) const;

  core::Result<std::size_t> read(char* buffer, std::size_t size) override;
  // The whole body (max_bytes is the cap).
  core::Result<std::string> read_all();
  // Up to 16 KiB of an error answer, for its message; failures ignored.
  std::string error_body();

  // The URL for messages: a presigned redirect target's query holds a signature.
  static std::string without_query(std::string_view url);
  // At most `max` characters of `s`, non-printable ones as '?': for messages
  // that quote what a server sent.
  static std::string printable(std::string_view s, std::size_t max);

 private:
  void pump();
  core::Error transfer_error() const;
  core::Result<void> finish();
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user);
  static std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user);

  HttpGet t_;
  CURLM* multi_ = nullptr;
  CURL* easy_ = nullptr;
  curl_slist* headers_list_ = nullptr;
  char errbuf_[CURL_ERROR_SIZE] = {};
  long status_ = 0;
  std::map<std::string, std::string> headers_;
  bool final_headers_ = false;
  bool done_ = false;
  bool paused_ = false;
  bool overflow_ = false;
  bool eof_ = false;
  CURLcode result_ = CURLE_OK;
  std::string pending_;  // received, unread from offset_
  std::size_t offset_ = 0;
  std::uint64_t received_ = 0;
  std::optional<core::Hasher> hasher_;
};

}  // namespace portcullis::scan
