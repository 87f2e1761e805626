// BlobStore: content-addressed blob storage behind a small, filesystem-shaped
// interface (after distribution's storage drivers). Drivers: filesystem now,
// s3 later.
//
// Guarantees every driver keeps:
//  - A blob is visible under its digest only when complete and verified: an
//    upload is written to its own temporary object, hashed as it arrives, made
//    durable, and then moved into place atomically. A crash at any moment
//    leaves either the whole verified blob or nothing under the digest.
//  - Memory use does not depend on blob size: data streams through.
//  - Blobs are immutable; removing one is the only change.
// Callers serialise metadata changes around blob moves (see meta::MetaStore).
#pragma once
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>

#include "core/digest.h"
#include "core/result.h"

namespace portcullis::storage {

struct BlobInfo {
  std::uint64_t size = 0;
  std::time_t modified = 0;
};

// A blob opened for reading. For the filesystem driver `fd()` is a file
// descriptor the HTTP layer may `sendfile` from (it stays owned by the reader).
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual std::uint64_t size() const = 0;
  virtual int fd() const = 0;  // -1 when the driver has no file descriptor
  // Reads up to `len` bytes at `offset`; returns the count (0 at end).
  virtual core::Result<std::size_t> read(std::uint64_t offset, char* buf, std::size_t len) = 0;
};

// One in-progress upload. Appends only; keeps a running SHA-256 of what it
// holds. Not thread-safe: the registry serialises requests per upload.
class Upload {
 public:
  virtual ~Upload() = default;
  virtual const std::string& id() const = 0;
  virtual std::uint64_t size() const = 0;
  virtual core::Result<void> append(const char* data, std::size_t len) = 0;
  virtual core::Digest sha256() const = 0;  // of the bytes appended so far
  // False once the upload was removed from the store behind this object's
  // back (gc of an abandoned upload, a cancel from another process).
  virtual bool still_stored() const = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  virtual core::Result<BlobInfo> stat(const core::Digest& d) = 0;  // NotFound if absent
  virtual core::Result<std::unique_ptr<BlobReader>> open(const core::Digest& d) = 0;

  // Starts an empty upload named `id` (a random identifier chosen by the caller).
  virtual core::Result<std::unique_ptr<Upload>> create_upload(const std::string& id) = 0;
  // Reopens an upload left by an earlier request or process; rehashes the bytes
  // already there. NotFound if there is none.
  virtual core::Result<std::unique_ptr<Upload>> resume_upload(const std::string& id) = 0;
  // Verifies that the upload's bytes hash to `expected` (any supported
  // algorithm; non-SHA-256 means one more pass over the data) and makes them
  // durable (fsync). DigestInvalid on a mismatch; the upload is left as it was.
  // Does not yet make the blob visible: call `place` for that.
  virtual core::Result<BlobInfo> seal_upload(Upload& upload, const core::Digest& expected) = 0;
  // Atomically moves a sealed upload to its content address (if a blob with
  // that digest exists already, the upload is discarded instead) and makes
  // the move durable. The upload object must not be used afterwards.
  virtual core::Result<void> place(std::unique_ptr<Upload> upload, const core::Digest& d) = 0;
  // Discards an upload (no error if absent).
  virtual core::Result<void> remove_upload(const std::string& id) = 0;

  // Removes a blob (no error if absent).
  virtual core::Result<void> remove(const core::Digest& d) = 0;

  // Visits every stored blob / every upload left in the store, for gc.
  virtual core::Result<void> walk_blobs(const std::function<void(const core::Digest&, const BlobInfo&)>& fn) = 0;
  virtual core::Result<void> walk_uploads(const std::function<void(const std::string& id, const BlobInfo&)>& fn) = 0;
};

// The filesystem driver: blobs at ROOT/blobs/<alg>/<2 hex>/<hex>, uploads at
// ROOT/uploads/<id>. Uses O_CLOEXEC everywhere, fsyncs data before the rename
// and the directory after it.
std::unique_ptr<BlobStore> make_filesystem_store(const std::string& root);

}  // namespace portcullis::storage
