// ASCII text helpers for protocol and file-format keywords (header names,
// control-file fields, licence ids). Locale-independent on purpose: these
// keywords are ASCII by definition, and a user's locale must not change how
// a package database or an HTTP header is read.
#pragma once
#include <string>
#include <string_view>

namespace portcullis::core {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

inline bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

}  // namespace portcullis::core
