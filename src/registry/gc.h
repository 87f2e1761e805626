// Garbage collection: removes blobs no manifest uses and uploads nobody
// finished. Safe while `portcullis serve` runs on the same data:
//  - only links and files older than the grace period are candidates, so a
//    blob uploaded for a manifest that is about to be pushed survives;
//  - every removal is re-checked inside the metadata write transaction that
//    uploads also take to move a blob in, so gc and a push never race on a
//    digest; the file is deleted inside that transaction.
#pragma once
#include <cstdint>

#include "core/result.h"
#include "meta/meta_store.h"
#include "storage/blob_store.h"

namespace portcullis::registry {

struct GcOptions {
  std::int64_t grace_seconds = 3600;          // blobs unreferenced for less than this stay
  std::int64_t upload_grace_seconds = 86400;  // uploads idle for less than this stay
  bool dry_run = false;
};

struct GcReport {
  std::uint64_t links_removed = 0;
  std::uint64_t blobs_removed = 0;
  std::uint64_t bytes_freed = 0;
  std::uint64_t uploads_removed = 0;
};

core::Result<GcReport> collect_garbage(meta::MetaStore& meta, storage::BlobStore& blobs, const GcOptions& options);

}  // namespace portcullis::registry
