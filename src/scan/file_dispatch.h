// FileDispatch: hands one file to the analyzers that want it.
//
// Shared by the tar layer reader and the rootfs walker. For each regular
// file the caller asks wanted(); only when some analyzer wants the file does
// it read the content, through feed(). A file is read at most once however
// many analyzers want it; whole-file readers get one buffer, stream readers
// get the chunks as they pass. Memory is bounded by the largest size_limit()
// of the analyzers and by a per-layer budget of bytes held for analyzers:
// past either, the file is skipped with a warning that says which limit.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "scan/analyzer.h"

namespace portcullis::scan {

struct ScanLimits {
  std::uint64_t max_layer_bytes = 64ull << 30;    // uncompressed bytes of one layer
  std::uint64_t max_layer_entries = 10'000'000;   // tar entries of one layer
  std::uint64_t max_held_per_layer = 1ull << 30;  // bytes read whole for analyzers, per layer
};

// Reads up to `size` bytes of the current file's content; 0 at its end.
using ContentReader = std::function<core::Result<std::size_t>(char* buffer, std::size_t size)>;

class FileDispatch {
 public:
  FileDispatch(const AnalyzerList& analyzers, const ScanLimits& limits, LayerResult& out);

  // Whether any analyzer wants the regular file `info`. When true, the caller
  // must call feed() next for the same file.
  bool wanted(const FileInfo& info);
  // Reads the file through `read` and runs the analyzers that wanted it. An
  // Error means the content could not be read (the layer is broken), not
  // that an analyzer disliked it.
  core::Result<void> feed(const FileInfo& info, const ContentReader& read);

 private:
  const AnalyzerList& analyzers_;
  const ScanLimits& limits_;
  LayerResult& out_;
  std::vector<const Analyzer*> whole_;
  std::vector<const Analyzer*> stream_;
  std::uint64_t held_ = 0;
  std::string buffer_;
};

}  // namespace portcullis::scan
