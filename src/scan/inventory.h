// An image's inventory: its OS and every package, merged from its layers.
//
// merge_layers() is the applier: it walks the layer results bottom-up; each
// layer first removes what its whiteouts and opaque directories hide in the
// layers below, then adds its own file results, replacing a lower result for
// the same (path, analyzer). The packages of the surviving file results, in
// layer order then path order, are the image's packages; the OS facts of the
// surviving release files give its OS (merge_os_facts in os_release.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "scan/package.h"

namespace portcullis::scan {

struct LayerInfo {
  std::string digest;      // blob digest as stored (compressed)
  std::string diff_id;     // digest of the uncompressed tar
  std::string media_type;
  std::uint64_t size = 0;  // compressed size
};

struct Inventory {
  std::string image;            // what the user named ("oci:dir:tag", "docker://...")
  std::string manifest_digest;  // the image manifest read (platform manifest for an index)
  std::string config_digest;
  std::string platform;         // "linux/amd64"
  std::vector<std::string> repo_tags;  // tags the source knows for the image
  OsRelease os;
  std::vector<LayerInfo> layers;
  std::vector<Package> packages;
  std::vector<std::string> warnings;  // from layers and files, prefixed with where they come from
};

// Merges the layer results (bottom layer first) into `inventory`: packages,
// OS and warnings. `inventory.layers` is left as it is.
void merge_layers(const std::vector<LayerResult>& layers, Inventory& inventory);

}  // namespace portcullis::scan
