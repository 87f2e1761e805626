// BackgroundHasher: a running SHA-256 (or SHA-512) of a byte stream that,
// once the stream is large, is computed on a helper thread while the caller
// goes on writing the bytes elsewhere. On two cores this overlaps hashing
// (~1.7 GB/s) with receiving and writing, instead of doing all three in turn.
//
// Contract: update() takes the bytes in order and may return before they are
// hashed (it copies them); digest() waits for everything given so far. Small
// streams never start a thread. Memory: at most kBlocks × kBlockSize bytes
// per hasher. Not thread-safe itself: one writer at a time.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/digest.h"

namespace portcullis::storage {

class BackgroundHasher {
 public:
  static constexpr std::size_t kBlockSize = 1 << 20;
  static constexpr std::size_t kBlocks = 4;
  // Streams smaller than this are hashed inline on the caller's thread.
  static constexpr std::size_t kThreadThreshold = 8 << 20;

  explicit BackgroundHasher(core::Hasher initial);
  ~BackgroundHasher();
  BackgroundHasher(const BackgroundHasher&) = delete;
  BackgroundHasher& operator=(const BackgroundHasher&) = delete;

  void update(const char* data, std::size_t size);
  core::Digest digest();

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
  };
  void start();
  void run();

  core::Hasher hasher_;
  std::uint64_t inline_bytes_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::vector<Block> blocks_;
  std::deque<std::size_t> full_;
  std::vector<std::size_t> free_;
  bool busy_ = false;  // the thread holds a block
  bool stop_ = false;
};

}  // namespace portcullis::storage
