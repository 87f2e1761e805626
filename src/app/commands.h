// The subcommands of the portcullis binary. Each returns the process exit
// code: 0 success, 1 failure of the work itself, 2 bad usage or configuration.
#pragma once
#include <string>

#include "app/config.h"

namespace portcullis::app {

void setup_logging(const std::string& level);

int run_serve(const Config& config);

struct GcCommand {
  std::string grace = "1h";
  std::string upload_grace = "24h";
  bool dry_run = false;
};
int run_gc(const Config& config, const GcCommand& gc);

struct SbomCommand {
  std::string image;
  std::string format = "table";
  std::string output;
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
int run_sbom(const SbomCommand& cmd);

// "90", "90s", "15m", "1h", "7d" → seconds; -1 when malformed.
long long parse_duration_seconds(const std::string& s);

}  // namespace portcullis::app
