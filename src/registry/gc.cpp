#include "registry/gc.h"

#include <ctime>
#include <set>
#include <spdlog/spdlog.h>

namespace portcullis::registry {

core::Result<GcReport> collect_garbage(meta::MetaStore& meta, storage::BlobStore& blobs, const GcOptions& options) {
  GcReport report;
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  const std::int64_t cutoff = now - options.grace_seconds;

  // 1. Links that no manifest of their repository uses any more.
  auto links = meta.unreferenced_links(cutoff);
  if (!links) return links.error();
  for (auto& l : *links) {
    if (options.dry_run) {
      report.links_removed++;
      continue;
    }
    auto removed = meta.unlink_blob_if_unreferenced(l.repository_id, l.digest, cutoff);
    if (!removed) return removed.error();
    if (*removed) report.links_removed++;
  }

  // 2. Blobs no repository links, and files the database never recorded
  //    (left by a crash between the file move and the commit). An inline
  //    blob (bytes in the database) goes with its row, by the same rules;
  //    it has no file, so `remove` finds nothing to stat or delete and
  //    bytes_freed counts files only.
  auto known = meta.all_blobs();
  if (!known) return known.error();
  std::set<std::string> candidates(known->begin(), known->end());
  auto walked = blobs.walk_blobs([&](const core::Digest& d, const storage::BlobInfo& info) {
    if (info.modified < cutoff) candidates.insert(d.str());
  });
  if (!walked) return walked.error();
  for (auto& digest : candidates) {
    auto d = core::Digest::parse(digest);
    if (!d) continue;
    std::uint64_t size = 0;
    auto remove = [&]() -> core::Result<void> {
      auto st = blobs.stat(*d);
      if (st) {
        if (st->modified >= cutoff) return core::make_error(core::ErrorCode::Conflict, "blob is too recent");
        size = st->size;
      }
      if (options.dry_run) return core::make_error(core::ErrorCode::Conflict, "dry run");
      return blobs.remove(*d);
    };
    if (options.dry_run) {
      // Count what would go without changing anything.
      auto linked = meta.known_blob(digest);
      if (linked && !*linked) {
        auto st = blobs.stat(*d);
        if (!st || st->modified < cutoff) {
          report.blobs_removed++;
          if (st) report.bytes_freed += st->size;
        }
      }
      continue;
    }
    auto removed = meta.delete_blob_if_unreferenced(digest, cutoff, remove);
    if (!removed) {
      if (removed.error().code == core::ErrorCode::Conflict) continue;
      return removed.error();
    }
    if (*removed) {
      report.blobs_removed++;
      report.bytes_freed += size;
    }
  }

  // 3. Uploads idle for longer than their grace period.
  const std::int64_t upload_cutoff = now - options.upload_grace_seconds;
  std::vector<std::string> stale;
  auto w = blobs.walk_uploads([&](const std::string& id, const storage::BlobInfo& info) {
    if (info.modified < upload_cutoff) stale.push_back(id);
  });
  if (!w) return w.error();
  for (auto& id : stale) {
    if (!options.dry_run) {
      auto r = blobs.remove_upload(id);
      if (!r) return r.error();
    }
    report.uploads_removed++;
  }
  spdlog::info("event=gc links_removed={} blobs_removed={} bytes_freed={} uploads_removed={} dry_run={}",
               report.links_removed, report.blobs_removed, report.bytes_freed, report.uploads_removed, options.dry_run);
  return report;
}

}  // namespace portcullis::registry
