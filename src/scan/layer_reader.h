// The layer reader: one pass over a layer blob, analyzers on the way.
//
// read_layer() decompresses the blob (decompress.h), walks the tar with
// libarchive, and for each entry:
//  - cleans the path (leading "/" and "./" dropped, "." and empty components
//    removed); an entry with a ".." component is skipped with a warning;
//  - records whiteouts (".wh.NAME" deletes NAME of lower layers,
//    ".wh..wh..opq" makes its directory opaque); they are not analyzed;
//  - offers regular files (not links, devices or directories) to the
//    analyzers through FileDispatch, reading content only when wanted.
// The whole stream is read to its end and its sha256 compared with the
// expected diffID, so a result is only ever cached under the diffID its
// content really has. A corrupt or truncated stream, a tar libarchive
// rejects, or a layer over the limits is an Error naming the cause.
#pragma once
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/result.h"
#include "scan/analyzer.h"
#include "scan/file_dispatch.h"
#include "scan/image_source.h"

namespace portcullis::scan {

// Called now and then with the compressed bytes consumed so far.
using Progress = std::function<void(std::uint64_t compressed_bytes)>;

// `expected_diff_id` may be empty (nothing to check against).
core::Result<LayerResult> read_layer(std::unique_ptr<ByteReader> blob, std::string_view expected_diff_id,
                                     const AnalyzerList& analyzers, const ScanLimits& limits,
                                     const Progress& progress = {});

// The path as the layer reader records it, or empty when unsafe (a ".."
// component) or naming the root. `absolute` is set when it started with "/".
std::string clean_layer_path(std::string_view raw, bool* absolute = nullptr);

}  // namespace portcullis::scan
