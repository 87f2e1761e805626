// The apk scheme: Alpine's version ordering, reimplemented from the rules of
// apk-tools 3 (src/version.c on its master branch) because no packaged
// library offers it (see DESIGN.md). Proven by version/apk/* and
// version/osv-scalibr-semantic/alpine-versions*.txt.
//
// Grammar (apk_version_validate): digits {.digits} [letter] {_suffix[digits]}
// [~hexhash] [-r digits], where letter is one of a-z, suffix one of
// alpha beta pre rc cvs svn git hg p, hash is lowercase hex. Anything else —
// upper-case letters, unknown suffixes, "-r" without digits, a second letter,
// a leading '.' — is not valid, and compare() answers nullopt for it even
// though `apk version -t` still orders such strings by walking their valid
// prefix (that walk changed between apk-tools 2 and 3, so no answer for an
// invalid string is stable enough to base a vulnerability verdict on).
//
// Ordering (apk-tools 3, the current behaviour; apk-tools 2 differs on
// leading zeros and knows no ~hash):
// - the walk compares token by token while both sides have the same kind;
// - the first number and the numbers after a suffix or "-r" compare as
//   integers (apk keeps them in a uint64_t that wraps; so do we, so that a
//   20-digit component orders exactly as apk orders it);
// - a later '.'-number compares as a string when either side starts with '0'
//   (the Gentoo rule: 8.2.0 < 8.2.001, 8.2.0015 < 8.2.002), else as integer;
// - letters by character, suffixes alpha < beta < pre < rc < cvs < svn < git
//   < hg < p, hashes as strings;
// - when one side runs out or changes kind first: a pre-release suffix
//   (alpha..rc) on the longer side makes it smaller; otherwise the side whose
//   next token comes later in the grammar (or ends) is smaller, so
//   1.0 > 1.0_rc1, 1.0 < 1.0.1, 1.0 < 1.0a, 1.0 < 1.0_p1, 1.0 < 1.0-r1.
//
// Strings longer than kMaxLength bytes are refused so each compare is bounded.
// Stateless; safe on any thread.
#include <cstdint>

#include "vuln/version_scheme.h"

