#include "storage/background_hasher.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace portcullis;

namespace {
std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}
}  // namespace

TEST(BackgroundHasher, SmallStreamsMatchOneShotHash) {
  auto data = random_bytes(100000, 1);
  storage::BackgroundHasher h(core::Hasher{});
  h.update(data.data(), 1);
  h.update(data.data() + 1, data.size() - 1);
  EXPECT_EQ(h.digest(), core::Digest::of(core::DigestAlgorithm::Sha256, data));
}

TEST(BackgroundHasher, LargeStreamsHashedOnTheHelperThreadMatchOneShotHash) {
  auto data = random_bytes(storage::BackgroundHasher::kThreadThreshold * 3 + 12345, 2);
  storage::BackgroundHasher h(core::Hasher{});
  std::mt19937 rng(3);
  std::size_t off = 0;
  while (off < data.size()) {
    std::size_t n = std::min<std::size_t>(data.size() - off, 1 + rng() % (3 << 20));
    h.update(data.data() + off, n);
    off += n;
  }
  EXPECT_EQ(h.digest(), core::Digest::of(core::DigestAlgorithm::Sha256, data));
}

TEST(BackgroundHasher, DigestMidStreamThenContinue) {
  auto data = random_bytes(storage::BackgroundHasher::kThreadThreshold + (5 << 20), 4);
  std::size_t half = storage::BackgroundHasher::kThreadThreshold + 7;
  storage::BackgroundHasher h(core::Hasher{});
  h.update(data.data(), half);
  EXPECT_EQ(h.digest(), core::Digest::of(core::DigestAlgorithm::Sha256, std::string_view(data).substr(0, half)));
  h.update(data.data() + half, data.size() - half);
  EXPECT_EQ(h.digest(), core::Digest::of(core::DigestAlgorithm::Sha256, data));
}

TEST(BackgroundHasher, ContinuesFromAnInitialState) {
  auto data = random_bytes(storage::BackgroundHasher::kThreadThreshold * 2, 5);
  core::Hasher initial;
  initial.update(data.data(), 1000);
  storage::BackgroundHasher h(std::move(initial));
  h.update(data.data() + 1000, data.size() - 1000);
  EXPECT_EQ(h.digest(), core::Digest::of(core::DigestAlgorithm::Sha256, data));
}
