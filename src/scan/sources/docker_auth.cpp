#include "scan/sources/docker_auth.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace portcullis::scan {
namespace {

using core::ErrorCode;
using core::make_error;

// Auth files are small; anything bigger is not one.
constexpr std::uintmax_t kMaxAuthFileSize = 4 * 1024 * 1024;


std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::vector<std::string> default_auth_files() {
  std::vector<std::string> files;
  if (auto dir = env("DOCKER_CONFIG"); !dir.empty()) {
    files.push_back(dir + "/config.json");
  } else if (auto home = env("HOME"); !home.empty()) {
    files.push_back(home + "/.docker/config.json");
  }
  if (auto f = env("REGISTRY_AUTH_FILE"); !f.empty()) {
    files.push_back(f);
  } else if (auto run = env("XDG_RUNTIME_DIR"); !run.empty()) {
    files.push_back(run + "/containers/auth.json");
  }
  return files;
}

// The credentials of one "auths" entry; an error names the key, never a value.
core::Result<Credentials> entry_credentials(const std::string& file, const std::string& key,
                                            const nlohmann::json& entry) {
  if (!entry.is_object()) return make_error(ErrorCode::InvalidArgument, file + ": auths entry " + key + " is not an object");
  if (auto a = entry.find("auth"); a != entry.end() && a->is_string() && !a->get<std::string>().empty()) {
    auto decoded = base64_decode(a->get<std::string>());
    if (!decoded) return make_error(ErrorCode::InvalidArgument, file + ": auths entry " + key + ": \"auth\" is not base64");
    auto creds = parse_creds(*decoded);
    if (!creds) return make_error(ErrorCode::InvalidArgument, file + ": auths entry " + key + ": \"auth\" is not user:password");
    return creds;
  }
  auto u = entry.find("username");
  auto p = entry.find("password");
  if (u != entry.end() && p != entry.end() && u->is_string() && p->is_string()) {
    return Credentials{u->get<std::string>(), p->get<std::string>()};
  }
  return make_error(ErrorCode::InvalidArgument, file + ": auths entry " + key + " has neither \"auth\" nor username/password");
}

// Searches one file; nullopt when it is missing or has no matching key.
core::Result<std::optional<Credentials>> search_file(const std::string& file, const std::string& registry,
                                                     std::string_view repository) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return std::optional<Credentials>{};
    return make_error(ErrorCode::Io, "auth file " + file + ": " + ec.message());
  }
  if (size > kMaxAuthFileSize) return make_error(ErrorCode::InvalidArgument, "auth file " + file + " is too large");
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorCode::Io, "auth file " + file + " cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = nlohmann::json::parse(ss.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return make_error(ErrorCode::InvalidArgument, "auth file " + file + " is not a JSON object");
  }
  auto auths = doc.find("auths");
  if (auths == doc.end()) return std::optional<Credentials>{};
  if (!auths->is_object()) return make_error(ErrorCode::InvalidArgument, "auth file " + file + ": \"auths\" is not an object");

  // podman allows "host/namespace" keys: the most specific one wins.
  const nlohmann::json* best = nullptr;
  std::string best_key;
  std::size_t best_len = 0;
  for (auto it = auths->begin(); it != auths->end(); ++it) {
    std::string key = normalize_auth_key(it.key());
    bool match = false;
    if (key == registry) {
      match = true;
    } else if (key.size() > registry.size() && key.compare(0, registry.size(), registry) == 0 &&
               key[registry.size()] == '/') {
      std::string_view path = std::string_view(key).substr(registry.size() + 1);
      match = repository == path || (repository.size() > path.size() && repository.substr(0, path.size()) == path &&
                                     repository[path.size()] == '/');
    }
    if (match && (best == nullptr || key.size() > best_len)) {
      best = &it.value();
      best_key = it.key();
      best_len = key.size();
    }
  }
  if (best == nullptr) return std::optional<Credentials>{};
  auto creds = entry_credentials(file, best_key, *best);
  if (!creds) return creds.error();
  return std::optional<Credentials>(std::move(creds).value());
}

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

core::Result<Credentials> parse_creds(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return make_error(ErrorCode::InvalidArgument, "credentials must be USER:PASSWORD");
  }
  return Credentials{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

std::string normalize_auth_key(std::string_view key) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (key.substr(0, scheme.size()) == scheme) {
      key.remove_prefix(scheme.size());
      break;
    }
  }
  while (!key.empty() && key.back() == '/') key.remove_suffix(1);
  for (std::string_view suffix : {"/v1", "/v2"}) {
    if (key.size() > suffix.size() && key.substr(key.size() - suffix.size()) == suffix) {
      key.remove_suffix(suffix.size());
      break;
    }
  }
  // Only the host is case-insensitive; repository paths are lower-case anyway.
  auto slash = key.find('/');
  std::string host = core::ascii_lower(key.substr(0, slash));
  if (host == "index.docker.io" || host == "registry-1.docker.io" || host == "registry.hub.docker.com") host = "docker.io";
  return slash == std::string_view::npos ? host : host + std::string(key.substr(slash));
}

core::Result<std::optional<Credentials>> find_credentials(std::string_view registry, std::string_view repository,
                                                          const SourceOptions& options) {
  if (!options.creds.empty()) {
    auto creds = parse_creds(options.creds);
    if (!creds) return creds.error();
    return std::optional<Credentials>(std::move(creds).value());
  }
  std::string reg = normalize_auth_key(registry);
  std::vector<std::string> files =
      options.auth_file.empty() ? default_auth_files() : std::vector<std::string>{options.auth_file};
  for (const auto& file : files) {
    auto found = search_file(file, reg, repository);
    if (!found || found->has_value()) return found;
  }
  return std::optional<Credentials>{};
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = b64_value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing character cannot be base64
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
  }
  if (i + 1 == bytes.size()) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

}  // namespace portcullis::scan

namespace portcullis::scan {
namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void skip_space(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

std::string take_token(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && is_token_char(s[n])) ++n;
  std::string out(s.substr(0, n));
  s.remove_prefix(n);
  return out;
}

}  // namespace

std::optional<AuthChallenge> parse_challenge(std::string_view header) {
  std::string_view s = header;
  std::optional<AuthChallenge> current;
  while (true) {
    skip_space(s);
    while (!s.empty() && s.front() == ',') {
      s.remove_prefix(1);
      skip_space(s);
    }
    if (s.empty()) break;
    std::string word = take_token(s);
    if (word.empty()) return std::nullopt;
    skip_space(s);
    if (s.empty() || s.front() != '=') {
      // A new scheme: the previous challenge, if usable, is the answer.
      if (current && (current->scheme == "bearer" || current->scheme == "basic")) return current;
      current = AuthChallenge{core::ascii_lower(word), {}};
      continue;
    }
    if (!current) return std::nullopt;  // a parameter before any scheme
    s.remove_prefix(1);
    skip_space(s);
    std::string value;
    if (!s.empty() && s.front() == '"') {
      s.remove_prefix(1);
      bool closed = false;
      while (!s.empty()) {
        char c = s.front();
        s.remove_prefix(1);
        if (c == '\\' && !s.empty()) {
          value.push_back(s.front());
          s.remove_prefix(1);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value.push_back(c);
        }
      }
      if (!closed) return std::nullopt;
    } else {
      value = take_token(s);
    }
    current->params[core::ascii_lower(word)] = std::move(value);
  }
  if (current && (current->scheme == "bearer" || current->scheme == "basic")) return current;
  return std::nullopt;
}

}  // namespace portcullis::scan
