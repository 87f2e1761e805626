// A ByteReader over a file, or over a byte range of one (a layer inside a
// docker-archive tar). The file is opened when the reader is made.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "scan/image_source.h"

namespace portcullis::scan {

// Reads [offset, offset + length) of `path`; length UINT64_MAX = to the end.
core::Result<std::unique_ptr<ByteReader>> open_file_reader(const std::string& path, std::uint64_t offset = 0,
                                                           std::uint64_t length = UINT64_MAX);

// The whole content of a file, refusing files over `max_size`.
core::Result<std::string> read_small_file(const std::string& path, std::uint64_t max_size);

}  // namespace portcullis::scan
