// GET, HEAD, PUT and DELETE of /v2/<name>/manifests/<tag|digest>.
// Bytes are stored and served exactly as pushed; the digest is computed over
// those bytes.
#include <spdlog/spdlog.h>

#include "core/reference.h"
#include "oci/manifest.h"
#include "registry/errors.h"
#include "registry/registry.h"

namespace portcullis::registry {

using core::ErrorCode;
using core::make_error;
using http::bhttp::verb;

namespace {
bool looks_like_digest(std::string_view ref) { return ref.find(':') != std::string_view::npos; }
}  // namespace

http::Task<void> Registry::handle_manifest(http::Exchange& ex, const Route& route, const auth::Principal* who,
                                           Target& t) {
  const std::string& ref = route.reference;
  if (looks_like_digest(ref)) {
    auto d = parse_digest(ref);
    if (!d) {
      co_await send_error(ex, d.error());
      co_return;
    }
  } else if (!core::is_valid_tag(ref)) {
    co_await send_error(ex, make_error(ErrorCode::NameInvalid, "invalid tag: " + ref));
    co_return;
  }
  switch (ex.method()) {
    case verb::get:
    case verb::head: co_await get_manifest(ex, route, t); break;
    case verb::put: {
      auto repo = repository_for_write(who, t);
      if (!repo) {
        co_await send_error(ex, repo.error());
        co_return;
      }
      co_await put_manifest(ex, route, t);
      break;
    }
    case verb::delete_: co_await delete_manifest(ex, route, t); break;
    default: co_await send_error(ex, make_error(ErrorCode::Unsupported, "method not allowed on a manifest"));
  }
}

http::Task<void> Registry::get_manifest(http::Exchange& ex, const Route& route, const Target& t) {
  auto unknown = make_error(ErrorCode::ManifestUnknown, "manifest unknown to registry: " + route.reference);
  if (!t.repository) {
    co_await send_error(ex, make_error(ErrorCode::NameUnknown, "repository name not known to registry: " + t.name));
    co_return;
  }
  std::string digest = route.reference;
  if (!looks_like_digest(digest)) {
    auto resolved = meta_.resolve_tag(t.repository->id, digest);
    if (!resolved) {
      co_await send_error(ex, resolved.error());
      co_return;
    }
    if (!*resolved) {
      co_await send_error(ex, unknown);
      co_return;
    }
    digest = **resolved;
  }
  auto cached = manifests_.get(digest);
  auto stored = meta_.get_manifest(t.repository->id, digest, !cached);
  if (!stored) {
    co_await send_error(ex, stored.error());
    co_return;
  }
  if (!*stored) {
    co_await send_error(ex, unknown);
    co_return;
  }
  if (!cached) {
    auto m = std::make_shared<CachedManifest>();
    m->media_type = (*stored)->media_type;
    m->content = std::move((*stored)->content);
    manifests_.put(digest, m);
    cached = m;
  }
  http::Response r;
  r.header("Content-Type", cached->media_type);
  r.header("Docker-Content-Digest", digest);
  r.header("ETag", "\"" + digest + "\"");
  add_common_headers(r);
  if (ex.method() == verb::head) {
    r.content_length = cached->content.size();
  } else {
    r.body = cached->content;
  }
  co_await ex.send(std::move(r));
}

http::Task<void> Registry::put_manifest(http::Exchange& ex, const Route& route, const Target& t) {
  bool too_large = false;
  auto body = co_await ex.read_body(oci::kMaxManifestSize, &too_large);
  if (!body) {
    if (too_large)
      co_await send_error(ex, make_error(ErrorCode::ManifestTooLarge, "manifest is larger than the limit of " +
                                                                          std::to_string(oci::kMaxManifestSize) + " bytes"));
    else
      co_await send_error(ex, body.error());
    co_return;
  }
  auto parsed = oci::parse_manifest(*body, ex.header("Content-Type"));
  if (!parsed) {
    co_await send_error(ex, parsed.error());
    co_return;
  }
  core::Digest digest;
  std::optional<std::string> tag;
  if (looks_like_digest(route.reference)) {
    auto wanted = core::Digest::parse(route.reference);
    digest = core::Digest::of(wanted->algorithm(), *body);
    if (digest != *wanted) {
      co_await send_error(ex, make_error(ErrorCode::DigestInvalid, "manifest digest " + digest.str() +
                                                                     " does not match the reference " + route.reference));
      co_return;
    }
  } else {
    digest = core::Digest::of(core::DigestAlgorithm::Sha256, *body);
    tag = route.reference;
  }
  meta::ManifestRecord rec;
  rec.digest = digest.str();
  rec.media_type = parsed->media_type;
  rec.artifact_type = parsed->artifact_type;
  rec.content = *body;
  if (parsed->subject) rec.subject = parsed->subject->digest;
  rec.annotations_json = parsed->annotations_json;
  rec.blob_refs = parsed->blob_refs;
  rec.manifest_refs = parsed->manifest_refs;
  auto stored = meta_.put_manifest(t.repository->id, rec, tag);
  if (!stored) {
    co_await send_error(ex, stored.error());
    co_return;
  }
  auto m = std::make_shared<CachedManifest>();
  m->media_type = rec.media_type;
  m->content = std::move(*body);
  manifests_.put(rec.digest, m);
  spdlog::info("event=manifest_pushed repository={} digest={} tag={} media_type={}", t.name, rec.digest,
               tag.value_or(""), rec.media_type);
  http::Response r;
  r.status = 201;
  r.header("Location", "/v2/" + t.name + "/manifests/" + rec.digest);
  r.header("Docker-Content-Digest", rec.digest);
  if (rec.subject) r.header("OCI-Subject", *rec.subject);
  add_common_headers(r);
  co_await ex.send(std::move(r));
}

http::Task<void> Registry::delete_manifest(http::Exchange& ex, const Route& route, const Target& t) {
  if (!t.repository) {
    co_await send_error(ex, make_error(ErrorCode::NameUnknown, "repository name not known to registry: " + t.name));
    co_return;
  }
  core::Result<bool> removed = false;
  if (looks_like_digest(route.reference)) {
    removed = meta_.delete_manifest(t.repository->id, route.reference);
  } else {
    removed = meta_.delete_tag(t.repository->id, route.reference);
  }
  if (!removed) {
    co_await send_error(ex, removed.error());
    co_return;
  }
  if (!*removed) {
    co_await send_error(ex, make_error(ErrorCode::ManifestUnknown, "manifest unknown to registry: " + route.reference));
    co_return;
  }
  spdlog::info("event=manifest_deleted repository={} reference={}", t.name, route.reference);
  http::Response r;
  r.status = 202;
  add_common_headers(r);
  co_await ex.send(std::move(r));
}

}  // namespace portcullis::registry
