#include "scan/sources/tar_index.h"

#include <cstring>
#include <memory>

#include "scan/layer_reader.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

namespace portcullis::scan {
namespace {

using core::ErrorCode;
using core::make_error;

constexpr std::uint64_t kMaxExtendedHeader = 1 << 20;

std::optional<std::uint64_t> parse_size(const unsigned char* field, std::size_t len) {
  if (field[0] & 0x80) {  // base-256 (GNU) for sizes past 8 GiB
    std::uint64_t v = field[0] & 0x7f;
    for (std::size_t i = 1; i < len; ++i) {
      if (v >> 55) return std::nullopt;
      v = (v << 8) | field[i];
    }
    return v;
  }
  std::uint64_t v = 0;
  std::size_t i = 0;
  while (i < len && field[i] == ' ') ++i;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (v >> 60) return std::nullopt;
    v = v * 8 + (field[i] - '0');
  }
  return v;
}

std::string field_string(const unsigned char* p, std::size_t len) {
  return std::string(reinterpret_cast<const char*>(p), strnlen(reinterpret_cast<const char*>(p), len));
}

// "LEN key=value\n" records of a pax header.
void apply_pax(std::string_view data, std::string& path, std::optional<std::uint64_t>& size) {
  while (!data.empty()) {
    std::size_t space = data.find(' ');
    if (space == std::string_view::npos) return;
    std::uint64_t len = 0;
    for (char c : data.substr(0, space)) {
      if (c < '0' || c > '9') return;
      len = len * 10 + (c - '0');
      if (len > data.size()) return;
    }
    if (len <= space + 1) return;
    std::string_view rec = data.substr(space + 1, len - space - 2);  // without the newline
    std::size_t eq = rec.find('=');
    if (eq != std::string_view::npos) {
      std::string_view key = rec.substr(0, eq), value = rec.substr(eq + 1);
      if (key == "path") path = std::string(value);
      if (key == "size") {
        std::uint64_t v = 0;
        for (char c : value) v = v * 10 + (c >= '0' && c <= '9' ? c - '0' : 0);
        size = v;
      }
    }
    data.remove_prefix(len);
  }
}

}  // namespace

core::Result<std::map<std::string, TarMember>> index_tar_file(const std::string& path, std::size_t max_entries) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::NotFound, path + ": " + std::strerror(errno));
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { ::close(*f); });
  struct stat st {};
  if (::fstat(fd, &st) != 0) return make_error(ErrorCode::Io, path + ": " + std::strerror(errno));
  const std::uint64_t file_size = static_cast<std::uint64_t>(st.st_size);
  std::map<std::string, TarMember> out;
  std::uint64_t pos = 0;
  std::string next_path;
  std::optional<std::uint64_t> next_size;
  unsigned char header[512];
  // Reads exactly n bytes at pos, or reports that the file is too short.
  auto read_exact = [&](void* buf, std::size_t n) -> core::Result<bool> {
    std::size_t done = 0;
    while (done < n) {
      ssize_t got = ::pread(fd, static_cast<char*>(buf) + done, n - done, static_cast<off_t>(pos + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return make_error(ErrorCode::Io, path + ": " + std::strerror(errno));
      if (got == 0) return false;
      done += static_cast<std::size_t>(got);
    }
    return true;
  };
  auto skip = [&](std::uint64_t n) -> core::Result<bool> { return pos + n <= file_size; };
  for (std::size_t entries = 0;; ++entries) {
    if (entries > max_entries) return make_error(ErrorCode::InvalidArgument, path + ": too many tar entries");
    auto ok = read_exact(header, sizeof header);
    if (!ok) return ok.error();
    if (!*ok) return make_error(ErrorCode::InvalidArgument, path + ": truncated tar (no end-of-archive marker)");
    pos += 512;
    if (entries == 0 && std::memcmp(header + 257, "ustar", 5) != 0)
      return make_error(ErrorCode::InvalidArgument, path + ": not a tar file");
    bool zero = true;
    for (unsigned char c : header) zero = zero && c == 0;
    if (zero) break;
    auto size = parse_size(header + 124, 12);
    if (!size) return make_error(ErrorCode::InvalidArgument, path + ": bad size in a tar header");
    if (next_size) size = next_size;
    std::uint64_t padded = (*size + 511) / 512 * 512;
    char type = static_cast<char>(header[156]);
    if (type == 'L' || type == 'x') {
      if (*size > kMaxExtendedHeader) return make_error(ErrorCode::InvalidArgument, path + ": oversized tar extended header");
      std::string data(static_cast<std::size_t>(padded), '\0');
      auto got = read_exact(data.data(), data.size());
      if (!got) return got.error();
      if (!*got) return make_error(ErrorCode::InvalidArgument, path + ": truncated tar");
      pos += padded;
      data.resize(static_cast<std::size_t>(*size));
      if (type == 'L') next_path = std::string(data.c_str());
      else apply_pax(data, next_path, next_size);
      continue;
    }
    std::string name = next_path;
    if (name.empty()) {
      name = field_string(header, 100);
      if (std::memcmp(header + 257, "ustar", 5) == 0 && header[345] != 0)
        name = field_string(header + 345, 155) + "/" + name;
    }
    next_path.clear();
    next_size.reset();
    if (type == '0' || type == '\0' || type == '7') {
      std::string clean = clean_layer_path(name);
      if (!clean.empty()) out[clean] = TarMember{pos, *size};
    }
    auto skipped = skip(padded);
    if (!skipped) return skipped.error();
    if (!*skipped) return make_error(ErrorCode::InvalidArgument, path + ": truncated tar");
    pos += padded;
  }
  return out;
}

}  // namespace portcullis::scan
