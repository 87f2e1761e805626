#include "scan/decompress.h"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <cstring>
#include <vector>

namespace portcullis::scan {
namespace {
using core::ErrorCode;
using core::make_error;
constexpr std::size_t kInputBuffer = 256 * 1024;
}  // namespace

struct DecompressingReader::State {
  std::vector<unsigned char> in = std::vector<unsigned char>(kInputBuffer);
  std::size_t in_pos = 0;
  std::size_t in_len = 0;
  inflate_state gz{};
  bool gz_member_done = false;
  ZSTD_DCtx* zstd = nullptr;
  bool zstd_frame_done = true;
  ~State() {
    if (zstd) ZSTD_freeDCtx(zstd);
  }
};

DecompressingReader::DecompressingReader(std::unique_ptr<ByteReader> compressed, std::uint64_t max_output)
    : source_(std::move(compressed)), state_(std::make_unique<State>()), max_output_(max_output) {}

DecompressingReader::~DecompressingReader() = default;

// Moves unread input to the front and reads more; returns bytes added (0 at end).
core::Result<std::size_t> DecompressingReader::fill_input() {
  State& s = *state_;
  if (input_eof_) return std::size_t{0};
  if (s.in_pos > 0) {
    std::memmove(s.in.data(), s.in.data() + s.in_pos, s.in_len - s.in_pos);
    s.in_len -= s.in_pos;
    s.in_pos = 0;
  }
  if (s.in_len == s.in.size()) return std::size_t{0};
  auto n = source_->read(reinterpret_cast<char*>(s.in.data()) + s.in_len, s.in.size() - s.in_len);
  if (!n) return n.error();
  if (*n == 0) input_eof_ = true;
  s.in_len += *n;
  in_total_ += *n;
  return *n;
}

core::Result<std::size_t> DecompressingReader::read(char* buffer, std::size_t size) {
  State& s = *state_;
  if (!sniffed_) {
    while (s.in_len < 4 && !input_eof_) {
      auto n = fill_input();
      if (!n) return n.error();
    }
    const unsigned char* b = s.in.data();
    if (s.in_len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
      compression_ = Compression::gzip;
      isal_inflate_init(&s.gz);
      s.gz.crc_flag = ISAL_GZIP;
    } else if (s.in_len >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
      compression_ = Compression::zstd;
      s.zstd = ZSTD_createDCtx();
      if (!s.zstd) return make_error(ErrorCode::Internal, "zstd: out of memory");
    }
    sniffed_ = true;
  }
  std::uint64_t room = max_output_ - out_total_;
  if (room == 0) {
    // One byte more would exceed the limit: find out whether there is one.
    char probe;
    auto more = compression_ == Compression::gzip   ? read_gzip(&probe, 1)
                : compression_ == Compression::zstd ? read_zstd(&probe, 1)
                                                    : core::Result<std::size_t>(std::size_t{0});
    if (compression_ == Compression::none) {
      if (s.in_pos < s.in_len) more = std::size_t{1};
      else if (auto n = fill_input(); !n) return n.error();
      else more = *n;
    }
    if (!more) return more.error();
    if (*more == 0) return std::size_t{0};
    return make_error(ErrorCode::InvalidArgument, "layer expands to more than " + std::to_string(max_output_) +
                                                      " bytes (the uncompressed layer size limit)");
  }
  if (size > room) size = static_cast<std::size_t>(room);

  core::Result<std::size_t> got = std::size_t{0};
  switch (compression_) {
    case Compression::gzip: got = read_gzip(buffer, size); break;
    case Compression::zstd: got = read_zstd(buffer, size); break;
    case Compression::none:
      if (s.in_pos == s.in_len) {
        s.in_pos = s.in_len = 0;
        auto n = fill_input();
        if (!n) return n.error();
      }
      {
        std::size_t n = std::min(size, s.in_len - s.in_pos);
        std::memcpy(buffer, s.in.data() + s.in_pos, n);
        s.in_pos += n;
        got = n;
      }
      break;
  }
  if (!got) return got;
  hasher_.update(buffer, *got);
  out_total_ += *got;
  return got;
}

core::Result<std::size_t> DecompressingReader::read_gzip(char* buffer, std::size_t size) {
  State& s = *state_;
  if (size > UINT32_MAX) size = UINT32_MAX;
  while (true) {
    if (s.gz_member_done) {
      // Another gzip member may follow (pigz and some tools write several).
      while (s.in_pos == s.in_len && !input_eof_) {
        auto n = fill_input();
        if (!n) return n.error();
      }
      if (s.in_pos == s.in_len) return std::size_t{0};
      isal_inflate_reset(&s.gz);
      s.gz.crc_flag = ISAL_GZIP;
      s.gz_member_done = false;
    }
    if (s.in_pos == s.in_len) {
      auto n = fill_input();
      if (!n) return n.error();
    }
    s.gz.next_in = s.in.data() + s.in_pos;
    s.gz.avail_in = static_cast<uint32_t>(s.in_len - s.in_pos);
    s.gz.next_out = reinterpret_cast<uint8_t*>(buffer);
    s.gz.avail_out = static_cast<uint32_t>(size);
    int rc = isal_inflate(&s.gz);
    s.in_pos = s.in_len - s.gz.avail_in;
    std::size_t produced = size - s.gz.avail_out;
    if (rc != ISAL_DECOMP_OK)
      return make_error(ErrorCode::InvalidArgument,
                        rc == ISAL_INCORRECT_CHECKSUM ? "corrupt gzip stream: checksum mismatch"
                                                      : "corrupt gzip stream (isa-l error " + std::to_string(rc) + ")");
    if (s.gz.block_state == ISAL_BLOCK_FINISH) s.gz_member_done = true;
    if (produced > 0) return produced;
    if (s.gz_member_done) continue;
    if (input_eof_ && s.in_pos == s.in_len) return make_error(ErrorCode::InvalidArgument, "truncated gzip stream");
  }
}

core::Result<std::size_t> DecompressingReader::read_zstd(char* buffer, std::size_t size) {
  State& s = *state_;
  while (true) {
    if (s.in_pos == s.in_len) {
      auto n = fill_input();
      if (!n) return n.error();
      if (s.in_pos == s.in_len) {
        if (!s.zstd_frame_done) return make_error(ErrorCode::InvalidArgument, "truncated zstd stream");
        return std::size_t{0};
      }
    }
    ZSTD_inBuffer in{s.in.data() + s.in_pos, s.in_len - s.in_pos, 0};
    ZSTD_outBuffer out{buffer, size, 0};
    std::size_t rc = ZSTD_decompressStream(s.zstd, &out, &in);
    s.in_pos += in.pos;
    if (ZSTD_isError(rc))
      return make_error(ErrorCode::InvalidArgument, std::string("corrupt zstd stream: ") + ZSTD_getErrorName(rc));
    s.zstd_frame_done = rc == 0;
    if (out.pos > 0) return out.pos;
  }
}

}  // namespace portcullis::scan
