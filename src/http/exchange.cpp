#include "http/exchange.h"

#include <charconv>

namespace portcullis::http {

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return false;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return true;
}

std::string percent_encode_query(std::string_view s) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~' || c == '/' || c == ':') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

std::optional<std::string> Exchange::query(std::string_view name) const {
  std::string_view q = query_;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key != name) continue;
    std::string_view raw = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    std::string plus_as_space(raw);
    for (char& c : plus_as_space)
      if (c == '+') c = ' ';
    std::string out;
    if (!percent_decode(plus_as_space, out)) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

std::string_view Exchange::header(std::string_view name) const {
  auto it = req_->find(name);
  if (it == req_->end()) return {};
  return it->value();
}

bool Exchange::has_header(std::string_view name) const { return req_->find(name) != req_->end(); }

std::optional<std::uint64_t> Exchange::content_length() const {
  auto v = header("Content-Length");
  if (v.empty()) return std::nullopt;
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return n;
}

bool Exchange::has_body() const {
  if (bhttp::token_list{header("Transfer-Encoding")}.exists("chunked")) return true;
  auto n = content_length();
  return n && *n > 0;
}

}  // namespace portcullis::http
