#include "app/meta_layer_cache.h"

#include <cstdlib>

#include <spdlog/spdlog.h>

namespace portcullis::app {

std::optional<std::string> MetaLayerCache::get(const std::string& key) {
  auto r = store_.get_layer_result(key);
  if (!r) {
    spdlog::warn("event=layer_cache_error op=get message=\"{}\"", r.error().message);
    return std::nullopt;
  }
  return *r;
}

void MetaLayerCache::put(const std::string& key, const std::string& diff_id, const std::string& value) {
  // A cache that cannot store only costs the next scan a re-read.
  if (auto r = store_.put_layer_result(key, diff_id, value); !r)
    spdlog::warn("event=layer_cache_error op=put message=\"{}\"", r.error().message);
}

std::string default_cache_dir() {
  if (const char* d = std::getenv("PORTCULLIS_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/portcullis";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/portcullis";
  return ".portcullis-cache";
}

}  // namespace portcullis::app
