// libFuzzer target for the layer reader: arbitrary bytes as a layer blob
// (gzip, zstd or plain tar, detected from the bytes) read with every
// analyzer. Besides "no crash": a result is only returned for a stream read
// to its end, and every file result names its path and analyzer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "scan/analyzer.h"
#include "scan/layer_reader.h"

namespace {

using namespace portcullis;
using namespace portcullis::scan;

class BytesReader : public ByteReader {
 public:
  BytesReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  core::Result<std::size_t> read(char* buffer, std::size_t size) override {
    // Odd chunk sizes exercise the decompressors' refills.
    std::size_t n = std::min({size, size_ - pos_, std::size_t{4093}});
    std::memcpy(buffer, data_ + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const AnalyzerList analyzers = all_analyzers();
  ScanLimits limits;
  limits.max_layer_bytes = 64u << 20;  // keep each run short; bombs must still end cleanly
  limits.max_layer_entries = 10000;
  limits.max_held_per_layer = 16u << 20;
  auto result = read_layer(std::make_unique<BytesReader>(data, size), "", analyzers, limits);
  if (result) {
    for (const FileResult& f : result->files) {
      if (f.path.empty() || f.analyzer.empty() || f.path.front() == '/' || f.path.find("..") == 0) {
        std::fprintf(stderr, "invariant failed: file result with path \"%s\" analyzer \"%s\"\n", f.path.c_str(),
                     f.analyzer.c_str());
        std::abort();
      }
    }
  }
  return 0;
}
