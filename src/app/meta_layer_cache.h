// The scanner's layer cache kept in a metadata database (the server's own,
// or the CLI's private one in its cache directory).
#pragma once
#include <memory>
#include <string>

#include "core/result.h"
#include "meta/meta_store.h"
#include "scan/scanner.h"

namespace portcullis::app {

class MetaLayerCache : public scan::LayerCache {
 public:
  explicit MetaLayerCache(meta::MetaStore& store) : store_(store) {}
  std::optional<std::string> get(const std::string& key) override;
  void put(const std::string& key, const std::string& diff_id, const std::string& value) override;

 private:
  meta::MetaStore& store_;
};

// The CLI's cache directory: $PORTCULLIS_CACHE_DIR, else
// $XDG_CACHE_HOME/portcullis, else ~/.cache/portcullis.
std::string default_cache_dir();

}  // namespace portcullis::app
