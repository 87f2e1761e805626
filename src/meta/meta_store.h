// MetaStore: the metadata database (projects, repositories, blob links,
// manifests, tags, referrers, uploads, principals) behind one typed API.
//
// Contract:
//  - Every method is one transaction: it either happens whole or not at all,
//    and once it returns success the change is durable (committed to the WAL
//    with synchronous=FULL for SQLite).
//  - Thread-safe: callers on any thread may call any method; connections come
//    from a pool (SQLite in WAL mode: readers never wait for the writer).
//  - Queries use only SQL that PostgreSQL also runs, so a PostgreSQL back end
//    can follow without changing callers.
//  - The schema is created and upgraded by numbered migrations on open.
//  - Blob files move only inside the write transaction that records them
//    (`link_blob`, `delete_blob_if_unreferenced` take the file operation as a
//    callback), so gc and uploads never race on a digest.
//  - Small blobs (at most kInlineBlobMaxBytes) may live in the database
//    itself instead of in storage (`link_inline_blob`). Their bytes become
//    durable with the one commit that links them: one fsync, where a file
//    costs three (data, rename, directory) plus that commit. A blob is held
//    in one place only: a digest already stored as a file stays a file, and
//    `link_blob` does not place a file for a digest held inline.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace portcullis::meta {

using core::Result;

struct Project {
  std::int64_t id = 0;
  std::string name;
  bool is_public = false;
  std::int64_t created_at = 0;  // unix seconds
};

struct Repository {
  std::int64_t id = 0;
  std::int64_t project_id = 0;
  std::string name;  // full name, e.g. "library/nginx" or "nginx"
};

// What the registry records when a manifest is pushed.
struct ManifestRecord {
  std::string digest;         // "sha256:..." of `content`
  std::string media_type;     // as stored and served
  std::string artifact_type;  // for referrers (empty if none)
  std::string content;        // the exact bytes pushed
  std::optional<std::string> subject;        // digest of the subject manifest
  std::string annotations_json = "{}";      // the manifest's annotations object
  std::vector<std::string> blob_refs;       // config + layers: must be linked in the repository
  std::vector<std::string> manifest_refs;   // index children: must exist in the repository
};

struct StoredManifest {
  std::int64_t id = 0;
  std::string digest;
  std::string media_type;
  std::int64_t size = 0;
  std::string content;  // empty when fetched without content
};

struct Referrer {
  std::string digest;
  std::string media_type;
  std::string artifact_type;
  std::int64_t size = 0;
  std::string annotations_json;  // "{}" when none
};

struct Upload {
  std::string id;
  std::int64_t repository_id = 0;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct User {
  std::int64_t id = 0;
  std::string name;
  std::string password_hash;  // argon2id string (libsodium crypto_pwhash_str)
  bool is_admin = false;
  bool can_create_projects = false;
};

// The largest blob the registry stores inline in the database (see
// MetaStore::link_inline_blob). Small enough that a blob is read whole into
// memory, served from it and kept in a cache; large enough for configs,
// signatures, attestations and tiny layers, where fsyncs dominate the cost.
inline constexpr std::int64_t kInlineBlobMaxBytes = 64 * 1024;

// What the database knows of a linked blob.
struct BlobRef {
  std::int64_t size = 0;
  bool stored_inline = false;  // bytes in the database (inline_blob), not in storage
};

// A link of a blob to a repository that no manifest of that repository uses.
struct BlobLink {
  std::int64_t repository_id = 0;
  std::string digest;
};

// A file operation run inside a write transaction, with the database's write
// lock held: it must not call back into the MetaStore. If it fails, the
// transaction rolls back. A failed commit after it succeeded (a disk error)
// is reported as an error; the file operation is not undone.
using FileOp = std::function<Result<void>()>;

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  // ---- projects and repositories
  virtual Result<std::optional<Project>> find_project(const std::string& name) = 0;
  // Conflict if it exists already.
  virtual Result<Project> create_project(const std::string& name, bool is_public) = 0;
  virtual Result<std::optional<Repository>> find_repository(const std::string& name) = 0;
  // Returns the repository, creating it in `project_id` if it does not exist.
  virtual Result<Repository> ensure_repository(std::int64_t project_id, const std::string& name) = 0;
  // Repository names in lexical order, strictly after `after`, at most `limit`
  // (a negative limit means no limit).
  // `public_only` leaves out repositories of non-public projects.
  virtual Result<std::vector<std::string>> list_repositories(const std::string& after, std::int64_t limit,
                                                             bool public_only) = 0;

