// Packagist (Composer) versions, ordered like PHP's version_compare() after
// the canonicalisation osv-scalibr applies: a leading v/V is dropped, `-` `_`
// `+` become `.`, and a `.` is inserted between digits and letters. Parts are
// compared as numbers, or by special-form rank (dev < alpha/a < beta/b <
// RC/rc < "#" (any number) < pl/p; unknown words rank with dev), and a longer
// version wins only when its extra part is a number or outranks "#".
#include <string>
#include <vector>

#include "vuln/version_scheme.h"
#include "vuln/versions/version_util.h"

namespace portcullis::vuln {
namespace {

constexpr std::size_t kMaxLength = 256;

std::vector<std::string> components(std::string_view v) {
  if (!v.empty() && v.front() == 'v') v.remove_prefix(1);
  else if (!v.empty() && v.front() == 'V') v.remove_prefix(1);
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '-' || c == '_' || c == '+') c = '.';
    if (i > 0 && c != '.' && !s.empty() && s.back() != '.' &&
        detail::is_digit(c) != detail::is_digit(s.back()))
      s += '.';
    s += c;
  }
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '.') out.push_back(s.substr(start, i - start)), start = i + 1;
  return out;
}

int weight(std::string_view s) {
  if (s.rfind("RC", 0) == 0 || s.rfind("rc", 0) == 0) return 3;
  static const char* const kSpecial[] = {"dev", "a", "b", "rc", "#", "p"};
  for (int i = 0; i < 6; ++i)
    if (s.rfind(kSpecial[i], 0) == 0) return i;
  return 0;
}

int compare_parts(const std::vector<std::string>& a, std::size_t ai,
                  const std::vector<std::string>& b, std::size_t bi) {
  for (; ai < a.size() && bi < b.size(); ++ai, ++bi) {
    bool an = detail::all_digits(a[ai]), bn = detail::all_digits(b[bi]);
    int c;
    if (an && bn) c = detail::compare_digits(a[ai], b[bi]);
    else if (!an && !bn) c = detail::sign(weight(a[ai]) - weight(b[bi]));
    else if (an) c = detail::sign(weight("#") - weight(b[bi]));
    else c = detail::sign(weight(a[ai]) - weight("#"));
    if (c != 0) return c;
  }
  static const std::vector<std::string> kHash{"#"};
  if (ai < a.size()) return detail::all_digits(a[ai]) ? 1 : compare_parts(a, ai, kHash, 0);
  if (bi < b.size()) return detail::all_digits(b[bi]) ? -1 : compare_parts(kHash, 0, b, bi);
  return 0;
}

class PackagistScheme final : public VersionScheme {
 public:
  std::string_view name() const override { return "packagist"; }
  bool valid(std::string_view v) const override { return !v.empty() && v.size() <= kMaxLength; }
  std::optional<int> compare(std::string_view a, std::string_view b) const override {
    if (!valid(a) || !valid(b)) return std::nullopt;
    return compare_parts(components(a), 0, components(b), 0);
  }
};

}  // namespace

const VersionScheme& packagist_scheme() {
  static const PackagistScheme s;
  return s;
}

}  // namespace portcullis::vuln
