// Layer decompression: a ByteReader over a layer blob that yields the
// uncompressed tar, whatever the blob's compression (gzip through isa-l,
// multi-member gzip included; zstd, multi-frame included; or none), detected
// from the first bytes rather than trusted from the media type.
//
// While it reads, it hashes the uncompressed bytes so the caller can check
// the layer against its diffID, and it refuses to produce more than
// `max_output` bytes (decompression bombs end with an Error, not with a full
// disk or an endless loop). Memory is two fixed buffers.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "core/digest.h"
#include "scan/image_source.h"

namespace portcullis::scan {

enum class Compression { none, gzip, zstd };

class DecompressingReader : public ByteReader {
 public:
  DecompressingReader(std::unique_ptr<ByteReader> compressed, std::uint64_t max_output);
  ~DecompressingReader() override;
  core::Result<std::size_t> read(char* buffer, std::size_t size) override;

  Compression compression() const { return compression_; }
  std::uint64_t compressed_bytes() const { return in_total_; }
  std::uint64_t uncompressed_bytes() const { return out_total_; }
  // Digest of everything returned so far ("sha256:..."): the diffID at the end.
  core::Digest digest() const { return hasher_.digest(); }

 private:
  core::Result<std::size_t> fill_input();
  core::Result<std::size_t> read_gzip(char* buffer, std::size_t size);
  core::Result<std::size_t> read_zstd(char* buffer, std::size_t size);

  struct State;
  std::unique_ptr<ByteReader> source_;
  std::unique_ptr<State> state_;
  Compression compression_ = Compression::none;
  bool sniffed_ = false;
  bool input_eof_ = false;
  std::uint64_t max_output_;
  std::uint64_t in_total_ = 0;
  std::uint64_t out_total_ = 0;
  core::Hasher hasher_;
};

}  // namespace portcullis::scan
