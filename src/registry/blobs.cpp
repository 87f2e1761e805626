// GET, HEAD and DELETE of /v2/<name>/blobs/<digest>.
//
// A blob is either inline in the metadata database (small ones, see
// registry.h) or a file in storage. Both answer with the same headers and
// honour Range the same way; inline bytes come from a cache by digest
// (content under a digest never changes), so a hot small blob costs one
// indexed lookup of the link and no read of its bytes from the database.
#include <charconv>

#include "registry/errors.h"
#include "registry/registry.h"

namespace portcullis::registry {

using core::ErrorCode;
using core::make_error;
using http::bhttp::verb;

namespace {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// RFC 9110 single byte range: "bytes=a-b", "bytes=a-", "bytes=-n".
// nullopt + satisfiable=false: answer 416; nullopt + satisfiable=true:
// ignore the header (multi-range or malformed: send the whole blob).
std::optional<ByteRange> parse_range(std::string_view h, std::uint64_t size, bool& satisfiable) {
  satisfiable = true;
  constexpr std::string_view unit = "bytes=";
  if (h.substr(0, unit.size()) != unit) return std::nullopt;
  auto spec = h.substr(unit.size());
  if (spec.find(',') != std::string_view::npos) return std::nullopt;
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto a = spec.substr(0, dash), b = spec.substr(dash + 1);
  ByteRange r;
  if (a.empty()) {
    std::uint64_t n;
    if (!parse_u64(b, n)) return std::nullopt;
    if (n == 0 || size == 0) {
      satisfiable = false;
      return std::nullopt;
    }
    r.first = n >= size ? 0 : size - n;
    r.last = size - 1;
    return r;
  }
  if (!parse_u64(a, r.first)) return std::nullopt;
  if (b.empty()) {
    r.last = size ? size - 1 : 0;
  } else if (!parse_u64(b, r.last) || r.last < r.first) {
    return std::nullopt;
  }
  if (r.first >= size) {
    satisfiable = false;
    return std::nullopt;
  }
  if (r.last >= size) r.last = size - 1;
  return r;
}

}  // namespace

http::Task<void> Registry::handle_blob(http::Exchange& ex, const Route& route, const auth::Principal* who,
                                       const Target& t) {
  auto method = ex.method();
  if (method != verb::get && method != verb::head && method != verb::delete_) {
    co_await send_error(ex, make_error(ErrorCode::Unsupported, "method not allowed on a blob"));
    co_return;
  }
  auto digest = parse_digest(route.reference);
  if (!digest) {
    co_await send_error(ex, digest.error());
    co_return;
  }
  if (!t.repository) {
    co_await send_error(ex, make_error(ErrorCode::BlobUnknown, "blob unknown to registry"));
    co_return;
  }
  if (method == verb::delete_) {
    auto removed = meta_.unlink_blob(t.repository->id, digest->str());
    if (!removed) {
      co_await send_error(ex, removed.error());
    } else if (!*removed) {
      co_await send_error(ex, make_error(ErrorCode::BlobUnknown, "blob unknown to registry"));
    } else {
      http::Response r;
      r.status = 202;
      r.header("Docker-Content-Digest", digest->str());
      add_common_headers(r);
      co_await ex.send(std::move(r));
    }
    co_return;
  }
  auto linked = meta_.repository_blob(t.repository->id, digest->str());
  if (!linked) {
    co_await send_error(ex, linked.error());
    co_return;
  }
  if (!*linked) {
    co_await send_error(ex, make_error(ErrorCode::BlobUnknown, "blob unknown to registry"));
    co_return;
  }
  const meta::BlobRef ref = **linked;
  std::shared_ptr<const CachedManifest> held;     // inline bytes (GET only)
  std::unique_ptr<storage::BlobReader> reader;   // a file in storage
  std::uint64_t size = static_cast<std::uint64_t>(ref.size);
  if (ref.stored_inline) {
    if (method == verb::get) {
      held = small_blobs_.get(digest->str());
      if (!held) {
        auto bytes = meta_.inline_blob(digest->str());
        if (!bytes) {
          co_await send_error(ex, bytes.error());
          co_return;
        }
        if (!*bytes) {  // collected since the lookup
          co_await send_error(ex, make_error(ErrorCode::BlobUnknown, "blob unknown to registry"));
          co_return;
        }
        auto m = std::make_shared<CachedManifest>();
        m->content = std::move(**bytes);
        small_blobs_.put(digest->str(), m);
        held = std::move(m);
      }
      size = held->content.size();
    }
  } else {
    auto opened = blobs_.open(*digest);
    if (!opened) {
      // Linked in the database but not in storage: report it as missing, loudly.
      co_await send_error(ex, opened.error().code == ErrorCode::NotFound
                                  ? make_error(ErrorCode::BlobUnknown, "blob unknown to registry")
                                  : opened.error());
      co_return;
    }
    reader = std::move(*opened);
    size = reader->size();
  }
  http::Response r;
  r.header("Content-Type", "application/octet-stream");
  r.header("Docker-Content-Digest", digest->str());
  r.header("ETag", "\"" + digest->str() + "\"");
  r.header("Accept-Ranges", "bytes");
  r.header("Cache-Control", "max-age=31536000");
  add_common_headers(r);
  std::uint64_t offset = 0, length = size;
  auto range_h = ex.header("Range");
  if (!range_h.empty()) {
    bool satisfiable = true;
    auto range = parse_range(range_h, size, satisfiable);
    if (!satisfiable) {
      auto e = error_response(ErrorCode::RangeInvalid, "requested range not satisfiable");
      e.header("Content-Range", "bytes */" + std::to_string(size));
      add_common_headers(e);
      co_await ex.send(std::move(e));
      co_return;
    }
    if (range) {
      r.status = 206;
      offset = range->first;
      length = range->last - range->first + 1;
      r.header("Content-Range",
               "bytes " + std::to_string(range->first) + "-" + std::to_string(range->last) + "/" + std::to_string(size));
    }
  }
  if (ref.stored_inline) {
    if (method == verb::head) {
      r.content_length = length;
    } else {
      r.body = offset == 0 && length == size ? held->content : held->content.substr(offset, length);
    }
    co_await ex.send(std::move(r));
    co_return;
  }
  int fd = reader->fd();
  if (fd >= 0) {
    co_await ex.send_file(std::move(r), fd, offset, length);
    co_return;
  }
  // A driver without file descriptors: read through (bounded buffer).
  if (method == verb::head || length > 64 * 1024 * 1024) {
    r.content_length = length;
    if (method != verb::head) {
      co_await send_error(ex, make_error(ErrorCode::Unsupported, "streaming from this storage driver is not supported"));
      co_return;
    }
    co_await ex.send(std::move(r));
    co_return;
  }
  std::string body(length, '\0');
  std::uint64_t done = 0;
  while (done < length) {
    auto n = reader->read(offset + done, body.data() + done, length - done);
    if (!n || *n == 0) {
      co_await send_error(ex, make_error(ErrorCode::Io, "short read from storage"));
      co_return;
    }
    done += *n;
  }
  r.body = std::move(body);
  co_await ex.send(std::move(r));
}

}  // namespace portcullis::registry
