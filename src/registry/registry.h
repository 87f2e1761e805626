// Registry: the OCI Distribution 1.1 API (/v2/) over a BlobStore and a
// MetaStore. One handler per resource (blobs.cpp, uploads.cpp,
// manifests.cpp, listing.cpp); access decisions in access.cpp; every error
// leaves through errors.cpp.
//
// Projects: the first component of a repository name is its project; a
// one-component name belongs to the public project "library". A project is
// created on the first push by an account allowed to create projects;
// projects created so are private.
//
// Where blobs live: a blob of at most meta::kInlineBlobMaxBytes is stored
// inline in the metadata database by the transaction that links it (one
// fsync, instead of fsyncing the file, the rename and the directory and then
// committing); larger blobs are files in storage, moved in inside the linking
// transaction. Small blobs are served from memory (a bounded cache by
// digest), larger ones with sendfile. Uploads still stream to a file when
// the client does not announce a small body up front; such a file is
// unlinked, never fsynced, when its blob ends up inline.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "auth/authenticator.h"
#include "http/exchange.h"
#include "meta/meta_store.h"
#include "registry/manifest_cache.h"
#include "registry/route.h"
#include "storage/blob_store.h"

namespace portcullis::registry {

struct RegistryOptions {
  std::string realm = "portcullis";
  std::size_t manifest_cache_bytes = 64 * 1024 * 1024;
  std::size_t small_blob_cache_bytes = 32 * 1024 * 1024;  // inline blobs' bytes
  std::size_t max_open_uploads = 1024;
};

class Registry {
 public:
  Registry(RegistryOptions options, storage::BlobStore& blobs, meta::MetaStore& meta, auth::Authenticator& auth);
  ~Registry();

  // Answers one request under /v2/.
  http::Task<void> handle(http::Exchange& ex);

  // Makes sure the public project "library" exists (called at start-up).
  core::Result<void> bootstrap();

 private:
  // What a request may do to one repository, resolved once per request.
  struct Target {
    std::string name;
    std::optional<meta::Project> project;
    std::optional<meta::Repository> repository;
  };
  struct UploadSession;

  http::Task<void> handle_base(http::Exchange& ex, const auth::Principal* who);
  http::Task<void> handle_catalog(http::Exchange& ex, const auth::Principal* who);
  http::Task<void> handle_tags(http::Exchange& ex, const auth::Principal* who, const Target& t);
  http::Task<void> handle_referrers(http::Exchange& ex, const Route& route, const Target& t);
  http::Task<void> handle_blob(http::Exchange& ex, const Route& route, const auth::Principal* who, const Target& t);
  http::Task<void> handle_upload(http::Exchange& ex, const Route& route, const auth::Principal* who, Target& t);
  http::Task<void> handle_manifest(http::Exchange& ex, const Route& route, const auth::Principal* who, Target& t);

  http::Task<void> start_upload(http::Exchange& ex, const auth::Principal* who, const Target& t);
  http::Task<void> patch_upload(http::Exchange& ex, const std::string& id, const Target& t);
  http::Task<void> finish_upload(http::Exchange& ex, const std::string& id, const Target& t);
  http::Task<void> upload_status(http::Exchange& ex, const std::string& id, const Target& t, unsigned status);
  http::Task<void> cancel_upload(http::Exchange& ex, const std::string& id, const Target& t);

  http::Task<void> get_manifest(http::Exchange& ex, const Route& route, const Target& t);
  http::Task<void> put_manifest(http::Exchange& ex, const Route& route, const Target& t);
  http::Task<void> delete_manifest(http::Exchange& ex, const Route& route, const Target& t);

  // Access: loads project and repository and checks `action`; on refusal
  // returns the error to send (401 for anonymous, 403/404 otherwise).
  std::optional<core::Error> authorize(const auth::Principal* who, auth::Action action, Target& t);
  // Creates the project (if allowed) and the repository for a write.
  core::Result<meta::Repository> repository_for_write(const auth::Principal* who, Target& t);

  http::Task<void> send_error(http::Exchange& ex, const core::Error& e);
  http::Response unauthorized(const std::string& message) const;
  // 201 for a blob now in repository `name` (upload finished or mounted).
  http::Response blob_created(const std::string& name, const core::Digest& d) const;
  void add_common_headers(http::Response& r) const;

  // Upload sessions open in this process (file descriptor + running hash).
  std::shared_ptr<UploadSession> open_session(const std::string& id, bool create);
  void close_session(const std::string& id);
  core::Result<void> link_sealed(std::int64_t repository_id, std::unique_ptr<storage::Upload> upload,
                                 const core::Digest& digest, std::uint64_t size);
  // Verifies that `bytes` hash to `digest` and links them inline.
  core::Result<void> link_inline(std::int64_t repository_id, const core::Digest& digest, std::string bytes);

  std::string new_upload_id();

  RegistryOptions options_;
  storage::BlobStore& blobs_;
  meta::MetaStore& meta_;
  auth::Authenticator& auth_;
  ManifestCache manifests_;
  ManifestCache small_blobs_;  // inline blobs by digest (media type unused)
  // Project and repository of recently used names, for a few seconds: two
  // metadata lookups fewer on every request. Projects and repositories are
  // never renamed or deleted yet; when they can be, this must follow.
  struct CachedTarget {
    meta::Project project;
    meta::Repository repository;
    std::chrono::steady_clock::time_point expires;
  };
  static constexpr std::chrono::seconds kTargetTtl{5};
  static constexpr std::size_t kMaxCachedTargets = 10000;
  bool cached_target(Target& t);
  void remember_target(const Target& t);
  std::mutex targets_mu_;
  std::unordered_map<std::string, CachedTarget> targets_;

  std::mutex sessions_mu_;
  std::unordered_map<std::string, std::shared_ptr<UploadSession>> sessions_;
};

}  // namespace portcullis::registry
