// Rust crates from `**/Cargo.lock` (all formats: v1 with its [metadata]
// checksum table, v2, v3 and v4 with a top-level `version = N`).
//
// Every [[package]] table with a string `name` and `version` is one package,
// the workspace's own crates included (they are what a lockfile describes).
// Cargo.lock is TOML, and only a small part of TOML occurs in it, so this file
// carries a minimal TOML reader: comments, [table] and [[array-of-tables]]
// headers, `key = value` with bare, quoted or dotted keys, and values that are
// strings (basic, literal and both multi-line forms), arrays, inline tables,
// numbers, booleans and dates. A line it cannot read spoils only the table it
// is in: that table is dropped with a warning and reading resumes on the next
// line, so one bad entry does not hide the others.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scan/analyzers/analyzers.h"

namespace portcullis::scan {
namespace {

constexpr int kMaxNesting = 32;     // arrays / inline tables inside each other
constexpr std::size_t kMaxWarnings = 20;  // per file; the rest are counted

// What went wrong in a file: the first few messages and how many in all.
struct Errors {
  std::vector<std::string> messages;
  std::size_t count = 0;
};

class TomlReader {
 public:
  explicit TomlReader(std::string_view text) : s_(text) {}

  struct Table {
    std::string header;  // "package" for [[package]]
    bool array = false;  // [[...]]
    bool broken = false;
    std::map<std::string, std::string> strings;  // top-level string values only
  };

  // Reads the next table (the implicit root table first). False at the end.
  bool next(Table& table, Errors& errors) {
    if (done_) return false;
    table = Table{};
    table.header = std::move(next_header_);
    table.array = next_array_;
    for (;;) {
      skip_blank_lines();
      if (i_ >= s_.size()) {
        done_ = true;
        return true;
      }
      if (s_[i_] == '[') {
        if (read_header()) return true;
        fail(table, errors, "malformed table header");
        continue;
      }
      std::string key, value;
      bool is_string = false;
      if (!read_key(key)) {
        fail(table, errors, "expected a key");
        continue;
      }
      skip_spaces();
      if (peek() != '=') {
        fail(table, errors, "expected '=' after key");
        continue;
      }
      ++i_;
      skip_spaces();
      if (!read_value(value, is_string, 0)) {
        fail(table, errors, "missing or malformed value");
        continue;
      }
      skip_spaces();
      if (peek() == '#') skip_to_eol();
      if (i_ < s_.size() && peek() != '\n' && peek() != '\r') {
        fail(table, errors, "unexpected text after value");
        continue;
      }
      if (is_string) table.strings.emplace(std::move(key), std::move(value));
    }
  }

 private:
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool at(std::string_view tok) const { return s_.substr(i_).starts_with(tok); }
  void advance() {
    if (s_[i_] == '\n') ++line_;
    ++i_;
  }
  void skip_spaces() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  void skip_to_eol() {
    while (i_ < s_.size() && s_[i_] != '\n') ++i_;
  }
  void skip_blank_lines() {
    for (;;) {
      skip_spaces();
      if (peek() == '#') skip_to_eol();
      if (peek() == '\n' || peek() == '\r') {
        advance();
        continue;
      }
      return;
    }
  }
  // Whitespace, newlines and comments, as allowed inside arrays.
  void skip_all_space() {
    for (;;) {
      skip_blank_lines();
      if (peek() != '\n' && peek() != '\r' && peek() != ' ' && peek() != '\t') return;
    }
  }

  void fail(Table& table, Errors& errors, const char* what) {
    table.broken = true;
    if (errors.messages.size() < kMaxWarnings)
      errors.messages.push_back("line " + std::to_string(line_ + 1) + ": " + what);
    ++errors.count;
    skip_to_eol();
  }

  static bool bare_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }

  // key, quoted key, or dotted key (parts joined with '.').
  bool read_key(std::string& key) {
    for (;;) {
      skip_spaces();
      if (peek() == '"' || peek() == '\'') {
        std::string part;
        if (!read_single_line_string(part)) return false;
        key += part;
      } else {
        std::size_t start = i_;
        while (i_ < s_.size() && bare_key_char(s_[i_])) ++i_;
        if (i_ == start) return false;
        key.append(s_.substr(start, i_ - start));
      }
      skip_spaces();
      if (peek() != '.') return true;
      ++i_;
      key += '.';
    }
  }

  bool read_header() {
    bool array = at("[[");
    i_ += array ? 2 : 1;
    std::string name;
    if (!read_key(name)) return false;
    skip_spaces();
    if (!at(array ? "]]" : "]")) return false;
    i_ += array ? 2 : 1;
    skip_spaces();
    if (peek() == '#') skip_to_eol();
    if (i_ < s_.size() && peek() != '\n' && peek() != '\r') return false;
    next_header_ = std::move(name);
    next_array_ = array;
    return true;
  }

  bool read_single_line_string(std::string& out) {
    char quote = s_[i_++];
    while (i_ < s_.size() && s_[i_] != '\n') {
      char c = s_[i_++];
      if (c == quote) return true;
      if (c == '\\' && quote == '"') {
        if (i_ >= s_.size()) return false;
        char e = s_[i_++];
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'u': case 'U': out += '\\'; out += e; break;  // kept escaped: never in names or versions
          default: out += e; break;
        }
      } else {
        out += c;
      }
    }
    return false;
  }

