#include "storage/background_hasher.h"

#include <cstring>

namespace portcullis::storage {

BackgroundHasher::BackgroundHasher(core::Hasher initial) : hasher_(std::move(initial)) {}

BackgroundHasher::~BackgroundHasher() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    thread_.join();
  }
}

void BackgroundHasher::start() {
  blocks_.resize(kBlocks);
  for (std::size_t i = 0; i < kBlocks; ++i) {
    blocks_[i].data = std::make_unique<char[]>(kBlockSize);
    free_.push_back(i);
  }
  thread_ = std::thread([this] { run(); });
}

void BackgroundHasher::update(const char* data, std::size_t size) {
  if (!thread_.joinable()) {
    if (inline_bytes_ + size < kThreadThreshold) {
      hasher_.update(data, size);
      inline_bytes_ += size;
      return;
    }
    start();
  }
  while (size > 0) {
    std::size_t idx;
    {
      std::unique_lock lock(mu_);
      done_cv_.wait(lock, [&] { return !free_.empty(); });
      idx = free_.back();
      free_.pop_back();
    }
    std::size_t n = std::min(size, kBlockSize);
    std::memcpy(blocks_[idx].data.get(), data, n);
    blocks_[idx].size = n;
    {
      std::lock_guard lock(mu_);
      full_.push_back(idx);
    }
    work_cv_.notify_one();
    data += n;
    size -= n;
  }
}

void BackgroundHasher::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stop_ || !full_.empty(); });
    if (full_.empty()) return;  // stop_ and nothing left
    std::size_t idx = full_.front();
    full_.pop_front();
    busy_ = true;
    lock.unlock();
    hasher_.update(blocks_[idx].data.get(), blocks_[idx].size);
    lock.lock();
    busy_ = false;
    free_.push_back(idx);
    done_cv_.notify_all();
  }
}

core::Digest BackgroundHasher::digest() {
  if (!thread_.joinable()) return hasher_.digest();
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return full_.empty() && !busy_; });
  return hasher_.digest();
}

}  // namespace portcullis::storage
