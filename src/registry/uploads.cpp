// Blob uploads: POST (start, monolithic with ?digest=, cross-repository
// mount), PATCH (chunks), PUT (finish), GET (status), DELETE (cancel) of
// /v2/<name>/blobs/uploads/[<id>].
//
// An upload's state is its file in storage: the bytes so far. This process
// keeps the open file and a running hash for uploads it serves; another
// process (or this one after a restart) resumes from the file alone.
//
// Small blobs (meta::kInlineBlobMaxBytes) end up inline in the database
// (see registry.h). A body announced small by its Content-Length (monolithic
// POST, or the PUT that carries the whole blob into a fresh session) is read
// into memory and never touches a file; a session fed by PATCH keeps a copy
// of its bytes in memory while they are few, and when it finishes small its
// file is unlinked instead of fsynced and renamed. A session resumed from
// its file (another process, a restart, an evicted session) has no copy and
// finishes as a file, which is correct, only slower.
#include <charconv>

#include <spdlog/spdlog.h>

#include "core/reference.h"
#include "registry/errors.h"
#include "registry/registry.h"

namespace portcullis::registry {

using core::ErrorCode;
using core::make_error;
using http::bhttp::verb;

struct Registry::UploadSession {
  std::string id;
  std::atomic<bool> busy{false};
  std::unique_ptr<storage::Upload> upload;
  // Every byte of `upload`, while that is at most kInlineBlobMaxBytes and
  // the session was created here; otherwise `small_known` is false.
  std::string small;
  bool small_known = false;
};

namespace {

constexpr std::uint64_t kInlineMax = static_cast<std::uint64_t>(meta::kInlineBlobMaxBytes);

// Appends to the upload file and keeps `small` equal to the file's bytes
// while they fit inline (a failed append may leave a partial write behind,
// so it ends the copy).
core::Result<void> append_tracked(storage::Upload& upload, std::string& small, bool& small_known, const char* p,
                                  std::size_t len) {
  auto r = upload.append(p, len);
  if (small_known) {
    if (r && small.size() + len <= kInlineMax) {
      small.append(p, len);
    } else {
      small_known = false;
      std::string().swap(small);
    }
  }
  return r;
}

// Whether the request's body is announced (by Content-Length) small enough
// to read into memory: `already` bytes plus the body fit inline.
bool small_body(const http::Exchange& ex, std::uint64_t already) {
  auto len = ex.content_length();
  return len && *len <= kInlineMax && already + *len <= kInlineMax;
}

// An upload id is 16 hex digits of the repository id the session belongs to,
// then 32 random hex digits: a session is unknown through any other
// repository's URL, without a lookup.
constexpr std::size_t kUploadIdLength = 48;

bool valid_upload_id(std::string_view id) {
  if (id.size() != kUploadIdLength) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string repository_prefix(std::int64_t repository_id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(repository_id));
  return buf;
}

std::string range_value(std::uint64_t size) { return "0-" + std::to_string(size ? size - 1 : 0); }

// "start-end" (inclusive), optionally prefixed by "bytes ".
bool parse_content_range(std::string_view h, std::uint64_t& start, std::uint64_t& end) {
  if (h.substr(0, 6) == "bytes ") h.remove_prefix(6);
  auto dash = h.find('-');
  if (dash == std::string_view::npos) return false;
  auto a = h.substr(0, dash), b = h.substr(dash + 1);
  auto slash = b.find('/');
  if (slash != std::string_view::npos) b = b.substr(0, slash);
  auto [pa, ea] = std::from_chars(a.data(), a.data() + a.size(), start);
  auto [pb, eb] = std::from_chars(b.data(), b.data() + b.size(), end);
  return ea == std::errc() && eb == std::errc() && pa == a.data() + a.size() && pb == b.data() + b.size() &&
         !a.empty() && !b.empty() && end >= start;
}

// Marks a session busy for the life of one request.
class BusyGuard {
 public:
  explicit BusyGuard(std::atomic<bool>& flag) : flag_(flag), owned_(!flag.exchange(true)) {}
  ~BusyGuard() {
    if (owned_) flag_ = false;
  }
  bool owned() const { return owned_; }
  void release() {
    if (owned_) flag_ = false;
    owned_ = false;
  }

