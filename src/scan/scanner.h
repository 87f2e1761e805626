// inventory_image(): the inventory of one image, reading each layer at most
// once per analyzer set.
//
// For each layer of the resolved image the cache is asked first, under
// layer_cache_key(diffID, analyzers); a miss reads the layer (layer_reader.h)
// and stores the result, but only after the layer's content was checked
// against its diffID. A dir: source is walked instead and never cached.
// Layers missing from the cache are read in parallel (options.parallel).
// The results are merged (inventory.h) and purls assigned.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "scan/analyzer.h"
#include "scan/file_dispatch.h"
#include "scan/image_source.h"
#include "scan/inventory.h"

namespace portcullis::scan {

// Where layer results are kept between scans (the metadata database in the
// server and in the CLI's cache directory). Implementations are thread-safe;
// failures are not fatal to a scan (a cache that cannot store just misses).
class LayerCache {
 public:
  virtual ~LayerCache() = default;
  virtual std::optional<std::string> get(const std::string& key) = 0;
  virtual void put(const std::string& key, const std::string& diff_id, const std::string& value) = 0;
};

// "sha256:<hex>" over the diffID, the layer-result format version and every
// analyzer's name and version: changing any of them misses the cache.
std::string layer_cache_key(std::string_view diff_id, const AnalyzerList& analyzers);

// The cached form of a LayerResult, and back (an Error for anything that is
// not a document this version wrote).
std::string encode_layer_result(const LayerResult& result);
core::Result<LayerResult> decode_layer_result(std::string_view text);

struct ScanEvent {
  enum Kind { layer_cached, layer_started, layer_progress, layer_done } kind;
  std::size_t index = 0;  // layer index, bottom first
  std::size_t count = 0;  // layers in the image
  const LayerInfo* layer = nullptr;
  std::uint64_t done_bytes = 0;  // compressed bytes consumed (layer_progress)
};

struct ScanOptions {
  Platform platform = Platform::host();
  ScanLimits limits;
  LayerCache* cache = nullptr;
  unsigned parallel = 2;
  std::function<void(const ScanEvent&)> on_event;  // may be called from several threads
};

core::Result<Inventory> inventory_image(ImageSource& source, std::string_view image_name, const AnalyzerList& analyzers,
                                        const ScanOptions& options);

}  // namespace portcullis::scan
