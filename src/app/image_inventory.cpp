// Reading an image's inventory for the CLI commands (sbom, scan): the image
// source named on the command line (registry: included), the layer cache in
// the cache directory, and a progress line on a terminal.
#include "app/image_inventory.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>

#include <fmt/format.h>

#include "app/meta_layer_cache.h"
#include "meta/meta_store.h"
#include "registry/stored_image.h"
#include "scan/analyzer.h"
#include "scan/scanner.h"
#include "storage/blob_store.h"

namespace portcullis::app {
namespace {

// One status line on a terminal, redrawn at most ten times a second.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  ~ProgressLine() { clear(); }

  void on_event(const scan::ScanEvent& e) {
    if (!enabled_) return;
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (e.kind == scan::ScanEvent::layer_progress && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::string digest = e.layer ? e.layer->digest.substr(0, 19) : "";
    std::string line;
    switch (e.kind) {
      case scan::ScanEvent::layer_cached: line = fmt::format("layer {}/{} {} cached", e.index + 1, e.count, digest); break;
      case scan::ScanEvent::layer_started: line = fmt::format("layer {}/{} {} reading", e.index + 1, e.count, digest); break;
      case scan::ScanEvent::layer_progress: {
        double done = static_cast<double>(e.done_bytes) / (1 << 20);
        double total = e.layer ? static_cast<double>(e.layer->size) / (1 << 20) : 0;
        line = total > 0 ? fmt::format("layer {}/{} {} {:.1f}/{:.1f} MiB ({:.0f}%)", e.index + 1, e.count, digest, done,
                                       total, 100.0 * done / total)
                         : fmt::format("layer {}/{} {} {:.1f} MiB", e.index + 1, e.count, digest, done);
        break;
      }
      case scan::ScanEvent::layer_done: line = fmt::format("layer {}/{} {} done", e.index + 1, e.count, digest); break;
    }
    std::cerr << "\r\x1b[2K" << line << std::flush;
    shown_ = true;
  }

  void clear() {
    if (enabled_ && shown_) std::cerr << "\r\x1b[2K" << std::flush;
    shown_ = false;
  }

 private:
  bool enabled_;
  bool shown_ = false;
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

int read_image_inventory(const ImageOptions& opts, const std::string& prefix, scan::Inventory& out) {
  scan::ScanOptions options;
  if (!opts.platform.empty()) {
    auto p = scan::Platform::parse(opts.platform);
    if (!p) {
      std::cerr << prefix + ": " << p.error().message << "\n";
      return 2;
    }
    options.platform = *p;
  }
  scan::SourceOptions source_options;
  source_options.creds = opts.creds;
  source_options.auth_file = opts.auth_file;
  source_options.insecure_tls = !opts.tls_verify;
  source_options.plain_http = opts.plain_http;

  // registry:NAME[:TAG|@DIGEST] reads this registry's own data directory;
  // the database and blob store stay open for the whole scan.
  std::unique_ptr<meta::MetaStore> registry_db;
  std::unique_ptr<storage::BlobStore> registry_blobs;
  auto source = [&]() -> core::Result<std::unique_ptr<scan::ImageSource>> {
    if (!opts.image.starts_with("registry:")) return scan::open_image_source(opts.image, source_options);
    std::string spec = opts.image.substr(std::string_view("registry:").size());
    std::string name = spec, reference = "latest";
    if (auto at = spec.find('@'); at != std::string::npos) {
      name = spec.substr(0, at);
      reference = spec.substr(at + 1);
    } else if (auto colon = spec.rfind(':'); colon != std::string::npos && spec.find('/', colon) == std::string::npos) {
      name = spec.substr(0, colon);
      reference = spec.substr(colon + 1);
    }
    std::filesystem::path db_path = std::filesystem::path(opts.data_dir) / "portcullis.db";
    if (!std::filesystem::exists(db_path))
      return core::make_error(core::ErrorCode::NotFound, opts.data_dir + " is not a Portcullis data directory");
    auto db = meta::open_sqlite(db_path.string(), 2);
    if (!db) return db.error();
    registry_db = std::move(*db);
    registry_blobs = storage::make_filesystem_store(opts.data_dir);
    auto opened = registry::open_stored_image(*registry_db, *registry_blobs, name, reference);
    // A one-component name lives in the public "library" project.
    if (!opened && name.find('/') == std::string::npos)
      opened = registry::open_stored_image(*registry_db, *registry_blobs, "library/" + name, reference);
    return opened;
  }();
  if (!source) {
    std::cerr << prefix + ": " << source.error().message << "\n";
    // A registry: image that is not there is a failed lookup, not a usage error.
    return opts.image.starts_with("registry:") ? 1 : 2;
  }

  std::unique_ptr<meta::MetaStore> cache_db;
  std::unique_ptr<MetaLayerCache> cache;
  if (!opts.no_cache) {
    std::string dir = opts.cache_dir.empty() ? default_cache_dir() : opts.cache_dir;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    auto db = meta::open_sqlite(dir + "/cache.db", 2);
    if (db) {
      cache_db = std::move(*db);
      cache = std::make_unique<MetaLayerCache>(*cache_db);
      options.cache = cache.get();
    } else {
      std::cerr << "portcullis sbom: warning: layer cache unavailable (" << db.error().message << ")\n";
    }
  }

  ProgressLine progress(!opts.quiet && ::isatty(STDERR_FILENO));
  options.on_event = [&](const scan::ScanEvent& e) { progress.on_event(e); };
  auto analyzers = scan::all_analyzers();
  auto inventory = scan::inventory_image(**source, opts.image, analyzers, options);
  progress.clear();
  if (!inventory) {
    std::cerr << prefix + ": " << opts.image << ": " << inventory.error().message << "\n";
    return 1;
  }
  if (!opts.quiet)
    for (const auto& w : inventory->warnings) std::cerr << prefix << ": warning: " << w << "\n";
  out = std::move(*inventory);
  return 0;

}

}  // namespace portcullis::app
