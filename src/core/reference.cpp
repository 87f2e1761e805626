#include "core/reference.h"

#include "core/digest.h"

namespace portcullis::core {

namespace {

constexpr std::string_view kDockerHub = "docker.io";
constexpr std::string_view kDockerHubLegacy = "index.docker.io";
constexpr std::string_view kLocalhost = "localhost";
constexpr std::string_view kOfficialPrefix = "library/";

constexpr bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) { return is_lower_alnum(c) || is_upper(c); }
constexpr bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
constexpr char to_lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

bool has_upper(std::string_view s) {
  for (char c : s)
    if (is_upper(c)) return true;
  return false;
}

// path-component ('/' path-component)*, where
// path-component := [a-z0-9]+ (separator [a-z0-9]+)* and separator := . | _ | __ | -+
// One pass, no allocation: this runs on every registry request.
bool path_grammar_ok(std::string_view s) {
  const std::size_t n = s.size();
  std::size_t i = 0;
  for (;;) {
    // An alphanumeric run is required here: at the start, after '/', after a separator.
    if (i >= n || !is_lower_alnum(s[i])) return false;
    while (i < n && is_lower_alnum(s[i])) ++i;
    if (i == n) return true;
    switch (s[i]) {
      case '/':
      case '.':
        ++i;
        break;
      case '_':
        ++i;
        if (i < n && s[i] == '_') ++i;
        break;
      case '-':
        while (i < n && s[i] == '-') ++i;
        break;
      default:
        return false;
    }
  }
}

// host [':' port] where host is a domain name (components of [a-zA-Z0-9-],
// not starting or ending with '-', joined by '.'; IPv4 fits this too) or an
// IPv6 address in brackets, and port is [0-9]+.
bool domain_grammar_ok(std::string_view s) {
  const std::size_t n = s.size();
  std::size_t i = 0;
  if (n == 0) return false;
  if (s[0] == '[') {
    std::size_t close = s.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (std::size_t k = 1; k < close; ++k)
      if (!is_hex(s[k]) && s[k] != ':') return false;
    i = close + 1;
  } else {
    for (;;) {
      std::size_t start = i;
      while (i < n && (is_alnum(s[i]) || s[i] == '-')) ++i;
      if (i == start || s[start] == '-' || s[i - 1] == '-') return false;
      if (i < n && s[i] == '.') {
        ++i;
        continue;
      }
      break;
    }
  }
  if (i == n) return true;
  if (s[i] != ':' || i + 1 == n) return false;
  for (++i; i < n; ++i)
    if (!is_digit(s[i])) return false;
  return true;
}

bool is_identifier(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!(is_digit(c) || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Error name_invalid(std::string_view text, std::string_view why) {
  std::string m = "invalid image reference \"";
  // Echo a bounded, printable prefix: the input is untrusted and may be huge
  // or binary, and the message ends up in JSON bodies and logs.
  for (char c : text.substr(0, 300)) m += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > 300) m += "...";
  m += "\": ";
  m += why;
  return make_error(ErrorCode::NameInvalid, std::move(m));
}

}  // namespace

bool is_valid_repository_name(std::string_view name) {
  return name.size() <= kMaxRepositoryNameLength && path_grammar_ok(name);
}

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) { return is_alnum(c) || c == '_'; };
  if (!word(tag[0])) return false;
  for (std::size_t i = 1; i < tag.size(); ++i)
    if (!word(tag[i]) && tag[i] != '.' && tag[i] != '-') return false;
  return true;
}

std::string project_of(std::string_view repository_name) {
  auto slash = repository_name.find('/');
  if (slash == std::string_view::npos) return "library";
  return std::string(repository_name.substr(0, slash));
}

std::string ImageReference::str() const {
  std::string s;
  s.reserve(registry.size() + repository.size() + tag.size() + digest.size() + 3);
  s += registry;
  s += '/';
  s += repository;
  if (!tag.empty()) {
    s += ':';
    s += tag;
  }
  if (!digest.empty()) {
    s += '@';
    s += digest;
  }
  return s;
}

Result<ImageReference> parse_image_reference(std::string_view text) {
  if (text.empty()) return name_invalid(text, "empty reference");
  if (is_identifier(text))
    return name_invalid(text, "a 64-character hexadecimal string is an image ID, not a repository name");

  ImageReference ref;
  std::string_view remainder = text;

  // The domain split of distribution/reference (splitDockerDomain): the first
  // component is a registry host if it is "localhost", contains '.' or ':', or
  // has upper-case letters (repository paths cannot).
  auto slash = text.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = text.substr(0, slash);
    bool looks_like_host = first == kLocalhost || first.find_first_of(".:") != std::string_view::npos;
    if (!looks_like_host && has_upper(first)) {
      std::string lowered;
      for (char c : first) lowered += to_lower(c);
      if (lowered != kLocalhost)
        // distribution would take this as a host, but its lower-cased form
        // would read as a Docker Hub namespace: refuse instead of guessing.
        return name_invalid(text, "a registry host without '.' or ':' must be localhost, and repository names must be lowercase");
      looks_like_host = true;
    }
    if (looks_like_host) {
      if (!domain_grammar_ok(first)) return name_invalid(text, "invalid registry host");
      ref.registry.reserve(first.size());
      for (char c : first) ref.registry += to_lower(c);
      remainder = text.substr(slash + 1);
    }
  }
  if (ref.registry.empty() || ref.registry == kDockerHubLegacy) ref.registry = kDockerHub;

  // remainder := path [':' tag] ['@' digest]; neither path nor tag may hold '@',
  // and the path holds no ':'.
  std::string_view name_tag = remainder;
  auto at = remainder.find('@');
  if (at != std::string_view::npos) {
    name_tag = remainder.substr(0, at);
    std::string_view digest = remainder.substr(at + 1);
    auto d = Digest::parse(digest);
    if (!d) return name_invalid(text, "invalid digest: " + d.error().message);
    ref.digest = std::string(digest);
  }
  std::string_view path = name_tag;
  auto colon = name_tag.find(':');
  if (colon != std::string_view::npos) {
    path = name_tag.substr(0, colon);
    std::string_view tag = name_tag.substr(colon + 1);
    if (!is_valid_tag(tag)) return name_invalid(text, "invalid tag");
    ref.tag = std::string(tag);
  }
  if (has_upper(path)) return name_invalid(text, "repository name must be lowercase");
  if (!path_grammar_ok(path)) return name_invalid(text, "invalid repository name");

  if (ref.registry == kDockerHub && path.find('/') == std::string_view::npos) ref.repository = kOfficialPrefix;
  ref.repository += path;
  if (ref.registry.size() + 1 + ref.repository.size() > kMaxRepositoryNameLength)
    return name_invalid(text, "name (registry and repository) longer than 255 characters");
  return ref;
}

}  // namespace portcullis::core
