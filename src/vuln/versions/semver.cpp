// node-semver version parsing and ordering, the lenient SemVer scheme used for
// OSV SEMVER ranges (npm, crates.io), and NuGet's variant.
#include <string>
#include <vector>

#include "vuln/version_scheme.h"
#include "vuln/versions/npm_range.h"
#include "vuln/versions/version_util.h"

namespace portcullis::vuln {
namespace {

using detail::all_digits;
using detail::compare_digits;
using detail::is_digit;

constexpr std::uint64_t kMaxSafeInteger = 9007199254740991ULL;  // 2^53-1, JS Number

bool ident_char(char c) { return detail::is_alnum(c) || c == '-'; }

// Splits `s` on '.'; every part must be a non-empty [0-9A-Za-z-]+.
bool split_idents(std::string_view s, std::vector<std::string>& out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (i == start) return false;
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    } else if (!ident_char(s[i])) {
      return false;
    }
  }
  return true;
}

// node-semver compareIdentifiers: numeric < alphanumeric, numbers by value,
// strings by code unit. `fold` lowercases first (NuGet labels).
int compare_ident(std::string_view a, std::string_view b, bool fold = false) {
  bool an = all_digits(a), bn = all_digits(b);
  if (an && bn) return compare_digits(a, b);
  if (an != bn) return an ? -1 : 1;
  if (!fold) return detail::sign(a.compare(b));
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    char x = detail::lower(a[i]), y = detail::lower(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

// Prerelease lists: none sorts after any; otherwise identifier-wise, and a
// shorter list that is a prefix of the other sorts first.
int compare_pre(const std::vector<std::string>& a, const std::vector<std::string>& b,
                bool fold = false) {
  if (a.empty() || b.empty()) return a.empty() == b.empty() ? 0 : (a.empty() ? 1 : -1);
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (int c = compare_ident(a[i], b[i], fold)) return c;
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

// One numeric main component: strict forbids leading zeros; both cap at 2^53-1.
bool take_number(std::string_view& s, bool loose, std::uint64_t& out) {
  std::size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  if (n == 0 || (!loose && n > 1 && s[0] == '0')) return false;
  std::string_view digits = s.substr(0, n);
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  if (digits.size() > 16) return false;
  std::uint64_t v = 0;
  for (char c : digits) v = v * 10 + std::uint64_t(c - '0');
  if (v > kMaxSafeInteger) return false;
  out = v;
  s.remove_prefix(n);
  return true;
}

}  // namespace

namespace npm {

std::optional<SemVer> parse(std::string_view v, bool loose) {
  if (v.size() > kMaxVersionLength) return std::nullopt;
  std::string_view s = detail::trim(v);
  if (loose) {
    while (!s.empty() && (s.front() == 'v' || s.front() == '=' || detail::is_space(s.front())))
      s.remove_prefix(1);
  } else if (!s.empty() && s.front() == 'v') {
    s.remove_prefix(1);
  }
  SemVer out;
  if (!take_number(s, loose, out.major) || s.empty() || s.front() != '.') return std::nullopt;
  s.remove_prefix(1);
  if (!take_number(s, loose, out.minor) || s.empty() || s.front() != '.') return std::nullopt;
  s.remove_prefix(1);
  if (!take_number(s, loose, out.patch)) return std::nullopt;
  std::size_t plus = s.find('+');
  std::string_view pre = s.substr(0, plus);
  if (!pre.empty()) {
    // Loose mode lets the prerelease follow the patch without a hyphen (1.2.3beta).
    if (pre.front() == '-') pre.remove_prefix(1);
    else if (!loose) return std::nullopt;
    if (!split_idents(pre, out.prerelease)) return std::nullopt;
    if (!loose)
      for (const auto& id : out.prerelease)
        if (id.size() > 1 && id[0] == '0' && all_digits(id)) return std::nullopt;
  }
  if (plus != std::string_view::npos && !split_idents(s.substr(plus + 1), out.build))
    return std::nullopt;
  return out;
}

int compare(const SemVer& a, const SemVer& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  return compare_pre(a.prerelease, b.prerelease);
}

}  // namespace npm

namespace {

// The shape OSV's SEMVER ranges and osv-scalibr accept: an optional `v`, one or
// more numeric components of any size (missing ones are 0; a fourth and later
// belong to the build, as osv-scalibr reads them), then `-prerelease` and
// `+build`. node-semver is stricter; that strictness lives in npm::parse.
struct Loose {
  std::vector<std::string_view> nums;
  std::vector<std::string> pre;
};

std::optional<Loose> parse_loose(std::string_view v, std::size_t max_components) {
  if (v.size() > npm::kMaxVersionLength) return std::nullopt;
  std::string_view s = detail::trim(v);
  if (!s.empty() && (s.front() == 'v' || s.front() == 'V')) s.remove_prefix(1);
  Loose out;
  std::size_t plus = s.find('+');
  if (plus != std::string_view::npos) {
    std::vector<std::string> build;
    if (!split_idents(s.substr(plus + 1), build)) return std::nullopt;
    s = s.substr(0, plus);
  }
  std::size_t dash = s.find('-');
  std::string_view main = s.substr(0, dash);
  if (dash != std::string_view::npos && !split_idents(s.substr(dash + 1), out.pre))
    return std::nullopt;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= main.size(); ++i) {
    if (i < main.size() && main[i] != '.') continue;
    std::string_view part = main.substr(start, i - start);
    if (!all_digits(part)) return std::nullopt;
    out.nums.push_back(part);
    start = i + 1;
  }
  if (out.nums.size() > max_components) return std::nullopt;
  return out;
}

int compare_nums(const Loose& a, const Loose& b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view x = i < a.nums.size() ? a.nums[i] : "0";
    std::string_view y = i < b.nums.size() ? b.nums[i] : "0";
    if (int c = compare_digits(x, y)) return c;
  }
  return 0;
}

class SemverScheme final : public VersionScheme {
 public:
  std::string_view name() const override { return "semver"; }
  bool valid(std::string_view v) const override { return parse_loose(v, 64).has_value(); }
  std::optional<int> compare(std::string_view a, std::string_view b) const override {
    auto x = parse_loose(a, 64), y = parse_loose(b, 64);
    if (!x || !y) return std::nullopt;
    if (int c = compare_nums(*x, *y, 3)) return c;
    return compare_pre(x->pre, y->pre);
  }
};

// NuGetVersion: up to four numeric parts, release labels compared
// case-insensitively, metadata ignored.
class NugetScheme final : public VersionScheme {
 public:
  std::string_view name() const override { return "nuget"; }
  bool valid(std::string_view v) const override { return parse_loose(v, 4).has_value(); }
  std::optional<int> compare(std::string_view a, std::string_view b) const override {
    auto x = parse_loose(a, 4), y = parse_loose(b, 4);
    if (!x || !y) return std::nullopt;
    if (int c = compare_nums(*x, *y, 4)) return c;
    return compare_pre(x->pre, y->pre, /*fold=*/true);
  }
};

}  // namespace

const VersionScheme& semver_scheme() {
  static const SemverScheme s;
  return s;
}

const VersionScheme& nuget_scheme() {
  static const NugetScheme s;
  return s;
}

}  // namespace portcullis::vuln
