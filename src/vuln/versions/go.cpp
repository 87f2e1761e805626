// Go module versions, ordered as golang.org/x/mod/semver orders them:
// vMAJOR[.MINOR[.PATCH[-pre][+build]]], shorthands v1 and v1.2 meaning v1.0.0
// and v1.2.0. Build metadata (hence `+incompatible`) does not take part in
// ordering, and pseudo-versions (v0.0.0-20191109021931-daa7c04131f5) are
// ordinary prereleases, so they sort below the release they precede. The Go
// vulnerability database writes standard-library versions without the `v`
// ("1.19.8"); those are accepted as if the `v` were there.
#include <string>
#include <vector>

#include "vuln/version_scheme.h"
#include "vuln/versions/version_util.h"

namespace portcullis::vuln {
namespace {

constexpr std::size_t kMaxLength = 256;

struct GoVersion {
  std::string_view major, minor = "0", patch = "0";
  std::vector<std::string_view> pre;
};

// A number without leading zeros ("0" itself is fine).
bool take_num(std::string_view& s, std::string_view& out) {
  std::size_t n = 0;
  while (n < s.size() && detail::is_digit(s[n])) ++n;
  if (n == 0 || (n > 1 && s[0] == '0')) return false;
  out = s.substr(0, n);
  s.remove_prefix(n);
  return true;
}

bool idents(std::string_view s, bool numeric_no_leading_zero, std::vector<std::string_view>* out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] != '.') {
      if (!detail::is_alnum(s[i]) && s[i] != '-') return false;
      continue;
    }
    std::string_view id = s.substr(start, i - start);
    if (id.empty()) return false;
    if (numeric_no_leading_zero && id.size() > 1 && id[0] == '0' && detail::all_digits(id)) return false;
    if (out) out->push_back(id);
    start = i + 1;
  }
  return true;
}

std::optional<GoVersion> parse(std::string_view s) {
  if (s.size() > kMaxLength || s.empty()) return std::nullopt;
  if (s.front() == 'v') s.remove_prefix(1);
  GoVersion v;
  if (!take_num(s, v.major)) return std::nullopt;
  if (s.empty()) return v;  // v1
  if (s.front() != '.') return std::nullopt;
  s.remove_prefix(1);
  if (!take_num(s, v.minor)) return std::nullopt;
  if (s.empty()) return v;  // v1.2
  if (s.front() != '.') return std::nullopt;
  s.remove_prefix(1);
  if (!take_num(s, v.patch)) return std::nullopt;
  std::size_t plus = s.find('+');
  std::string_view pre = s.substr(0, plus);
  if (!pre.empty()) {
    if (pre.front() != '-' || !idents(pre.substr(1), true, &v.pre)) return std::nullopt;
  }
  if (plus != std::string_view::npos && !idents(s.substr(plus + 1), false, nullptr))
    return std::nullopt;
  return v;
}

int compare_ident(std::string_view a, std::string_view b) {
  bool an = detail::all_digits(a), bn = detail::all_digits(b);
  if (an && bn) return detail::compare_digits(a, b);
  if (an != bn) return an ? -1 : 1;
  return detail::sign(a.compare(b));
}

int compare_go(const GoVersion& a, const GoVersion& b) {
  if (int c = detail::compare_digits(a.major, b.major)) return c;
  if (int c = detail::compare_digits(a.minor, b.minor)) return c;
  if (int c = detail::compare_digits(a.patch, b.patch)) return c;
  if (a.pre.empty() || b.pre.empty()) return a.pre.empty() == b.pre.empty() ? 0 : (a.pre.empty() ? 1 : -1);
  for (std::size_t i = 0; i < a.pre.size() && i < b.pre.size(); ++i)
    if (int c = compare_ident(a.pre[i], b.pre[i])) return c;
  return a.pre.size() == b.pre.size() ? 0 : (a.pre.size() < b.pre.size() ? -1 : 1);
}

class GoScheme final : public VersionScheme {
 public:
  std::string_view name() const override { return "go"; }
  bool valid(std::string_view v) const override { return parse(v).has_value(); }
  std::optional<int> compare(std::string_view a, std::string_view b) const override {
    auto x = parse(a), y = parse(b);
    if (!x || !y) return std::nullopt;
    return compare_go(*x, *y);
  }
};

}  // namespace

const VersionScheme& go_scheme() {
  static const GoScheme s;
  return s;
}

}  // namespace portcullis::vuln
