// Berkeley DB hash files, as rpm <= 4.15 wrote var/lib/rpm/Packages.
//
// Layout (Berkeley DB's db_page.h, as documented by go-rpmdb and claircore):
// page 0 is the hash meta page (magic 0x061561 at offset 12 in the writer's
// byte order, page size at 20, last page number at 32); every other page has
// a 26-byte header (next page at 16, entry count at 20, "high free offset" at
// 22, type at 25) followed by an array of 16-bit item offsets. On hash pages
// items come in key/value pairs; item i spans from its offset to the offset
// of item i-1 (item 0 to the page end). rpm's values are header blobs, almost
// always too big for a page, so they are "off-page" items pointing at a chain
// of overflow pages, each holding hf_offset bytes after its header.
//
// Every page is owned by at most one chain, so a page met twice is a loop or
// a corruption: remembering visited pages both stops loops and keeps the walk
// linear in the file size.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "scan/analyzers/rpmdb.h"

namespace portcullis::scan::rpmdb {
namespace {

constexpr std::uint32_t kHashMagic = 0x061561;
constexpr std::size_t kPageHeader = 26;
constexpr std::uint8_t kPageHashUnsorted = 2;  // hash page of old (RHEL 5 era) files
constexpr std::uint8_t kPageOverflow = 7;
constexpr std::uint8_t kPageHashMeta = 8;
constexpr std::uint8_t kPageHash = 13;
constexpr std::uint8_t kItemKeyData = 1;
constexpr std::uint8_t kItemOffPage = 3;
// An RPM header is at most 256 MiB (librpm's HEADER_DATA_MAX + index).
constexpr std::uint32_t kMaxBlob = 256u << 20;

class Bytes {
 public:
  Bytes(std::string_view data, bool swapped) : data_(data), swapped_(swapped) {}
  std::uint32_t u32(std::size_t at) const {
    std::uint32_t v;
    std::memcpy(&v, data_.data() + at, 4);
    return swapped_ ? __builtin_bswap32(v) : v;
  }
  std::uint16_t u16(std::size_t at) const {
    std::uint16_t v;
    std::memcpy(&v, data_.data() + at, 2);
    return swapped_ ? __builtin_bswap16(v) : v;
  }

 private:
  std::string_view data_;
  bool swapped_;
};

bool native_magic(std::string_view c) {
  std::uint32_t m;
  std::memcpy(&m, c.data() + 12, 4);
  return m == kHashMagic;
}

struct Walker {
  std::string_view content;
  Bytes bytes;
  std::size_t page_size;
  std::uint32_t pages;
  const Sinks& sinks;
  std::vector<bool> visited;  // overflow pages already consumed by a chain
  std::string value;          // reassembly buffer, reused between records

  std::string_view page(std::uint32_t n) const { return content.substr(std::size_t{n} * page_size, page_size); }
  std::size_t base(std::uint32_t n) const { return std::size_t{n} * page_size; }

  // Reassembles an off-page value into `value`; false (with a warning) when
  // the chain is broken, loops or ends early.
  bool follow_chain(std::uint32_t first, std::uint32_t total, std::uint32_t from_page) {
    value.clear();
    if (total == 0 || total > kMaxBlob || total > content.size()) {
      sinks.warn("bdb: page " + std::to_string(from_page) + ": off-page item of implausible length " +
                 std::to_string(total));
      return false;
    }
    value.reserve(total);
    for (std::uint32_t cur = first; value.size() < total;) {
      if (cur == 0 || cur >= pages) {
        sinks.warn("bdb: page " + std::to_string(from_page) + ": overflow chain leaves the file at page " +
                   std::to_string(cur));
        return false;
      }
      if (visited[cur]) {
        sinks.warn("bdb: page " + std::to_string(from_page) + ": overflow chain revisits page " +
                   std::to_string(cur) + " (loop or shared page)");
        return false;
      }
      visited[cur] = true;
      std::size_t b = base(cur);
      if (static_cast<std::uint8_t>(content[b + 25]) != kPageOverflow) {
        sinks.warn("bdb: page " + std::to_string(cur) + ": expected an overflow page");
        return false;
      }
      std::size_t len = bytes.u16(b + 22);
      len = std::min({len, page_size - kPageHeader, total - value.size()});
      value.append(content.substr(b + kPageHeader, len));
      cur = bytes.u32(b + 16);
      if (cur == 0) break;
    }
    if (value.size() != total) {
      sinks.warn("bdb: page " + std::to_string(from_page) + ": overflow chain holds " +
                 std::to_string(value.size()) + " of " + std::to_string(total) + " bytes");
      return false;
    }
    return true;
  }

