// UTC calendar formatting of a point in time.
#pragma once
#include <ctime>
#include <string>

namespace portcullis::core {

// "YYYY-MM-DD".
std::string utc_date(std::time_t t);

// RFC 3339 to the second, "YYYY-MM-DDTHH:MM:SSZ".
std::string utc_rfc3339(std::time_t t);

}  // namespace portcullis::core
