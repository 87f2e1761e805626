#include "vuln/ignore_rules.h"

namespace portcullis::vuln {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  int month = (d[5] - '0') * 10 + (d[6] - '0');
  int day = (d[8] - '0') * 10 + (d[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

}  // namespace

core::Result<std::vector<IgnoreRule>> parse_ignore_rules(std::string_view text) {
  std::vector<IgnoreRule> rules;
  int line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    IgnoreRule rule;
    rule.line = line_no;
    if (auto hash = line.find('#'); hash != std::string_view::npos) {
      rule.reason = std::string(trim(line.substr(hash + 1)));
      line = line.substr(0, hash);
    }
    line = trim(line);
    if (line.empty()) continue;
    std::size_t space = line.find_first_of(" \t");
    rule.id = std::string(line.substr(0, space));
    std::string_view rest = space == std::string_view::npos ? std::string_view() : trim(line.substr(space));
    if (!rest.empty()) {
      if (rest.substr(0, 4) != "exp:" || !is_date(rest.substr(4)))
        return core::make_error(core::ErrorCode::InvalidArgument,
                                "line " + std::to_string(line_no) + ": expected `ID [exp:YYYY-MM-DD] [# reason]`, got \"" +
                                    std::string(line) + "\"");
      rule.expires = std::string(rest.substr(4));
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

bool rule_active(const IgnoreRule& rule, std::string_view today) {
  return rule.expires.empty() || today <= std::string_view(rule.expires);
}

}  // namespace portcullis::vuln
