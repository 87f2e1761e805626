// Reading the version-comparison vector files in shared/fixtures/version/.
// Every data line is returned, so tests can assert that the number of lines
// they checked equals the number of lines the file holds.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vuln/version_scheme.h"
#include "vuln/versions/npm_range.h"

namespace portcullis::vuln::testing {

inline std::string fixture(const std::string& rel) {
  return std::string(PORTCULLIS_FIXTURES) + "/" + rel;
}

inline std::string read_text(const std::string& rel) {
  std::ifstream in(fixture(rel), std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + rel);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline nlohmann::json read_json(const std::string& rel) { return nlohmann::json::parse(read_text(rel)); }

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : text) {
    if (c == '\n') lines.push_back(cur), cur.clear();
    else if (c != '\r') cur += c;
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

// One `a <|=|> b` line of an osv-scalibr vector file.
struct CmpLine {
  int line;
  std::string a, b;
  int want;  // -1, 0, 1
};

struct CmpFile {
  std::vector<CmpLine> cases;
  int data_lines = 0;  // non-blank lines that are not `//` or `#` comments
  int malformed = 0;
};

inline CmpFile read_cmp_file(const std::string& rel) {
  CmpFile f;
  int n = 0;
  for (const auto& raw : split_lines(read_text(rel))) {
    ++n;
    std::string l = raw;
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.pop_back();
    if (l.empty() || l.rfind("//", 0) == 0 || l.rfind("#", 0) == 0) continue;
    ++f.data_lines;
    std::istringstream in(l);
    std::string a, op, b, extra;
    if (!(in >> a >> op >> b) || (in >> extra) || (op != "<" && op != "=" && op != ">")) {
      ++f.malformed;
      continue;
    }
    f.cases.push_back({n, a, b, op == "<" ? -1 : (op == "=" ? 0 : 1)});
  }
  return f;
}

// A TSV line `a<TAB>b<TAB>expected`, comments starting with '#'.
struct TsvLine {
  int line;
  std::string a, b;
  int want;
};

inline std::vector<TsvLine> read_tsv(const std::string& rel, int* data_lines) {
  std::vector<TsvLine> out;
  int n = 0;
  *data_lines = 0;
  for (const auto& l : split_lines(read_text(rel))) {
    ++n;
    if (l.empty() || l[0] == '#') continue;
    ++*data_lines;
    auto t1 = l.find('\t'), t2 = l.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) continue;
    out.push_back({n, l.substr(0, t1), l.substr(t1 + 1, t2 - t1 - 1), std::stoi(l.substr(t2 + 1))});
  }
  return out;
}

// node-semver's parseOptions over a fixture's optional options element:
// absent or falsy -> {}, a non-object truthy value -> {loose: true}, an object
// -> its `loose` / `includePrerelease` members by JavaScript truthiness.
inline bool js_truthy(const nlohmann::json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string()) return !v.get<std::string>().empty();
  return true;
}

inline npm::Options npm_options(const nlohmann::json& c, std::size_t idx) {
  npm::Options o;
  if (c.size() <= idx || !js_truthy(c[idx])) return o;
  const auto& v = c[idx];
  if (!v.is_object()) {
    o.loose = true;
    return o;
  }
  if (v.contains("loose")) o.loose = js_truthy(v["loose"]);
  if (v.contains("includePrerelease")) o.include_prerelease = js_truthy(v["includePrerelease"]);
  return o;
}

inline int sgn(int v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

// Checks one osv-scalibr line both ways. Fatal if `s` cannot compare it, so
// callers wrap it in ASSERT_NO_FATAL_FAILURE to stop at the first such line.
inline void expect_cmp(const VersionScheme& s, const std::string& rel, const CmpLine& c) {
  auto r = s.compare(c.a, c.b);
  ASSERT_TRUE(r) << rel << ":" << c.line << ": " << c.a << " vs " << c.b;
  EXPECT_EQ(sgn(*r), c.want) << rel << ":" << c.line << ": " << c.a << " vs " << c.b;
  EXPECT_EQ(sgn(*s.compare(c.b, c.a)), -c.want) << rel << ":" << c.line;
}

// Every line of the file was well-formed and checked, and there were `expected`.
inline void expect_whole_file(const CmpFile& f, int checked, int expected) {
  EXPECT_EQ(f.malformed, 0);
  EXPECT_EQ(checked, f.data_lines);
  EXPECT_EQ(checked, expected);
}

// An osv-scalibr vector file that `s` must order entirely as the file says.
inline void run_cmp_file(const VersionScheme& s, const std::string& rel, int expected) {
  auto f = read_cmp_file(rel);
  int checked = 0;
  for (const auto& c : f.cases) {
    ASSERT_NO_FATAL_FAILURE(expect_cmp(s, rel, c));
    ++checked;
  }
  expect_whole_file(f, checked, expected);
}

// The dpkg / rpm vector files, read by path; `where` names file and line.
struct OpVector {
  std::string a, b;
  int want;  // -1, 0, 1
  std::string where;
};

// Data lines: not empty, not whitespace only, not starting with '#'.
inline std::vector<std::string> data_lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  EXPECT_TRUE(in) << p;
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
    out.push_back(line);
  }
  return out;
}

// "<", "=", ">" (and "==" where `double_equals`); anything else is a failure.
inline int op_sign(const std::string& op, bool double_equals) {
  if (op == "<") return -1;
  if (op == "=" || (double_equals && op == "==")) return 0;
  if (op == ">") return 1;
  ADD_FAILURE() << "unknown operator " << op;
  return 2;
}

// "a op b" (osv-scalibr).
inline std::vector<OpVector> read_op_file(const std::filesystem::path& p, bool double_equals = false) {
  std::vector<OpVector> out;
  for (const auto& line : data_lines(p)) {
    std::istringstream fields(line);
    std::string a, op, b, extra;
    fields >> a >> op >> b;
    EXPECT_FALSE(fields >> extra) << line;
    out.push_back({a, b, op_sign(op, double_equals), p.filename().string() + ": " + line});
  }
  return out;
}

}  // namespace portcullis::vuln::testing
