#include "scan/scanner.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "scan/layer_reader.h"
#include "scan/purl.h"
#include "scan/sources/sources.h"

namespace portcullis::scan {

core::Result<Inventory> inventory_image(ImageSource& source, std::string_view image_name, const AnalyzerList& analyzers,
                                        const ScanOptions& options) {
  Inventory inventory;
  inventory.image = std::string(image_name);

  if (std::string root = source.rootfs(); !root.empty()) {
    auto walked = read_rootfs(root, analyzers, options.limits);
    if (!walked) return walked.error();
    merge_layers({std::move(*walked)}, inventory);
    assign_purls(inventory);
    return inventory;
  }

  auto image = source.resolve(options.platform);
  if (!image) return image.error();
  inventory.manifest_digest = image->manifest_digest;
  inventory.config_digest = image->config_digest;
  inventory.platform = image->platform;
  inventory.repo_tags = image->tags;
  inventory.layers = image->layers;

  const std::size_t count = image->layers.size();
  std::vector<std::optional<LayerResult>> results(count);
  std::vector<std::size_t> missing;
  auto emit = [&](ScanEvent::Kind kind, std::size_t i, std::uint64_t done) {
    if (options.on_event) options.on_event(ScanEvent{kind, i, count, &image->layers[i], done});
  };
  for (std::size_t i = 0; i < count; ++i) {
    if (options.cache) {
      if (auto hit = options.cache->get(layer_cache_key(image->layers[i].diff_id, analyzers))) {
        if (auto decoded = decode_layer_result(*hit); decoded && decoded->diff_id == image->layers[i].diff_id) {
          results[i] = std::move(*decoded);
          emit(ScanEvent::layer_cached, i, 0);
          continue;
        }
      }
    }
    // The same diffID twice in one image (empty layers) is read once.
    bool duplicate = false;
    for (std::size_t m : missing) duplicate = duplicate || image->layers[m].diff_id == image->layers[i].diff_id;
    if (!duplicate) missing.push_back(i);
  }

  std::atomic<std::size_t> next{0};
  std::mutex error_mu;
  std::optional<core::Error> first_error;
  auto worker = [&] {
    while (true) {
      std::size_t k = next.fetch_add(1);
      if (k >= missing.size()) return;
      {
        std::lock_guard lock(error_mu);
        if (first_error) return;
      }
      std::size_t i = missing[k];
      const LayerInfo& layer = image->layers[i];
      emit(ScanEvent::layer_started, i, 0);
      auto result = [&]() -> core::Result<LayerResult> {
        auto blob = source.open_layer(layer);
        if (!blob) return blob.error();
        return read_layer(std::move(*blob), layer.diff_id, analyzers, options.limits,
                          [&](std::uint64_t done) { emit(ScanEvent::layer_progress, i, done); });
      }();
      if (!result) {
        std::lock_guard lock(error_mu);
        if (!first_error)
          first_error = core::make_error(result.error().code, "layer " + std::to_string(i + 1) + " (" + layer.digest +
                                                                   "): " + result.error().message);
        return;
      }
      if (options.cache) options.cache->put(layer_cache_key(layer.diff_id, analyzers), layer.diff_id,
                                            encode_layer_result(*result));
      results[i] = std::move(*result);
      emit(ScanEvent::layer_done, i, 0);
    }
  };
  unsigned threads = std::max(1u, std::min<unsigned>(options.parallel, static_cast<unsigned>(missing.size())));
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  if (first_error) return *first_error;

  std::vector<LayerResult> ordered;
  ordered.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (results[i]) {
      ordered.push_back(std::move(*results[i]));
      continue;
    }
    // A repeated diffID: the same content as its first occurrence, read once.
    std::size_t j = 0;
    while (j < i && image->layers[j].diff_id != image->layers[i].diff_id) ++j;
    if (j == i) return core::make_error(core::ErrorCode::Internal, "layer " + std::to_string(i + 1) + " was not read");
    ordered.push_back(ordered[j]);
  }
  merge_layers(ordered, inventory);
  assign_purls(inventory);
  return inventory;
}

}  // namespace portcullis::scan
