// ManifestCache: manifest bytes by digest, in memory, bounded in bytes (LRU).
// Content under a digest never changes, so entries are never stale; whether a
// repository holds a manifest is always asked of the metadata database.
#pragma once
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace portcullis::registry {

struct CachedManifest {
  std::string media_type;
  std::string content;
};

class ManifestCache {
 public:
  explicit ManifestCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}
  std::shared_ptr<const CachedManifest> get(const std::string& digest);
  void put(const std::string& digest, std::shared_ptr<const CachedManifest> m);
  void erase(const std::string& digest);

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const CachedManifest>>;
  std::mutex mu_;
  std::list<Entry> lru_;  // front = most recent
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::size_t bytes_ = 0;
  std::size_t capacity_;
};

}  // namespace portcullis::registry
