// Index of an uncompressed tar file: entry name -> (data offset, size), so a
// docker-archive's members can be read in place without unpacking. Handles
// ustar names with prefixes, GNU long names ('L') and pax 'path'/'size'
// records; at most `max_entries` entries.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "core/result.h"

namespace portcullis::scan {

struct TarMember {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

core::Result<std::map<std::string, TarMember>> index_tar_file(const std::string& path,
                                                              std::size_t max_entries = 100000);

}  // namespace portcullis::scan
