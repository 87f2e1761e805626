// RubyGems' Gem::Version: validity by Gem::Version::ANCHORED_VERSION_PATTERN,
// ordering by canonical segments (trailing zeros dropped from the release part
// and from the prerelease part separately; a string segment sorts before any
// number, so 1.0.a < 1.0).
#include <string>
#include <vector>

#include "vuln/version_scheme.h"
#include "vuln/versions/version_util.h"

namespace portcullis::vuln {
namespace {

using detail::is_alnum;
using detail::is_digit;

constexpr std::size_t kMaxLength = 1024;

struct Segment {
  bool numeric;
  std::string text;  // digits without leading zeros, or letters as written
};

// \A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z
bool valid_gem(std::string_view s) {
  s = detail::trim(s);
  if (s.empty()) return true;  // Gem::Version.new("") is version "0"
  std::size_t i = 0;
  if (s.empty() || !is_digit(s[0])) return false;
  // RubyGems reads "1beta" as 1.beta (osv-scalibr's vectors rely on it), so
  // letters may follow the leading number directly.
  while (i < s.size() && is_alnum(s[i])) ++i;
  while (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1;
    while (j < s.size() && is_alnum(s[j])) ++j;
    if (j == i + 1) return false;
    i = j;
  }
  if (i == s.size()) return true;
  if (s[i] != '-') return false;
  // One or more [0-9A-Za-z-]+ parts separated by single dots.
  std::string_view rest = s.substr(i + 1);
  if (rest.empty() || rest.front() == '.' || rest.back() == '.') return false;
  for (std::size_t k = 0; k < rest.size(); ++k) {
    char c = rest[k];
    if (c == '.') {
      if (rest[k - 1] == '.') return false;
    } else if (!is_alnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

std::vector<Segment> canonical(std::string_view s) {
  s = detail::trim(s);
  std::vector<Segment> segs;
  if (s.empty()) return segs;  // "0" canonicalises to nothing
  // `-` stands for ".pre." (Gem::Version#initialize); the letters "pre" then
  // become a string segment like any other.
  std::string v;
  for (char c : s) v += (c == '-') ? std::string(".pre.") : std::string(1, c);
  for (std::size_t i = 0; i < v.size();) {
    if (is_digit(v[i])) {
      std::size_t j = i;
      while (j < v.size() && is_digit(v[j])) ++j;
      std::string_view d = std::string_view(v).substr(i, j - i);
      while (d.size() > 1 && d.front() == '0') d.remove_prefix(1);
      segs.push_back({true, std::string(d)});
      i = j;
    } else if (detail::is_alpha(v[i])) {
      std::size_t j = i;
      while (j < v.size() && detail::is_alpha(v[j])) ++j;
      segs.push_back({false, v.substr(i, j - i)});
      i = j;
    } else {
      ++i;
    }
  }
  // Split at the first string segment; drop trailing zeros from each half.
  std::size_t split = 0;
  while (split < segs.size() && segs[split].numeric) ++split;
  auto trim_zeros = [](std::vector<Segment> part) {
    while (!part.empty() && part.back().numeric && part.back().text == "0") part.pop_back();
    return part;
  };
  auto head = trim_zeros({segs.begin(), segs.begin() + split});
  auto tail = trim_zeros({segs.begin() + split, segs.end()});
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

int compare_gem(std::string_view a, std::string_view b) {
  auto x = canonical(a), y = canonical(b);
  const Segment zero{true, "0"};
  for (std::size_t i = 0; i < x.size() || i < y.size(); ++i) {
    const Segment& l = i < x.size() ? x[i] : zero;
    const Segment& r = i < y.size() ? y[i] : zero;
    if (l.numeric != r.numeric) return l.numeric ? 1 : -1;
    int c = l.numeric ? detail::compare_digits(l.text, r.text) : detail::sign(l.text.compare(r.text));
    if (c != 0) return c;
  }
  return 0;
}

class GemScheme final : public VersionScheme {
 public:
  std::string_view name() const override { return "gem"; }
  bool valid(std::string_view v) const override { return v.size() <= kMaxLength && valid_gem(v); }
  std::optional<int> compare(std::string_view a, std::string_view b) const override {
    if (!valid(a) || !valid(b)) return std::nullopt;
    return compare_gem(a, b);
  }
};

}  // namespace

const VersionScheme& gem_scheme() {
  static const GemScheme s;
  return s;
}

}  // namespace portcullis::vuln