  void hash_page(std::uint32_t n) {
    std::size_t b = base(n);
    std::size_t entries = bytes.u16(b + 20);
    std::size_t room = (page_size - kPageHeader) / 2;
    if (entries > room || entries % 2 != 0) {
      sinks.warn("bdb: page " + std::to_string(n) + ": bad entry count " + std::to_string(entries));
      entries = std::min(entries, room) & ~std::size_t{1};
    }
    std::size_t index_end = kPageHeader + 2 * entries;
    auto offset = [&](std::size_t i) -> std::size_t { return bytes.u16(b + kPageHeader + 2 * i); };
    for (std::size_t i = 0; i + 1 < entries; i += 2) {
      std::size_t key_at = offset(i), val_at = offset(i + 1);
      std::size_t key_end = i == 0 ? page_size : offset(i - 1);
      std::size_t val_end = key_at;
      if (key_at < index_end || val_at < index_end || key_end > page_size || key_at >= key_end ||
          val_at >= val_end) {
        sinks.warn("bdb: page " + std::to_string(n) + ": item " + std::to_string(i) + " out of bounds");
        continue;
      }
      std::string_view key = page(n).substr(key_at, key_end - key_at);
      std::string_view val = page(n).substr(val_at, val_end - val_at);
      // Record 0 holds rpm's next-instance counter, not a header.
      if (key.size() == 5 && key[0] == kItemKeyData && bytes.u32(b + key_at + 1) == 0) continue;
      std::uint8_t type = static_cast<std::uint8_t>(val[0]);
      if (type == kItemKeyData) {
        sinks.blob(val.substr(1));
      } else if (type == kItemOffPage) {
        if (val.size() < 12) {
          sinks.warn("bdb: page " + std::to_string(n) + ": short off-page item");
          continue;
        }
        if (follow_chain(bytes.u32(b + val_at + 4), bytes.u32(b + val_at + 8), n)) sinks.blob(value);
      } else {
        sinks.warn("bdb: page " + std::to_string(n) + ": unsupported item type " + std::to_string(type));
      }
    }
  }
};

}  // namespace

void read_bdb_hash(std::string_view content, const Sinks& sinks) {
  if (content.size() < 512) {
    sinks.warn("bdb: file shorter than a meta page");
    return;
  }
  Bytes bytes(content, !native_magic(content));
  if (bytes.u32(12) != kHashMagic || static_cast<std::uint8_t>(content[25]) != kPageHashMeta) {
    sinks.warn("bdb: not a Berkeley DB hash file");
    return;
  }
  if (content[24] != 0) {
    sinks.warn("bdb: encrypted database");
    return;
  }
  std::uint32_t page_size = bytes.u32(20);
  if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0) {
    sinks.warn("bdb: bad page size " + std::to_string(page_size));
    return;
  }
  std::uint64_t declared = std::uint64_t{bytes.u32(32)} + 1;
  std::uint64_t present = content.size() / page_size;
  if (present < declared)
    sinks.warn("bdb: truncated: " + std::to_string(present) + " of " + std::to_string(declared) + " pages present");
  auto pages = static_cast<std::uint32_t>(std::min(declared, present));
  Walker w{content, bytes, page_size, pages, sinks, std::vector<bool>(pages, false), {}};
  for (std::uint32_t n = 1; n < pages; ++n) {
    std::uint8_t type = static_cast<std::uint8_t>(content[w.base(n) + 25]);
    if (type == kPageHash || type == kPageHashUnsorted) w.hash_page(n);
  }
}

}  // namespace portcullis::scan::rpmdb