  bool read_multi_line_string(std::string& out) {
    std::string_view delim = at("\"\"\"") ? "\"\"\"" : "'''";
    i_ += 3;
    if (peek() == '\r') ++i_;
    if (peek() == '\n') advance();  // a newline right after the opening delimiter is trimmed
    while (i_ < s_.size()) {
      if (at(delim)) {
        // Up to two quotes may touch the closing delimiter: """a""""" is a"".
        std::size_t n = 0;
        while (i_ + n < s_.size() && s_[i_ + n] == delim[0] && n < 5) ++n;
        out.append(n - 3, delim[0]);
        i_ += n;
        return true;
      }
      if (delim[0] == '"' && s_[i_] == '\\' && i_ + 1 < s_.size()) {
        ++i_;
        if (s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == ' ' || s_[i_] == '\t') {
          // line-ending backslash: trims the newline and following blanks
          while (i_ < s_.size() && (s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == ' ' || s_[i_] == '\t')) advance();
          continue;
        }
        out += s_[i_++];
        continue;
      }
      out += s_[i_];
      advance();
    }
    return false;
  }

  bool read_value(std::string& out, bool& is_string, int depth) {
    if (depth > kMaxNesting) return false;
    char c = peek();
    if (c == '"' || c == '\'') {
      is_string = true;
      if (at("\"\"\"") || at("'''")) return read_multi_line_string(out);
      return read_single_line_string(out);
    }
    std::string ignored;
    bool ignored_is_string = false;
    if (c == '[') {
      ++i_;
      for (;;) {
        skip_all_space();
        if (peek() == ']') {
          ++i_;
          return true;
        }
        ignored.clear();
        if (!read_value(ignored, ignored_is_string, depth + 1)) return false;
        skip_all_space();
        if (peek() == ',') {
          ++i_;
        } else if (peek() != ']') {
          return false;
        }
      }
    }
    if (c == '{') {
      ++i_;
      skip_spaces();
      if (peek() == '}') {
        ++i_;
        return true;
      }
      for (;;) {
        std::string key;
        if (!read_key(key)) return false;
        skip_spaces();
        if (peek() != '=') return false;
        ++i_;
        skip_spaces();
        ignored.clear();
        if (!read_value(ignored, ignored_is_string, depth + 1)) return false;
        skip_spaces();
        if (peek() == '}') {
          ++i_;
          return true;
        }
        if (peek() != ',') return false;
        ++i_;
        skip_spaces();
      }
    }
    // number, boolean or date: a run of token characters
    std::size_t start = i_;
    while (i_ < s_.size()) {
      char t = s_[i_];
      bool token = bare_key_char(t) || t == '+' || t == '.' || t == ':' || (t == ' ' && i_ > start && s_[i_ - 1] >= '0' &&
                                                                             s_[i_ - 1] <= '9' && i_ + 1 < s_.size() &&
                                                                             s_[i_ + 1] >= '0' && s_[i_ + 1] <= '9');
      if (!token) break;
      ++i_;
    }
    return i_ > start;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int line_ = 0;
  bool done_ = false;
  std::string next_header_;
  bool next_array_ = false;
};

bool wanted(std::string_view path) { return path == "Cargo.lock" || path.ends_with("/Cargo.lock"); }

class RustAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "cargo"; }
  int version() const override { return 1; }
  Want wants(const FileInfo& file) const override { return wanted(file.path) ? Want::whole : Want::no; }

  void analyze(const FileInfo& file, std::string_view content, FileResult& out) const override {
    TomlReader toml(content);
    TomlReader::Table table;
    Errors errors;
    std::map<std::pair<std::string, std::string>, bool> seen;
    int incomplete = 0;
    while (toml.next(table, errors)) {
      if (!table.array || table.header != "package") continue;
      if (table.broken) continue;  // reported through `errors`
      auto name = table.strings.find("name");
      auto version = table.strings.find("version");
      if (name == table.strings.end() || version == table.strings.end() || name->second.empty() ||
          version->second.empty()) {
        ++incomplete;
        continue;
      }
      if (!seen.emplace(std::pair{name->second, version->second}, true).second) continue;
      Package p;
      p.ecosystem = ecosystem::kCargo;
      p.name = name->second;
      p.version = version->second;
      p.path = std::string(file.path);
      out.packages.push_back(std::move(p));
    }
    for (const std::string& e : errors.messages) out.warnings.push_back("cargo: " + e + "; its table is skipped");
    if (errors.count > errors.messages.size())
      out.warnings.push_back("cargo: " + std::to_string(errors.count - errors.messages.size()) + " more malformed lines");
    if (incomplete > 0)
      out.warnings.push_back("cargo: " + std::to_string(incomplete) + " [[package]] tables without name or version skipped");
  }
};

}  // namespace

std::unique_ptr<Analyzer> make_rust_analyzer() { return std::make_unique<RustAnalyzer>(); }

}  // namespace portcullis::scan
