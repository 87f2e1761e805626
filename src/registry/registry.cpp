#include "registry/registry.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include "core/reference.h"
#include "registry/errors.h"

namespace portcullis::registry {

using core::Error;
using core::ErrorCode;
using core::make_error;

Registry::Registry(RegistryOptions options, storage::BlobStore& blobs, meta::MetaStore& meta, auth::Authenticator& auth)
    : options_(std::move(options)), blobs_(blobs), meta_(meta), auth_(auth), manifests_(options_.manifest_cache_bytes),
      small_blobs_(options_.small_blob_cache_bytes) {}

Registry::~Registry() = default;

core::Result<void> Registry::bootstrap() {
  auto p = meta_.find_project("library");
  if (!p) return p.error();
  if (!*p) {
    auto c = meta_.create_project("library", true);
    if (!c && c.error().code != ErrorCode::Conflict) return c.error();
  }
  return {};
}

void Registry::add_common_headers(http::Response& r) const {
  r.header("Docker-Distribution-API-Version", "registry/2.0");
}

http::Response Registry::unauthorized(const std::string& message) const {
  auto r = error_response(ErrorCode::Unauthorized, message);
  r.header("WWW-Authenticate", "Basic realm=\"" + options_.realm + "\", charset=\"UTF-8\"");
  return r;
}

http::Task<void> Registry::send_error(http::Exchange& ex, const Error& e) {
  http::Response r = e.code == ErrorCode::Unauthorized ? unauthorized(e.message) : error_response(e);
  if (e.code == ErrorCode::Io || e.code == ErrorCode::Internal)
    spdlog::error("event=request_failed method={} path={} error=\"{}\"", std::string(http::bhttp::to_string(ex.method())),
                  ex.path(), e.message);
  add_common_headers(r);
  co_await ex.send(std::move(r));
}

std::string Registry::new_upload_id() {
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  return core::to_hex(raw, sizeof raw);
}

bool Registry::cached_target(Target& t) {
  std::lock_guard lock(targets_mu_);
  auto it = targets_.find(t.name);
  if (it == targets_.end() || it->second.expires < std::chrono::steady_clock::now()) return false;
  t.project = it->second.project;
  t.repository = it->second.repository;
  return true;
}

void Registry::remember_target(const Target& t) {
  // Only what exists is remembered: a repository created a moment later
  // must be seen at once.
  if (!t.project || !t.repository) return;
  std::lock_guard lock(targets_mu_);
  if (targets_.size() >= kMaxCachedTargets) targets_.clear();
  targets_[t.name] = CachedTarget{*t.project, *t.repository, std::chrono::steady_clock::now() + kTargetTtl};
}

std::optional<Error> Registry::authorize(const auth::Principal* who, auth::Action action, Target& t) {
  if (!core::is_valid_repository_name(t.name))
    return make_error(ErrorCode::NameInvalid, "invalid repository name: " + t.name);
  if (!cached_target(t)) {
    auto project = meta_.find_project(core::project_of(t.name));
    if (!project) return project.error();
    t.project = *project;
    if (t.project) {
      auto repo = meta_.find_repository(t.name);
      if (!repo) return repo.error();
      t.repository = *repo;
    }
    remember_target(t);
  }
  const meta::Project* p = t.project ? &*t.project : nullptr;
  bool read = action == auth::Action::Pull;
  if (read && !t.project) {
    // Say nothing about projects to the anonymous.
    if (!who) return make_error(ErrorCode::Unauthorized, "authentication required");
    return make_error(ErrorCode::NameUnknown, "repository name not known to registry: " + t.name);
  }
  if (!auth::allowed(who, action, p)) {
    if (!who) return make_error(ErrorCode::Unauthorized, "authentication required");
    return make_error(ErrorCode::Denied, "requested access to the resource is denied");
  }
  return std::nullopt;
}

core::Result<meta::Repository> Registry::repository_for_write(const auth::Principal* who, Target& t) {
  if (t.repository) return *t.repository;
  if (!t.project) {
    if (!auth::allowed(who, auth::Action::CreateProject, nullptr))
      return make_error(ErrorCode::Denied, "project " + core::project_of(t.name) +
                                               " does not exist and this account may not create projects");
    auto created = meta_.create_project(core::project_of(t.name), false);
    if (!created && created.error().code != ErrorCode::Conflict) return created.error();
    auto again = meta_.find_project(core::project_of(t.name));
    if (!again) return again.error();
    if (!*again) return make_error(ErrorCode::Internal, "project vanished after creation");
    t.project = **again;
    spdlog::info("event=project_created project={} by={}", t.project->name, who ? who->name : "");
  }
  auto repo = meta_.ensure_repository(t.project->id, t.name);
  if (!repo) return repo.error();
  t.repository = *repo;
  return *repo;
}

http::Task<void> Registry::handle(http::Exchange& ex) {
  // Who is asking: bad credentials are refused outright, whatever the resource.
  // containers/image sends Basic with an empty user and password when it has
  // no credentials for a Basic challenge: that is an anonymous request.
  std::string_view authorization = ex.header("Authorization");
  if (auto creds = auth::parse_basic(authorization); creds && *creds && (*creds)->user.empty() && (*creds)->password.empty())
    authorization = {};
  auto who_r = auth_.authenticate_basic(authorization);
  if (!who_r) {
    auto r = unauthorized(who_r.error().message);
    add_common_headers(r);
    co_await ex.send(std::move(r));
    co_return;
  }
  std::optional<auth::Principal> principal = *who_r;
  const auth::Principal* who = principal ? &*principal : nullptr;

  Route route = parse_route(ex.path());
  auto method = ex.method();
  using http::bhttp::verb;
  if (route.resource == Resource::Base) {
    co_await handle_base(ex, who);
    co_return;
  }
  if (route.resource == Resource::Catalog) {
    if (method != verb::get) {
      co_await send_error(ex, make_error(ErrorCode::Unsupported, "method not allowed"));
      co_return;
    }
    co_await handle_catalog(ex, who);
    co_return;
  }
  if (route.resource == Resource::Unknown) {
    co_await send_error(ex, make_error(ErrorCode::NotFound, "no such endpoint"));
    co_return;
  }

  Target t;
  t.name = route.name;
  bool write = method == verb::post || method == verb::put || method == verb::patch || method == verb::delete_;
  auto action = !write ? auth::Action::Pull : method == verb::delete_ ? auth::Action::Delete : auth::Action::Push;
  if (auto denied = authorize(who, action, t)) {
    co_await send_error(ex, *denied);
    co_return;
  }
  switch (route.resource) {
    case Resource::Manifest: co_await handle_manifest(ex, route, who, t); break;
    case Resource::Blob: co_await handle_blob(ex, route, who, t); break;
    case Resource::Upload: co_await handle_upload(ex, route, who, t); break;
    case Resource::Tags:
      if (method != verb::get) co_await send_error(ex, make_error(ErrorCode::Unsupported, "method not allowed"));
      else co_await handle_tags(ex, who, t);
      break;
    case Resource::Referrers:
      if (method != verb::get) co_await send_error(ex, make_error(ErrorCode::Unsupported, "method not allowed"));
      else co_await handle_referrers(ex, route, t);
      break;
    default: co_await send_error(ex, make_error(ErrorCode::NotFound, "no such endpoint"));
  }
}

http::Task<void> Registry::handle_base(http::Exchange& ex, const auth::Principal* who) {
  if (!who) {
    auto r = unauthorized("authentication required");
    add_common_headers(r);
    co_await ex.send(std::move(r));
    co_return;
  }
  http::Response r;
  r.body = "{}";
  r.header("Content-Type", "application/json");
  add_common_headers(r);
  co_await ex.send(std::move(r));
}

}  // namespace portcullis::registry
