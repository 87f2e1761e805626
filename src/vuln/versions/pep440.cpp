// PEP 440 versions as Python's `packaging` 23 orders them. Validity is
// packaging's VERSION_PATTERN (case-insensitive, surrounding whitespace
// allowed); LegacyVersion is gone since packaging 22, so anything else is
// invalid and compare() returns nullopt rather than inventing an order.
#include <regex>
#include <string>
#include <vector>

#include "vuln/version_scheme.h"
#include "vuln/versions/version_util.h"

namespace portcullis::vuln {
namespace {

using detail::compare_digits;

constexpr std::size_t kMaxLength = 1024;

struct Pep440 {
  std::string epoch = "0";
  std::vector<std::string> release;  // trailing zeros stripped
  // Phase keys: dev-only releases sort before every pre-release, finals after.
  int pre_rank = 0;                  // 0: -inf (dev only), 1: a/b/rc, 2: +inf (none)
  std::string pre_l, pre_n;
  bool has_post = false;
  std::string post_n;
  bool has_dev = false;
  std::string dev_n;
  bool has_local = false;
  std::vector<std::string> local;    // lowercased segments
};

const std::regex& pattern() {
  // The grammar of packaging.version.VERSION_PATTERN, groups numbered below.
  static const std::regex re(
      R"(^\s*v?(?:(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*))"                   // 1 epoch, 2 release
      R"(([-_\.]?(a|b|c|rc|alpha|beta|pre|preview)[-_\.]?([0-9]+)?)?)"     // 3 pre, 4 l, 5 n
      R"(((?:-([0-9]+))|(?:[-_\.]?(post|rev|r)[-_\.]?([0-9]+)?))?)"        // 6 post, 7 n1, 8 l, 9 n2
      R"(([-_\.]?(dev)[-_\.]?([0-9]+)?)?))"                                 // 10 dev, 11 l, 12 n
      R"((?:\+([a-z0-9]+(?:[-_\.][a-z0-9]+)*))?\s*$)",                     // 13 local
      std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
  return re;
}

std::string lowered(std::string s) {
  for (char& c : s) c = detail::lower(c);
  return s;
}

std::optional<Pep440> parse(std::string_view v) {
  if (v.size() > kMaxLength) return std::nullopt;
  for (char c : v)
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;  // packaging matches ASCII only
  std::string s(v);
  std::smatch m;
  if (!std::regex_match(s, m, pattern())) return std::nullopt;
  Pep440 out;
  if (m[1].matched) out.epoch = m[1].str();
  std::string rel = m[2].str();
  std::size_t start = 0;
  for (std::size_t i = 0; i <= rel.size(); ++i)
    if (i == rel.size() || rel[i] == '.') out.release.push_back(rel.substr(start, i - start)), start = i + 1;
  while (!out.release.empty() && compare_digits(out.release.back(), "0") == 0) out.release.pop_back();
  if (m[3].matched) {
    std::string l = lowered(m[4].str());
    if (l == "alpha") l = "a";
    else if (l == "beta") l = "b";
    else if (l == "c" || l == "pre" || l == "preview") l = "rc";
    out.pre_rank = 1;
    out.pre_l = l;
    out.pre_n = m[5].matched ? m[5].str() : "0";
  }
  if (m[6].matched) {
    out.has_post = true;
    out.post_n = m[7].matched ? m[7].str() : (m[9].matched ? m[9].str() : "0");
  }
  if (m[10].matched) {
    out.has_dev = true;
    out.dev_n = m[12].matched ? m[12].str() : "0";
  }
  if (!m[3].matched) out.pre_rank = (!out.has_post && out.has_dev) ? 0 : 2;
  if (m[13].matched) {
    out.has_local = true;
    std::string l = lowered(m[13].str());
    std::size_t b = 0;
    for (std::size_t i = 0; i <= l.size(); ++i)
      if (i == l.size() || l[i] == '-' || l[i] == '_' || l[i] == '.') out.local.push_back(l.substr(b, i - b)), b = i + 1;
  }
  return out;
}

int cmp_str(const std::string& a, const std::string& b) { return detail::sign(a.compare(b)); }

// packaging's _cmpkey, field by field.
int compare_versions(const Pep440& a, const Pep440& b) {
  if (int c = compare_digits(a.epoch, b.epoch)) return c;
  for (std::size_t i = 0; i < a.release.size() && i < b.release.size(); ++i)
    if (int c = compare_digits(a.release[i], b.release[i])) return c;
  if (a.release.size() != b.release.size()) return a.release.size() < b.release.size() ? -1 : 1;
  if (a.pre_rank != b.pre_rank) return a.pre_rank < b.pre_rank ? -1 : 1;
  if (a.pre_rank == 1) {
    if (int c = cmp_str(a.pre_l, b.pre_l)) return c;
    if (int c = compare_digits(a.pre_n, b.pre_n)) return c;
  }
  if (a.has_post != b.has_post) return a.has_post ? 1 : -1;  // no post = -inf
  if (a.has_post)
    if (int c = compare_digits(a.post_n, b.post_n)) return c;
  if (a.has_dev != b.has_dev) return a.has_dev ? -1 : 1;     // no dev = +inf
  if (a.has_dev)
    if (int c = compare_digits(a.dev_n, b.dev_n)) return c;
  if (a.has_local != b.has_local) return a.has_local ? 1 : -1;  // no local = -inf
  // Local segments: numbers beat strings, numbers by value, strings lexically,
  // and a longer list wins a tie on the common prefix.
  for (std::size_t i = 0; i < a.local.size() && i < b.local.size(); ++i) {
    bool an = detail::all_digits(a.local[i]), bn = detail::all_digits(b.local[i]);
    if (an != bn) return an ? 1 : -1;
    if (int c = an ? compare_digits(a.local[i], b.local[i]) : cmp_str(a.local[i], b.local[i])) return c;
  }
  if (a.local.size() != b.local.size()) return a.local.size() < b.local.size() ? -1 : 1;
  return 0;
}

class Pep440Scheme final : public VersionScheme {
 public:
  std::string_view name() const override { return "pep440"; }
  bool valid(std::string_view v) const override { return parse(v).has_value(); }
  std::optional<int> compare(std::string_view a, std::string_view b) const override {
    auto x = parse(a), y = parse(b);
    if (!x || !y) return std::nullopt;
    return compare_versions(*x, *y);
  }
};

}  // namespace

const VersionScheme& pep440_scheme() {
  static const Pep440Scheme s;
  return s;
}

}  // namespace portcullis::vuln
