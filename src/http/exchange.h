// Exchange: one HTTP request and its response, as a handler sees it.
//
// Contract:
//  - The request header is complete when the handler runs; the body is not
//    read yet. A handler reads it at most once, either whole (bounded) or as a
//    stream of chunks; memory use of streaming does not depend on body size.
//  - A handler sends exactly one response. If it returns without one, the
//    server answers 500. Bytes of the body left unread are drained (small) or
//    the connection is closed (large), so keep-alive never desynchronises.
//  - send_file streams a byte range of a file descriptor with sendfile(2) on
//    plain TCP (a read/write loop under TLS); the handler keeps the descriptor
//    open until the call returns.
//  - Nothing here knows about registries.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "http/asio.h"

namespace portcullis::http {

using Fields = bhttp::fields;

struct Response {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // For HEAD and for bodies sent by send_file: the Content-Length to
  // announce when `body` is not what goes on the wire.
  std::optional<std::uint64_t> content_length;

  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// A chunk sink for streamed bodies: return an error to stop reading.
using ChunkSink = std::function<core::Result<void>(const char* data, std::size_t size)>;

class Exchange {
 public:
  virtual ~Exchange() = default;

  const bhttp::request_header<>& request() const { return *req_; }
  bhttp::verb method() const { return req_->method(); }
  std::string_view path() const { return path_; }      // percent-decoded path, without the query
  std::string_view raw_query() const { return query_; }
  // First value of a query parameter, percent-decoded.
  std::optional<std::string> query(std::string_view name) const;
  std::string_view header(std::string_view name) const;  // empty if absent
  bool has_header(std::string_view name) const;
  std::string_view remote_address() const { return remote_; }

  // Whether the request declares a body (Content-Length > 0 or chunked).
  bool has_body() const;
  // The declared Content-Length, if any.
  std::optional<std::uint64_t> content_length() const;

  // Reads the whole body; SizeInvalid (with `too_large` set) if over `limit`.
  virtual Task<core::Result<std::string>> read_body(std::size_t limit, bool* too_large = nullptr) = 0;
  // Streams the body to `sink` in chunks of up to 1 MiB.
  virtual Task<core::Result<std::uint64_t>> stream_body(ChunkSink sink) = 0;

  virtual Task<void> send(Response response) = 0;
  // Sends `response`'s status and headers, then `length` bytes of `fd` from `offset`.
  virtual Task<void> send_file(Response response, int fd, std::uint64_t offset, std::uint64_t length) = 0;

  bool responded() const { return status_ != 0; }
  unsigned status() const { return status_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }

 protected:
  const bhttp::request_header<>* req_ = nullptr;
  std::string path_;
  std::string query_;
  std::string remote_;
  unsigned status_ = 0;
  std::uint64_t bytes_sent_ = 0;
};

using Handler = std::function<Task<void>(Exchange&)>;

// Percent-decodes `s`; returns false on a malformed escape.
bool percent_decode(std::string_view s, std::string& out);
std::string percent_encode_query(std::string_view s);

}  // namespace portcullis::http