  // ---- blobs
  // Size and place of the blob if it is linked to the repository.
  virtual Result<std::optional<BlobRef>> repository_blob(std::int64_t repository_id, const std::string& digest) = 0;
  // Size of the blob if any repository links it (for cross-repository mount).
  virtual Result<std::optional<std::int64_t>> known_blob(const std::string& digest) = 0;
  // Records the blob and links it to the repository; `place` (may be empty)
  // runs inside the transaction before it commits, to move the file in (or,
  // for a mount, to check that the file is there). `place` is not run when
  // the blob is already stored inline: the caller discards its own copy.
  virtual Result<void> link_blob(std::int64_t repository_id, const std::string& digest, std::int64_t size,
                                 const FileOp& place) = 0;
  // Records the blob with its bytes and links it to the repository, in one
  // write transaction: once this returns, the bytes are as durable as the
  // link. Does not verify that `content` hashes to `digest` (the caller
  // does). If the digest is recorded already (inline or as a file) only the
  // link is added; SizeInvalid if its recorded size differs. InvalidArgument
  // if `content` is larger than kInlineBlobMaxBytes.
  virtual Result<void> link_inline_blob(std::int64_t repository_id, const std::string& digest,
                                        const std::string& content) = 0;
  // The bytes of a blob stored inline; nullopt if the digest is unknown or
  // stored as a file. Says nothing about which repositories link it.
  virtual Result<std::optional<std::string>> inline_blob(const std::string& digest) = 0;
  // Removes the link; false if there was none.
  virtual Result<bool> unlink_blob(std::int64_t repository_id, const std::string& digest) = 0;
  // For gc: removes the link only if, inside one write transaction, it is
  // still unreferenced (as `unreferenced_links` defines it) and was created
  // before `before`; a push that re-links the blob meanwhile keeps it.
  // Returns whether it removed the link. (Added to the first contract; the
  // default answers Unsupported so other implementations keep compiling.)
  virtual Result<bool> unlink_blob_if_unreferenced(std::int64_t repository_id, const std::string& digest,
                                                   std::int64_t before) {
    return core::make_error(core::ErrorCode::Unsupported, "unlink_blob_if_unreferenced is not implemented");
  }

  // ---- manifests and tags
  // Stores the manifest (idempotent for the same digest) and, if `tag` is
  // given, points the tag at it. ManifestBlobUnknown names the first blob or
  // child manifest that the repository does not hold.
  virtual Result<void> put_manifest(std::int64_t repository_id, const ManifestRecord& m,
                                    const std::optional<std::string>& tag) = 0;
  virtual Result<std::optional<StoredManifest>> get_manifest(std::int64_t repository_id, const std::string& digest,
                                                             bool with_content) = 0;
  virtual Result<std::optional<std::string>> resolve_tag(std::int64_t repository_id, const std::string& tag) = 0;
  // Deletes the manifest, every tag pointing at it, and its references;
  // false if it was not there.
  virtual Result<bool> delete_manifest(std::int64_t repository_id, const std::string& digest) = 0;
  virtual Result<bool> delete_tag(std::int64_t repository_id, const std::string& tag) = 0;
  // Tags in lexical order (byte order) strictly after `after`, at most
  // `limit` (a negative limit means no limit).
  virtual Result<std::vector<std::string>> list_tags(std::int64_t repository_id, const std::string& after,
                                                     std::int64_t limit) = 0;
  // Manifests of the repository whose subject is `subject`; filtered by
  // artifact type when `artifact_type` is non-empty. Ordered by digest.
  virtual Result<std::vector<Referrer>> referrers(std::int64_t repository_id, const std::string& subject,
                                                  const std::string& artifact_type) = 0;

  // ---- upload sessions
  virtual Result<void> create_upload(const std::string& id, std::int64_t repository_id) = 0;
  virtual Result<std::optional<Upload>> find_upload(const std::string& id) = 0;
  virtual Result<void> touch_upload(const std::string& id) = 0;
  virtual Result<bool> delete_upload(const std::string& id) = 0;
  // Uploads whose last activity is before `before` (unix seconds).
  virtual Result<std::vector<Upload>> stale_uploads(std::int64_t before) = 0;

  // ---- principals
  // ---- layer analysis cache (opaque documents of the scanner)
  virtual Result<std::optional<std::string>> get_layer_result(const std::string& cache_key) = 0;
  // Replaces any result under the same key.
  virtual Result<void> put_layer_result(const std::string& cache_key, const std::string& diff_id,
                                        const std::string& result) = 0;

  virtual Result<std::optional<User>> find_user(const std::string& name) = 0;
  virtual Result<User> create_user(const User& u) = 0;  // Conflict if the name is taken
  virtual Result<std::int64_t> count_users() = 0;

  // ---- garbage collection
  // Links that no manifest of their repository references (neither as a blob
  // nor as the manifest itself), created before `before`.
  virtual Result<std::vector<BlobLink>> unreferenced_links(std::int64_t before) = 0;
  // Every digest in the blob table (for comparison with what storage holds).
  virtual Result<std::vector<std::string>> all_blobs() = 0;
  // In one write transaction: if no repository links `digest` and it was last
  // linked before `before`, forgets the blob (with its bytes, when inline)
  // and runs `remove` (which deletes the file, if there is one); returns
  // whether it did.
  virtual Result<bool> delete_blob_if_unreferenced(const std::string& digest, std::int64_t before,
                                                   const FileOp& remove) = 0;
};

// Opens (creating if needed) the SQLite database at `path` in WAL mode and
// runs the migrations.
Result<std::unique_ptr<MetaStore>> open_sqlite(const std::string& path, int pool_size = 8);

}  // namespace portcullis::meta
