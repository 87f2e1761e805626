// rpm's "ndb" package database (Packages.db), the SUSE default since rpm 4.16.
//
// Layout (rpm's lib/backend/ndb/rpmpkg.c; all numbers little-endian): a
// 32-byte header ("RpmP", version 0, generation, number of 4 KiB slot pages)
// sharing the first slot page with the slots; each 16-byte slot is "Slot",
// package index, block offset, block count (blocks are 16 bytes; offset 0
// means a free slot). A slot's blocks hold a blob: 16-byte head ("BlbS",
// package index, timestamp, length), the RPM header, zero padding, and a
// 12-byte tail (adler32 of everything before it, length, "BlbE").
//
// Debian 12's librpm is built without ndb, which is why this reader exists.
// Live blobs never overlap, so the bytes examined are capped at the file size:
// slots aimed at the same blocks cannot make the walk quadratic.
#include <algorithm>
#include <cstdint>
#include <string>

#include "scan/analyzers/rpmdb.h"

namespace portcullis::scan::rpmdb {
namespace {

constexpr std::uint32_t fourcc(char a, char b, char c, char d) {
  return std::uint32_t(std::uint8_t(a)) | std::uint32_t(std::uint8_t(b)) << 8 |
         std::uint32_t(std::uint8_t(c)) << 16 | std::uint32_t(std::uint8_t(d)) << 24;
}
constexpr std::uint32_t kDbMagic = fourcc('R', 'p', 'm', 'P');
constexpr std::uint32_t kSlotMagic = fourcc('S', 'l', 'o', 't');
constexpr std::uint32_t kHeadMagic = fourcc('B', 'l', 'b', 'S');
constexpr std::uint32_t kTailMagic = fourcc('B', 'l', 'b', 'E');
constexpr std::size_t kHeaderSize = 32;
constexpr std::size_t kSlotPage = 4096;
constexpr std::size_t kSlotSize = 16;
constexpr std::size_t kBlock = 16;
constexpr std::size_t kHead = 16;
constexpr std::size_t kTail = 12;

std::uint32_t le32(std::string_view s, std::size_t at) {
  auto b = [&](std::size_t i) { return std::uint32_t(std::uint8_t(s[at + i])); };
  return b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24;
}

// RFC 1950's checksum, as rpm computes it over head + blob + padding.
std::uint32_t adler32(std::string_view s) {
  std::uint32_t a = 1, b = 0;
  while (!s.empty()) {
    std::size_t n = std::min<std::size_t>(s.size(), 5552);  // largest run without overflow
    for (std::size_t i = 0; i < n; ++i) {
      a += std::uint8_t(s[i]);
      b += a;
    }
    a %= 65521;
    b %= 65521;
    s.remove_prefix(n);
  }
  return b << 16 | a;
}

}  // namespace

void read_ndb(std::string_view content, const Sinks& sinks) {
  if (content.size() < kHeaderSize || le32(content, 0) != kDbMagic) {
    sinks.warn("ndb: not an rpm ndb database");
    return;
  }
  if (std::uint32_t version = le32(content, 4); version != 0) {
    sinks.warn("ndb: unsupported version " + std::to_string(version));
    return;
  }
  std::uint64_t slot_pages = le32(content, 12);
  std::uint64_t present = content.size() / kSlotPage;
  if (slot_pages == 0) {
    sinks.warn("ndb: no slot pages");
    return;
  }
  if (present < slot_pages) {
    sinks.warn("ndb: truncated: " + std::to_string(present) + " of " + std::to_string(slot_pages) +
               " slot pages present");
    slot_pages = present;
  }
  const std::uint64_t first_data_block = slot_pages * kSlotPage / kBlock;
  const std::uint64_t file_blocks = content.size() / kBlock;
  std::uint64_t budget = content.size();  // blob bytes we are still willing to examine
  for (std::size_t at = kHeaderSize; at + kSlotSize <= slot_pages * kSlotPage; at += kSlotSize) {
    const std::string where = "ndb: slot " + std::to_string(at / kSlotSize);
    if (le32(content, at) != kSlotMagic) {
      sinks.warn(where + ": bad magic");
      continue;
    }
    std::uint32_t pkgidx = le32(content, at + 4);
    std::uint64_t blkoff = le32(content, at + 8), blkcnt = le32(content, at + 12);
    if (blkoff == 0) continue;  // free slot
    if (pkgidx == 0 || blkcnt * kBlock < kHead + kTail || blkoff < first_data_block) {
      sinks.warn(where + ": bad entry");
      continue;
    }
    if (blkoff + blkcnt > file_blocks) {
      sinks.warn(where + ": blob lies past the end of the file (truncated database)");
      continue;
    }
    if (blkcnt * kBlock > budget) {
      sinks.warn(where + ": blobs overlap; stopping");
      return;
    }
    budget -= blkcnt * kBlock;
    std::string_view blob = content.substr(blkoff * kBlock, blkcnt * kBlock);
    std::uint64_t length = le32(blob, 12);
    if (le32(blob, 0) != kHeadMagic || le32(blob, 4) != pkgidx ||
        blkcnt != (kHead + length + kTail + kBlock - 1) / kBlock) {
      sinks.warn(where + ": bad blob head");
      continue;
    }
    std::string_view tail = blob.substr(blob.size() - kTail);
    if (le32(tail, 4) != length || le32(tail, 8) != kTailMagic) {
      sinks.warn(where + ": bad blob tail");
      continue;
    }
    // rpm itself skips this check when reading; a mismatch is reported but the
    // header still gets its own structural validation downstream.
    if (adler32(blob.substr(0, blob.size() - kTail)) != le32(tail, 0))
      sinks.warn(where + ": blob checksum mismatch");
    sinks.blob(blob.substr(kHead, length));
  }
}

}  // namespace portcullis::scan::rpmdb
