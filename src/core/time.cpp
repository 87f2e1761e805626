#include "core/time.h"

namespace portcullis::core {
namespace {

std::string utc_format(std::time_t t, const char* format) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace

std::string utc_date(std::time_t t) { return utc_format(t, "%Y-%m-%d"); }

std::string utc_rfc3339(std::time_t t) { return utc_format(t, "%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace portcullis::core