namespace portcullis::vuln {
namespace {

constexpr std::size_t kMaxLength = 1024;

// In grammar order: the order matters for the "which side ends first" rule.
enum class Tok { initial_digit, digit, letter, suffix, suffix_no, hash, revision_no, end, invalid };

// Pre-release suffixes sort below "no suffix" (kSuffixNone), post-release above.
constexpr int kSuffixNone = 4;
int suffix_rank(std::string_view s) {
  static constexpr std::string_view kOrdered[] = {"alpha", "beta", "pre", "rc", "",
                                                  "cvs",   "svn",  "git", "hg", "p"};
  if (s.empty()) return -1;
  for (int i = 0; i < static_cast<int>(std::size(kOrdered)); ++i)
    if (i != kSuffixNone && kOrdered[i] == s) return i;
  return -1;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

struct Token {
  Tok kind = Tok::initial_digit;
  int suffix = -1;
  std::uint64_t number = 0;
  std::string_view text;
};

// Walks one version string token by token.
class Lexer {
 public:
  explicit Lexer(std::string_view s) : rest_(s) { digits(); }

  const Token& token() const { return t_; }

  void next() {
    if (t_.kind == Tok::end || t_.kind == Tok::invalid) return;
    if (rest_.empty()) {
      t_.kind = Tok::end;
      return;
    }
    const Tok prev = t_.kind;
    const char c = rest_.front();
    if (is_lower(c)) {
      if (prev > Tok::digit) return fail();
      t_.kind = Tok::letter;
      t_.text = rest_.substr(0, 1);
      rest_.remove_prefix(1);
    } else if (c == '.' || is_digit(c)) {
      if (c == '.') {
        if (prev > Tok::digit) return fail();
        rest_.remove_prefix(1);
      }
      if (prev == Tok::initial_digit || prev == Tok::digit)
        t_.kind = Tok::digit;
      else if (prev == Tok::suffix)
        t_.kind = Tok::suffix_no;
      else
        return fail();
      digits();
    } else if (c == '_') {
      if (prev > Tok::suffix_no) return fail();
      rest_.remove_prefix(1);
      t_.text = span(is_lower);
      t_.suffix = suffix_rank(t_.text);
      if (t_.suffix < 0) return fail();
      t_.kind = Tok::suffix;
    } else if (c == '~') {
      if (prev >= Tok::hash) return fail();
      rest_.remove_prefix(1);
      t_.text = span(is_hex);
      if (t_.text.empty()) return fail();
      t_.kind = Tok::hash;
    } else if (c == '-') {
      if (prev >= Tok::revision_no || rest_.size() < 2 || rest_[1] != 'r') return fail();
      rest_.remove_prefix(2);
      t_.kind = Tok::revision_no;
      digits();
    } else {
      fail();
    }
  }

 private:
  void fail() { t_.kind = Tok::invalid; }

  std::string_view span(bool (*in_class)(char)) {
    std::size_t n = 0;
    while (n < rest_.size() && in_class(rest_[n])) ++n;
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }

  // A run of digits as the current token's value; none at all is invalid.
  void digits() {
    t_.text = span(is_digit);
    t_.number = 0;
    for (char c : t_.text) t_.number = t_.number * 10 + static_cast<unsigned>(c - '0');  // wraps like apk
    if (t_.text.empty()) fail();
  }

  std::string_view rest_;
  Token t_;
};

int three_way(std::string_view a, std::string_view b) {
  int r = a.compare(b);
  return r < 0 ? -1 : (r > 0 ? 1 : 0);
}

int token_order(const Token& a, const Token& b) {
  std::uint64_t x = 0, y = 0;
  switch (a.kind) {
    case Tok::digit:
      if (a.text.front() == '0' || b.text.front() == '0') return three_way(a.text, b.text);
      [[fallthrough]];
    case Tok::initial_digit:
    case Tok::suffix_no:
    case Tok::revision_no:
      x = a.number, y = b.number;
      break;
    case Tok::letter:
      x = static_cast<unsigned char>(a.text.front()), y = static_cast<unsigned char>(b.text.front());
      break;
    case Tok::suffix:
      x = static_cast<std::uint64_t>(a.suffix), y = static_cast<std::uint64_t>(b.suffix);
      break;
    default:
      return three_way(a.text, b.text);
  }
  return x < y ? -1 : (x > y ? 1 : 0);
}

class ApkScheme final : public VersionScheme {
 public:
  std::string_view name() const override { return "apk"; }

  bool valid(std::string_view v) const override {
    if (v.size() > kMaxLength) return false;
    Lexer lex(v);
    while (lex.token().kind < Tok::end) lex.next();
    return lex.token().kind == Tok::end;
  }

  std::optional<int> compare(std::string_view a, std::string_view b) const override {
    if (!valid(a) || !valid(b)) return std::nullopt;
    Lexer la(a), lb(b);
    for (; la.token().kind == lb.token().kind && la.token().kind < Tok::end; la.next(), lb.next()) {
      if (int r = token_order(la.token(), lb.token()); r != 0) return r;
    }
    const Token& ta = la.token();
    const Token& tb = lb.token();
    if (ta.kind == tb.kind) return 0;
    if (ta.kind == Tok::suffix && ta.suffix < kSuffixNone) return -1;
    if (tb.kind == Tok::suffix && tb.suffix < kSuffixNone) return 1;
    return ta.kind > tb.kind ? -1 : 1;
  }
};

}  // namespace

const VersionScheme& apk_scheme() {
  static const ApkScheme scheme;
  return scheme;
}

}  // namespace portcullis::vuln
