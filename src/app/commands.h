// The subcommands of the portcullis binary. Each returns the process exit
// code: 0 success, 1 failure of the work itself, 2 bad usage or configuration.
#pragma once
#include <string>
#include <vector>

#include "app/config.h"
#include "app/image_inventory.h"

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
  ImageOptions image;
  std::string format = "table";
  std::string output;
};
int run_sbom(const SbomCommand& cmd);

struct ScanCommand {
  ImageOptions image;
  std::string db;
  std::string fail_on;
  bool ignore_unfixed = false;
  std::string ignore_file;
  std::string format = "table";
  std::string output;
};
// Exit: 0 no finding at or above --fail-on remains, 1 one does, 2 any error
// (bad usage, an unreadable image, an unusable database).
int run_scan(const ScanCommand& cmd);

struct DbBuildCommand {
  std::vector<std::string> sources;  // KIND=PATH
  std::string output;
};
int run_db_build(const DbBuildCommand& cmd);
int run_db_info(const std::string& path);
// The advisory database used when none is named.
std::string default_db_path();

// "90", "90s", "15m", "1h", "7d" → seconds; -1 when malformed.
long long parse_duration_seconds(const std::string& s);

}  // namespace portcullis::app
