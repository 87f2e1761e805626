// node-semver ranges. npm defines a range by a sequence of textual rewrites
// (hyphen ranges, whitespace trims, ~ ^ x-range desugaring) over regular
// expressions; we keep the same sequence and the same expressions so that the
// odd corners (loose mode dropping junk comparators, `>=*`, `<=0.7.x`) agree.
// Inputs are bounded (kMaxRangeLength) before any regex runs.
#include "vuln/versions/npm_range.h"

#include <map>
#include <regex>
#include <string>

#include "vuln/versions/version_util.h"

namespace portcullis::vuln::npm {
namespace {

struct Grammar {
  std::regex hyphen, comparator_trim, tilde_trim, caret_trim, tilde, caret, xrange, star,
      gte0, gte0pre, comparator;
};

Grammar make(bool loose) {
  const std::string num = loose ? R"(\d+)" : R"(0|[1-9]\d*)";
  const std::string nonnum = R"(\d*[a-zA-Z-][a-zA-Z0-9-]*)";
  const std::string main = "(" + num + R"()\.()" + num + R"()\.()" + num + ")";
  const std::string prid = "(?:" + num + "|" + nonnum + ")";
  const std::string pre = std::string(loose ? "(?:-?(" : "(?:-(") + prid + R"((?:\.)" + prid + ")*))";
  const std::string build = R"((?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)))";
  const std::string plain = loose ? R"([v=\s]*)" + main + pre + "?" + build + "?"
                                  : "v?" + main + pre + "?" + build + "?";
  const std::string xid = num + R"(|x|X|\*)";
  const std::string xplain = R"([v=\s]*()" + xid + R"()(?:\.()" + xid + R"()(?:\.()" + xid +
                             ")(?:" + pre + ")?" + build + "?)?)?";
  const std::string gtlt = R"(((?:<|>)?=?))";
  const auto flags = std::regex::ECMAScript | std::regex::optimize;
  // COMPARATORTRIM always accepts the loose plain form, as node-semver does.
  const std::string loose_plain = R"([v=\s]*(\d+)\.(\d+)\.(\d+)(?:-?((?:\d+|)" + nonnum +
                                  R"()(?:\.(?:\d+|)" + nonnum + R"())*))?)" + build + "?";
  return Grammar{
      std::regex(R"(^\s*()" + xplain + R"()\s+-\s+()" + xplain + R"()\s*$)", flags),
      std::regex(R"((\s*))" + gtlt + R"(\s*()" + loose_plain + "|" + xplain + ")", flags),
      std::regex(R"((\s*)(?:~>?)\s+)", flags),
      std::regex(R"((\s*)(?:\^)\s+)", flags),
      std::regex("^(?:~>?)" + xplain + "$", flags),
      std::regex(R"(^(?:\^))" + xplain + "$", flags),
      std::regex("^" + gtlt + R"(\s*)" + xplain + "$", flags),
      std::regex(R"((<|>)?=?\s*\*)", flags),
      std::regex(R"(^\s*>=\s*0\.0\.0\s*$)", flags),
      std::regex(R"(^\s*>=\s*0\.0\.0-0\s*$)", flags),
      std::regex("^" + gtlt + R"(\s*()" + plain + ")$|^$", flags),
  };
}

const Grammar& grammar(bool loose) {
  static const Grammar strict = make(false), lax = make(true);
  return loose ? lax : strict;
}

bool is_x(const std::ssub_match& m) {
  if (!m.matched || m.length() == 0) return true;
  std::string s = m.str();
  return s == "x" || s == "X" || s == "*";
}

// JavaScript's `+s + 1` on a numeric identifier. Values beyond 2^53 make the
// rewritten comparator invalid later, exactly as node-semver's would be.
std::string inc(const std::ssub_match& m) {
  std::string s = m.str();
  while (s.size() > 1 && s.front() == '0') s.erase(0, 1);
  if (s.empty() || s.size() > 17) return "99999999999999999999";
  return std::to_string(std::stoull(s) + 1);
}

std::string trim_str(std::string_view s) { return std::string(detail::trim(s)); }

std::string hyphen_replace(const std::smatch& m, bool inc_pr) {
  std::string from, to;
  const std::string z = inc_pr ? "-0" : "";
  if (is_x(m[2])) from = "";
  else if (is_x(m[3])) from = ">=" + m[2].str() + ".0.0" + z;
  else if (is_x(m[4])) from = ">=" + m[2].str() + "." + m[3].str() + ".0" + z;
  else if (m[5].matched) from = ">=" + m[1].str();
  else from = ">=" + m[1].str() + z;
  if (is_x(m[8])) to = "";
  else if (is_x(m[9])) to = "<" + inc(m[8]) + ".0.0-0";
  else if (is_x(m[10])) to = "<" + m[8].str() + "." + inc(m[9]) + ".0-0";
  else if (m[11].matched) to = "<=" + m[8].str() + "." + m[9].str() + "." + m[10].str() + "-" + m[11].str();
  else if (inc_pr) to = "<" + m[8].str() + "." + m[9].str() + "." + inc(m[10]) + "-0";
  else to = "<=" + m[7].str();
  return trim_str(from + " " + to);
}

std::string replace_tilde(const std::string& comp, const Options& o) {
  std::smatch m;
  if (!std::regex_match(comp, m, grammar(o.loose).tilde)) return comp;
  const std::string M = m[1].str(), mi = m[2].str(), p = m[3].str();
  // With includePrerelease, `~1.2` stays equal to the x-range `1.2.x`.
  const std::string z = o.include_prerelease ? "-0" : "";
  if (is_x(m[1])) return "";
  if (is_x(m[2])) return ">=" + M + ".0.0" + z + " <" + inc(m[1]) + ".0.0-0";
  if (is_x(m[3])) return ">=" + M + "." + mi + ".0" + z + " <" + M + "." + inc(m[2]) + ".0-0";
  const std::string pr = m[4].matched ? "-" + m[4].str() : "";
  return ">=" + M + "." + mi + "." + p + pr + " <" + M + "." + inc(m[2]) + ".0-0";
}

std::string replace_caret(const std::string& comp, const Options& o) {
  std::smatch m;
  if (!std::regex_match(comp, m, grammar(o.loose).caret)) return comp;
  const std::string z = o.include_prerelease ? "-0" : "";
  const std::string M = m[1].str(), mi = m[2].str(), p = m[3].str();
  if (is_x(m[1])) return "";
  if (is_x(m[2])) return ">=" + M + ".0.0" + z + " <" + inc(m[1]) + ".0.0-0";
  if (is_x(m[3])) {
    if (M == "0") return ">=" + M + "." + mi + ".0" + z + " <" + M + "." + inc(m[2]) + ".0-0";
    return ">=" + M + "." + mi + ".0" + z + " <" + inc(m[1]) + ".0.0-0";
  }
  // The lower bound keeps an explicit prerelease; a plain `^M.m.p` gets no -0
  // even with includePrerelease (node-semver: ^1.0.0 excludes 1.0.0-rc1).
  const std::string lo = ">=" + M + "." + mi + "." + p + (m[4].matched ? "-" + m[4].str() : "");
  if (M == "0") {
    if (mi == "0") return lo + " <" + M + "." + mi + "." + inc(m[3]) + "-0";
    return lo + " <" + M + "." + inc(m[2]) + ".0-0";
  }
  return lo + " <" + inc(m[1]) + ".0.0-0";
}

std::string replace_xrange(const std::string& raw, const Options& o) {
  const std::string comp = trim_str(raw);
  std::smatch m;
  if (!std::regex_match(comp, m, grammar(o.loose).xrange)) return comp;
  std::string gtlt = m[1].str(), M = m[2].str(), mi = m[3].str(), p = m[4].str();
  // `x.1`, `1.x.2`: an x followed by a number is left as is (and fails later).
  if ((is_x(m[2]) && !is_x(m[3])) || (is_x(m[3]) && m[4].matched && !is_x(m[4]))) return comp;
  const bool xM = is_x(m[2]), xm = xM || is_x(m[3]), xp = xm || is_x(m[4]);
  if (gtlt == "=" && xp) gtlt = "";
  std::string pr = o.include_prerelease ? "-0" : "";
  if (xM) return (gtlt == ">" || gtlt == "<") ? "<0.0.0-0" : "*";
  if (!gtlt.empty() && xp) {
    if (xm) mi = "0";
    p = "0";
    if (gtlt == ">") {
      gtlt = ">=";
      if (xm) { M = inc(m[2]); mi = "0"; } else { mi = inc(m[3]); }
    } else if (gtlt == "<=") {
      gtlt = "<";
      if (xm) M = inc(m[2]); else mi = inc(m[3]);
    }
    if (gtlt == "<") pr = "-0";
    return gtlt + M + "." + mi + "." + p + pr;
  }
  if (xm) return ">=" + M + ".0.0" + pr + " <" + inc(m[2]) + ".0.0-0";
  if (xp) return ">=" + M + "." + mi + ".0" + pr + " <" + M + "." + inc(m[3]) + ".0-0";
  return comp;
}

std::vector<std::string> split_ws(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (detail::is_space(c)) {
      if (!cur.empty()) out.push_back(std::move(cur)), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// node-semver applies each rewrite to every whitespace-separated word.
template <class F>
std::string each_word(const std::string& s, F f) {
  std::string out;
  for (const auto& w : split_ws(s)) {
    if (!out.empty()) out += ' ';
    out += f(w);
  }
  return out;
}

// A parsed comparator; `any` is node-semver's ANY (value "").
struct Comparator {
  std::string op;
  std::optional<SemVer> v;
  std::string value;
};

std::optional<Comparator> make_comparator(const std::string& text, const Options& o) {
  std::string comp;
  for (const auto& w : split_ws(text)) comp += (comp.empty() ? "" : " ") + w;
  std::smatch m;
  if (!std::regex_match(comp, m, grammar(o.loose).comparator)) return std::nullopt;
  Comparator c;
  c.op = m[1].matched ? m[1].str() : "";
  if (c.op == "=") c.op = "";
  if (!m[2].matched || m[2].length() == 0) return c;  // ANY
  c.v = parse(m[2].str(), o.loose);
  if (!c.v) return std::nullopt;
  std::string ver = std::to_string(c.v->major) + "." + std::to_string(c.v->minor) + "." +
                    std::to_string(c.v->patch);
  for (std::size_t i = 0; i < c.v->prerelease.size(); ++i)
    ver += (i ? "." : "-") + c.v->prerelease[i];
  c.value = c.op + ver;
  return c;
}

bool test(const Comparator& c, const SemVer& v) {
  if (!c.v) return true;
  int r = compare(v, *c.v);
  if (c.op.empty()) return r == 0;
  if (c.op == ">") return r > 0;
  if (c.op == ">=") return r >= 0;
  if (c.op == "<") return r < 0;
  if (c.op == "<=") return r <= 0;
  return false;
}

using Set = std::vector<Comparator>;

std::optional<Set> parse_set(const std::string& part, const Options& o) {
  const Grammar& g = grammar(o.loose);
  // Build metadata never takes part in matching; newer node-semver strips it
  // from the range text before anything else so it cannot bleed into a version.
  static const std::regex build_re(R"(\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))");
  std::string range = std::regex_replace(part, build_re, "");
  std::smatch hm;
  if (std::regex_match(range, hm, g.hyphen)) range = hyphen_replace(hm, o.include_prerelease);
  range = std::regex_replace(range, g.comparator_trim, "$1$2$3");
  range = std::regex_replace(range, g.tilde_trim, "$1~");
  range = std::regex_replace(range, g.caret_trim, "$1^");
  std::string joined;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= range.size(); ++i) {  // split(' '), keeping empty pieces
    if (i < range.size() && range[i] != ' ') continue;
    std::string comp = range.substr(start, i - start);
    comp = each_word(comp, [&](const std::string& w) { return replace_caret(w, o); });
    comp = each_word(comp, [&](const std::string& w) { return replace_tilde(w, o); });
    comp = each_word(comp, [&](const std::string& w) { return replace_xrange(w, o); });
    comp = std::regex_replace(trim_str(comp), g.star, "", std::regex_constants::format_first_only);
    joined += (start ? " " : "") + comp;
    start = i + 1;
  }
  std::vector<std::string> list;
  for (std::string comp : split_ws(joined.empty() ? std::string() : joined)) {
    comp = std::regex_replace(comp, o.include_prerelease ? g.gte0pre : g.gte0, "",
                              std::regex_constants::format_first_only);
    list.push_back(comp);
  }
  if (list.empty()) list.push_back("");
  Set out;
  std::map<std::string, std::size_t> seen;
  for (const auto& text : list) {
    if (o.loose && !std::regex_match(text, grammar(true).comparator)) continue;
    auto c = make_comparator(text, o);
    if (!c) return std::nullopt;  // node-semver throws: the whole range is invalid
    if (c->value == "<0.0.0-0") return Set{*c};
    auto [it, fresh] = seen.emplace(c->value, out.size());
    if (fresh) out.push_back(*c);
    else out[it->second] = *c;
  }
  if (out.size() > 1) {
    Set kept;
    for (auto& c : out)
      if (!c.value.empty()) kept.push_back(c);
    out = kept;
  }
  return out;
}

bool test_set(const Set& set, const SemVer& v, const Options& o) {
  for (const auto& c : set)
    if (!test(c, v)) return false;
  if (!v.prerelease.empty() && !o.include_prerelease) {
    // A prerelease only matches when some comparator names the same
    // [major, minor, patch] with a prerelease of its own.
    for (const auto& c : set) {
      if (!c.v || c.v->prerelease.empty()) continue;
      if (c.v->major == v.major && c.v->minor == v.minor && c.v->patch == v.patch) return true;
    }
    return false;
  }
  return true;
}

}  // namespace

bool satisfies(std::string_view range_in, std::string_view version, Options opts) {
  if (range_in.size() > kMaxRangeLength) return false;
  auto v = parse(version, opts.loose);
  if (!v) return false;
  std::string raw;
  for (const auto& w : split_ws(std::string(range_in))) raw += (raw.empty() ? "" : " ") + w;
  std::vector<Set> sets;
  std::size_t start = 0;
  while (true) {
    std::size_t bar = raw.find("||", start);
    std::string part = trim_str(std::string_view(raw).substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    auto set = parse_set(part, opts);
    if (!set) return false;
    if (!set->empty()) sets.push_back(std::move(*set));
    if (bar == std::string::npos) break;
    start = bar + 2;
  }
  if (sets.empty()) return false;
  if (sets.size() > 1) {
    std::vector<Set> kept;
    for (auto& s : sets)
      if (s[0].value != "<0.0.0-0") kept.push_back(s);
    if (kept.empty()) kept.push_back(sets[0]);
    for (auto& s : kept)
      if (s.size() == 1 && s[0].value.empty()) { kept = {s}; break; }
    sets = std::move(kept);
  }
  for (const auto& s : sets)
    if (test_set(s, *v, opts)) return true;
  return false;
}

}  // namespace portcullis::vuln::npm
