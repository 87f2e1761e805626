#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "app/commands.h"

namespace portcullis::app {

void setup_logging(const std::string& level) {
  // One line per event, key=value, UTC timestamps, to stderr.
  auto logger = spdlog::stderr_logger_mt("portcullis");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

long long parse_duration_seconds(const std::string& s) {
  if (s.empty()) return -1;
  long long mult = 1;
  std::string num = s;
  switch (s.back()) {
    case 's': mult = 1; num.pop_back(); break;
    case 'm': mult = 60; num.pop_back(); break;
    case 'h': mult = 3600; num.pop_back(); break;
    case 'd': mult = 86400; num.pop_back(); break;
    default: break;
  }
  if (num.empty() || num.size() > 12) return -1;
  for (char c : num)
    if (c < '0' || c > '9') return -1;
  return std::stoll(num) * mult;
}

}  // namespace portcullis::app
