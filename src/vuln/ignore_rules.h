// Ignore files for `portcullis scan --ignore-file`: one advisory id per line,
// optionally followed by `exp:YYYY-MM-DD` (the entry stops applying after that
// day, UTC) and a `# reason`. Blank lines and lines starting with '#' are
// comments. A finding is ignored when its id or one of its aliases is listed
// and the entry has not expired.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace portcullis::vuln {

struct IgnoreRule {
  std::string id;
  std::string expires;  // "YYYY-MM-DD" or empty (never)
  std::string reason;
  int line = 0;
};

// An Error names the first malformed line ("line 3: bad expiry date ...").
core::Result<std::vector<IgnoreRule>> parse_ignore_rules(std::string_view text);

// Whether the rule applies on `today` ("YYYY-MM-DD"): expiry dates are inclusive.
bool rule_active(const IgnoreRule& rule, std::string_view today);

}  // namespace portcullis::vuln
