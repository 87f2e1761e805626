// The image options the inventory-reading commands share, and the reading.
#pragma once
#include <string>

#include "scan/inventory.h"

namespace portcullis::app {

struct ImageOptions {
  std::string image;
  std::string platform;
  std::string creds;
  std::string auth_file;
  bool tls_verify = true;
  bool plain_http = false;
  std::string cache_dir;
  std::string data_dir = "./data";  // for registry:NAME:TAG
  bool no_cache = false;
  bool quiet = false;
};

// Reads the inventory of opts.image into `out`. Returns 0, or the exit code
// after printing the reason on stderr prefixed with `prefix`
// ("portcullis sbom"): 2 for bad usage (unknown source, bad platform), 1 when
// the image cannot be read. Warnings go to stderr unless opts.quiet.
int read_image_inventory(const ImageOptions& opts, const std::string& prefix, scan::Inventory& out);

}  // namespace portcullis::app
