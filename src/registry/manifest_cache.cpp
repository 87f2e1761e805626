#include "registry/manifest_cache.h"

namespace portcullis::registry {

std::shared_ptr<const CachedManifest> ManifestCache::get(const std::string& digest) {
  std::lock_guard lock(mu_);
  auto it = index_.find(digest);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void ManifestCache::put(const std::string& digest, std::shared_ptr<const CachedManifest> m) {
  std::size_t size = m->content.size() + m->media_type.size() + digest.size();
  if (size > capacity_) return;
  std::lock_guard lock(mu_);
  if (index_.count(digest)) return;
  lru_.emplace_front(digest, std::move(m));
  index_[digest] = lru_.begin();
  bytes_ += size;
  while (bytes_ > capacity_ && !lru_.empty()) {
    auto& last = lru_.back();
    bytes_ -= last.second->content.size() + last.second->media_type.size() + last.first.size();
    index_.erase(last.first);
    lru_.pop_back();
  }
}

void ManifestCache::erase(const std::string& digest) {
  std::lock_guard lock(mu_);
  auto it = index_.find(digest);
  if (it == index_.end()) return;
  bytes_ -= it->second->second->content.size() + it->second->second->media_type.size() + digest.size();
  lru_.erase(it->second);
  index_.erase(it);
}

}  // namespace portcullis::registry