 private:
  std::atomic<bool>& flag_;
  bool owned_;
};

}  // namespace

std::shared_ptr<Registry::UploadSession> Registry::open_session(const std::string& id, bool create) {
  {
    std::lock_guard lock(sessions_mu_);
    auto it = sessions_.find(id);
    if (it != sessions_.end()) {
      // gc (another process) may have removed an abandoned upload we still hold.
      if (it->second->busy || (it->second->upload && it->second->upload->still_stored())) return it->second;
      sessions_.erase(it);
      if (!create) return nullptr;
    }
  }
  auto opened = create ? blobs_.create_upload(id) : blobs_.resume_upload(id);
  if (!opened) return nullptr;
  auto s = std::make_shared<UploadSession>();
  s->id = id;
  s->upload = std::move(*opened);
  s->small_known = create;  // a resumed upload's bytes are only in its file
  std::lock_guard lock(sessions_mu_);
  auto [it, inserted] = sessions_.emplace(id, s);
  if (!inserted) return it->second;
  // Bound the number of open files: idle sessions can be reopened from disk.
  if (sessions_.size() > options_.max_open_uploads) {
    for (auto i = sessions_.begin(); i != sessions_.end(); ++i) {
      if (i->first != id && !i->second->busy) {
        sessions_.erase(i);
        break;
      }
    }
  }
  return s;
}

void Registry::close_session(const std::string& id) {
  std::lock_guard lock(sessions_mu_);
  sessions_.erase(id);
}

core::Result<void> Registry::link_sealed(std::int64_t repository_id, std::unique_ptr<storage::Upload> upload,
                                         const core::Digest& digest, std::uint64_t size) {
  // The file moves into place inside the metadata transaction, so gc can
  // never see the blob half-recorded. If the database holds the blob inline
  // already, the file is not needed.
  std::string id = upload->id();
  bool placed = false;
  auto linked = meta_.link_blob(repository_id, digest.str(), static_cast<std::int64_t>(size),
                                [&]() -> core::Result<void> {
                                  placed = true;
                                  return blobs_.place(std::move(upload), digest);
                                });
  if (linked && !placed) {
    upload.reset();
    (void)blobs_.remove_upload(id);
  }
  return linked;
}

http::Response Registry::blob_created(const std::string& name, const core::Digest& d) const {
  http::Response r;
  r.status = 201;
  r.header("Location", "/v2/" + name + "/blobs/" + d.str());
  r.header("Docker-Content-Digest", d.str());
  add_common_headers(r);
  return r;
}

core::Result<void> Registry::link_inline(std::int64_t repository_id, const core::Digest& digest, std::string bytes) {
  // Hash what is stored, whatever the upload's running hash said.
  if (core::Digest::of(digest.algorithm(), bytes) != digest)
    return make_error(ErrorCode::DigestInvalid, "upload content does not match digest " + digest.str());
  if (auto r = meta_.link_inline_blob(repository_id, digest.str(), bytes); !r) return r;
  auto cached = std::make_shared<CachedManifest>();
  cached->content = std::move(bytes);
  small_blobs_.put(digest.str(), std::move(cached));
  return {};
}

http::Task<void> Registry::handle_upload(http::Exchange& ex, const Route& route, const auth::Principal* who,
                                         Target& t) {
  auto method = ex.method();
  if (route.reference.empty()) {
    if (method != verb::post) {
      co_await send_error(ex, make_error(ErrorCode::Unsupported, "method not allowed"));
      co_return;
    }
    co_await start_upload(ex, who, t);
    co_return;
  }
  const std::string& id = route.reference;
  if (!valid_upload_id(id)) {
    co_await send_error(ex, make_error(ErrorCode::BlobUploadUnknown, "blob upload unknown to registry"));
    co_return;
  }
  if (method != verb::get) {
    auto repo = repository_for_write(who, t);
    if (!repo) {
      co_await send_error(ex, repo.error());
      co_return;
    }
  }
  if (!t.repository || id.compare(0, 16, repository_prefix(t.repository->id)) != 0) {
    co_await send_error(ex, make_error(ErrorCode::BlobUploadUnknown, "blob upload unknown to registry"));
    co_return;
  }
  switch (method) {
    case verb::patch: co_await patch_upload(ex, id, t); break;
    case verb::put: co_await finish_upload(ex, id, t); break;
    case verb::get: co_await upload_status(ex, id, t, 204); break;
    case verb::delete_: co_await cancel_upload(ex, id, t); break;
    default: co_await send_error(ex, make_error(ErrorCode::Unsupported, "method not allowed"));
  }
}

http::Task<void> Registry::start_upload(http::Exchange& ex, const auth::Principal* who, const Target& target) {
  Target t = target;
  auto repo = repository_for_write(who, t);
  if (!repo) {
    co_await send_error(ex, repo.error());
    co_return;
  }

  // Cross-repository mount: from the named repository if the caller may read
  // it, else (no `from`) from any repository that holds the blob.
  if (auto mount = ex.query("mount")) {
    auto d = parse_digest(*mount);
    if (d) {
      std::optional<std::int64_t> size;
      if (auto from = ex.query("from")) {
        Target source;
        source.name = *from;
        if (!authorize(who, auth::Action::Pull, source) && source.repository) {
          auto linked = meta_.repository_blob(source.repository->id, d->str());
          if (linked && *linked) size = (*linked)->size;
        }
      } else {
        auto known = meta_.known_blob(d->str());
        if (known) size = *known;
      }
      if (size) {
        // Under the write lock: the file must still be there (gc may have
        // taken it since the lookup). An inline blob has no file, and
        // link_blob skips the check for it.
        auto linked = meta_.link_blob(repo->id, d->str(), *size, [&]() -> core::Result<void> {
          auto st = blobs_.stat(*d);
          if (!st) return st.error();
          return {};
        });
        if (linked) {
          co_await ex.send(blob_created(t.name, *d));
          co_return;
        }
      }
    }
    // Not mountable: an ordinary upload session follows (202).
  }

  std::string id = repository_prefix(repo->id) + new_upload_id();
  if (auto digest_q = ex.query("digest")) {
    // Monolithic upload in a single POST.
    auto d = parse_digest(*digest_q);
    if (!d) {
      co_await send_error(ex, d.error());
      co_return;
    }
    if (small_body(ex, 0)) {
      // Small and announced: memory, then the database; no file at all.
      auto body = co_await ex.read_body(kInlineMax);
      auto linked = body ? link_inline(repo->id, *d, std::move(*body)) : core::Result<void>(body.error());
      if (!linked) {
        co_await send_error(ex, linked.error());
        co_return;
      }
      co_await ex.send(blob_created(t.name, *d));
      co_return;
    }
    auto up = blobs_.create_upload(id);
    if (!up) {
      co_await send_error(ex, up.error());
      co_return;
    }
    auto& upload = *up;
    std::string small;
    bool small_known = true;
    auto n = co_await ex.stream_body(
        [&](const char* p, std::size_t len) { return append_tracked(*upload, small, small_known, p, len); });
    if (n && small_known) {
      // A small body without Content-Length: the file was never fsynced.
      upload.reset();
      (void)blobs_.remove_upload(id);
      auto linked = link_inline(repo->id, *d, std::move(small));
      if (!linked) {
        co_await send_error(ex, linked.error());
        co_return;
      }
      co_await ex.send(blob_created(t.name, *d));
      co_return;
    }
    if (n) {
      auto sealed = blobs_.seal_upload(*upload, *d);
      if (sealed) {
        auto linked = link_sealed(repo->id, std::move(upload), *d, sealed->size);
        if (linked) {
          co_await ex.send(blob_created(t.name, *d));
          co_return;
        }
        co_await send_error(ex, linked.error());
        co_return;
      }
      n = sealed.error();
    }
    (void)blobs_.remove_upload(id);
    co_await send_error(ex, n.error());
    co_return;
  }

  auto s = open_session(id, true);
  if (!s) {
    co_await send_error(ex, make_error(ErrorCode::Io, "cannot create upload"));
    co_return;
  }
  http::Response r;
  r.status = 202;
  r.header("Location", "/v2/" + t.name + "/blobs/uploads/" + id);
  r.header("Range", "0-0");
  r.header("Docker-Upload-UUID", id);
  add_common_headers(r);
  co_await ex.send(std::move(r));
}

http::Task<void> Registry::upload_status(http::Exchange& ex, const std::string& id, const Target& t, unsigned status) {
  auto s = open_session(id, false);
  if (!s) {
    co_await send_error(ex, make_error(ErrorCode::BlobUploadUnknown, "blob upload unknown to registry"));
    co_return;
  }
  http::Response r;
  r.status = status;
  r.header("Location", "/v2/" + t.name + "/blobs/uploads/" + id);
  r.header("Range", range_value(s->upload->size()));
  r.header("Docker-Upload-UUID", id);
  add_common_headers(r);
  co_await ex.send(std::move(r));
}

http::Task<void> Registry::patch_upload(http::Exchange& ex, const std::string& id, const Target& t) {
  auto s = open_session(id, false);
  if (!s) {
    co_await send_error(ex, make_error(ErrorCode::BlobUploadUnknown, "blob upload unknown to registry"));
    co_return;
  }
  BusyGuard busy(s->busy);
  if (!busy.owned()) {
    co_await send_error(ex, make_error(ErrorCode::BlobUploadInvalid, "another request is writing to this upload"));
    co_return;
  }
  auto cr = ex.header("Content-Range");
  if (!cr.empty()) {
    std::uint64_t start = 0, end = 0;
    if (!parse_content_range(cr, start, end) || start != s->upload->size()) {
      auto r = error_response(ErrorCode::RangeInvalid,
                              "chunk does not continue the upload: it holds " + std::to_string(s->upload->size()) + " bytes");
      r.header("Location", "/v2/" + t.name + "/blobs/uploads/" + id);
      r.header("Range", range_value(s->upload->size()));
      r.header("Docker-Upload-UUID", id);
      add_common_headers(r);
      co_await ex.send(std::move(r));
      co_return;
    }
    auto len = ex.content_length();
    if (len && *len != end - start + 1) {
      co_await send_error(ex, make_error(ErrorCode::RangeInvalid, "Content-Range does not match Content-Length"));
      co_return;
    }
  }
  auto& upload = s->upload;
  auto n = co_await ex.stream_body(
      [&](const char* p, std::size_t len) { return append_tracked(*upload, s->small, s->small_known, p, len); });
  std::uint64_t size = upload->size();
  // Free the session before answering: the client may send the next chunk
  // on another connection as soon as it has the answer.
  busy.release();
  if (!n) {
    co_await send_error(ex, n.error());
    co_return;
  }
  http::Response r;
  r.status = 202;
  r.header("Location", "/v2/" + t.name + "/blobs/uploads/" + id);
  r.header("Range", range_value(size));
  r.header("Docker-Upload-UUID", id);
  add_common_headers(r);
  co_await ex.send(std::move(r));
}

http::Task<void> Registry::finish_upload(http::Exchange& ex, const std::string& id, const Target& t) {
  auto digest_q = ex.query("digest");
  if (!digest_q) {
    co_await send_error(ex, make_error(ErrorCode::DigestInvalid, "the digest query parameter is required to finish an upload"));
    co_return;
  }
  auto d = parse_digest(*digest_q);
  if (!d) {
    co_await send_error(ex, d.error());
    co_return;
  }
  auto s = open_session(id, false);
  if (!s) {
    co_await send_error(ex, make_error(ErrorCode::BlobUploadUnknown, "blob upload unknown to registry"));
    co_return;
  }
  BusyGuard busy(s->busy);
  if (!busy.owned()) {
    co_await send_error(ex, make_error(ErrorCode::BlobUploadInvalid, "another request is writing to this upload"));
    co_return;
  }
  auto& upload = s->upload;
  // The blob's bytes when it is small enough to store inline.
  std::optional<std::string> small;
  if (ex.has_body()) {
    auto cr = ex.header("Content-Range");
    std::uint64_t start = 0, end = 0;
    if (!cr.empty() && (!parse_content_range(cr, start, end) || start != upload->size())) {
      auto r = error_response(ErrorCode::RangeInvalid, "chunk does not continue the upload");
      r.header("Location", "/v2/" + t.name + "/blobs/uploads/" + id);
      r.header("Range", range_value(upload->size()));
      add_common_headers(r);
      co_await ex.send(std::move(r));
      co_return;
    }
    if (s->small_known && small_body(ex, upload->size())) {
      // The last bytes go to memory only: the file's share is in s->small.
      auto body = co_await ex.read_body(kInlineMax);
      if (!body) {
        co_await send_error(ex, body.error());
        co_return;
      }
      small = s->small + *body;
    } else {
      auto n = co_await ex.stream_body(
          [&](const char* p, std::size_t len) { return append_tracked(*upload, s->small, s->small_known, p, len); });
      if (!n) {
        co_await send_error(ex, n.error());
        co_return;
      }
    }
  }
  if (!small && s->small_known && upload->size() <= kInlineMax) small = s->small;
  if (small) {
    auto linked = link_inline(t.repository->id, *d, std::move(*small));
    if (!linked && linked.error().code != ErrorCode::DigestInvalid) {
      // The session stays as it was (a database error may pass).
      co_await send_error(ex, linked.error());
      co_return;
    }
    // Done, or a mismatch, which ends the session like a failed seal does.
    close_session(id);
    busy.release();
    (void)blobs_.remove_upload(id);  // never fsynced: a plain unlink
    if (!linked) {
      co_await send_error(ex, linked.error());
      co_return;
    }
    co_await ex.send(blob_created(t.name, *d));
    co_return;
  }
  auto sealed = blobs_.seal_upload(*upload, *d);
  if (!sealed) {
    // A mismatch ends the session: its bytes can never become this blob.
    if (sealed.error().code == ErrorCode::DigestInvalid) {
      close_session(id);
      (void)blobs_.remove_upload(id);
    }
    co_await send_error(ex, sealed.error());
    co_return;
  }
  auto linked = link_sealed(t.repository->id, std::move(upload), *d, sealed->size);
  close_session(id);
  busy.release();
  if (!linked) {
    co_await send_error(ex, linked.error());
    co_return;
  }
  co_await ex.send(blob_created(t.name, *d));
}

http::Task<void> Registry::cancel_upload(http::Exchange& ex, const std::string& id, const Target& t) {
  auto s = open_session(id, false);
  if (!s) {
    co_await send_error(ex, make_error(ErrorCode::BlobUploadUnknown, "blob upload unknown to registry"));
    co_return;
  }
  close_session(id);
  auto removed = blobs_.remove_upload(id);
  if (!removed) {
    co_await send_error(ex, removed.error());
    co_return;
  }
  http::Response r;
  r.status = 204;
  add_common_headers(r);
  co_await ex.send(std::move(r));
}

}  // namespace portcullis::registry
