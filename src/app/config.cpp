#include "app/config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <set>

extern char** environ;

namespace portcullis::app {

using core::ErrorCode;
using core::make_error;

namespace {

core::Result<bool> parse_bool(const std::string& key, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return make_error(ErrorCode::InvalidArgument, key + ": expected true or false, got \"" + v + "\"");
}

core::Result<int> parse_int(const std::string& key, const std::string& v, int lo, int hi) {
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi)
    return make_error(ErrorCode::InvalidArgument,
                      key + ": expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return n;
}

core::Result<void> check_keys(const YAML::Node& node, const std::string& where, const std::set<std::string>& allowed) {
  if (!node.IsMap()) return make_error(ErrorCode::InvalidArgument, where + ": expected a mapping");
  for (auto it = node.begin(); it != node.end(); ++it) {
    auto key = it->first.as<std::string>();
    if (!allowed.count(key)) return make_error(ErrorCode::InvalidArgument, where + ": unknown key \"" + key + "\"");
  }
  return {};
}

const std::set<std::string> kLogLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};

}  // namespace

core::Result<void> apply_yaml_file(Config& c, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::InvalidArgument, "config " + path + ": " + e.what());
  }
  if (root.IsNull()) return {};
  try {
    if (auto r = check_keys(root, "config", {"listen", "data", "tls", "log", "http"}); !r) return r;
    if (root["listen"]) c.listen = root["listen"].as<std::string>();
    if (root["data"]) c.data_dir = root["data"].as<std::string>();
    if (auto tls = root["tls"]) {
      if (auto r = check_keys(tls, "tls", {"cert", "key"}); !r) return r;
      if (tls["cert"]) c.tls_cert = tls["cert"].as<std::string>();
      if (tls["key"]) c.tls_key = tls["key"].as<std::string>();
    }
    if (auto log = root["log"]) {
      if (auto r = check_keys(log, "log", {"level", "access"}); !r) return r;
      if (log["level"]) c.log_level = log["level"].as<std::string>();
      if (log["access"]) c.access_log = log["access"].as<bool>();
    }
    if (auto http = root["http"]) {
      if (auto r = check_keys(http, "http", {"threads", "realm"}); !r) return r;
      if (http["threads"]) c.threads = http["threads"].as<int>();
      if (http["realm"]) c.realm = http["realm"].as<std::string>();
    }
  } catch (const std::exception& e) {
    return make_error(ErrorCode::InvalidArgument, "config " + path + ": " + e.what());
  }
  if (!kLogLevels.count(c.log_level)) return make_error(ErrorCode::InvalidArgument, "log.level: unknown level " + c.log_level);
  if (c.threads < 0 || c.threads > 256) return make_error(ErrorCode::InvalidArgument, "http.threads: out of range");
  return {};
}

core::Result<void> apply_environment(Config& c, const std::map<std::string, std::string>& env) {
  auto get = [&](const char* k) -> const std::string* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : &it->second;
  };
  if (auto v = get("PORTCULLIS_LISTEN")) c.listen = *v;
  if (auto v = get("PORTCULLIS_DATA")) c.data_dir = *v;
  if (auto v = get("PORTCULLIS_TLS_CERT")) c.tls_cert = *v;
  if (auto v = get("PORTCULLIS_TLS_KEY")) c.tls_key = *v;
  if (auto v = get("PORTCULLIS_LOG_LEVEL")) {
    if (!kLogLevels.count(*v)) return make_error(ErrorCode::InvalidArgument, "PORTCULLIS_LOG_LEVEL: unknown level " + *v);
    c.log_level = *v;
  }
  if (auto v = get("PORTCULLIS_ACCESS_LOG")) {
    auto b = parse_bool("PORTCULLIS_ACCESS_LOG", *v);
    if (!b) return b.error();
    c.access_log = *b;
  }
  if (auto v = get("PORTCULLIS_THREADS")) {
    auto n = parse_int("PORTCULLIS_THREADS", *v, 0, 256);
    if (!n) return n.error();
    c.threads = *n;
  }
  return {};
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    if (kv.compare(0, 11, "PORTCULLIS_") != 0) continue;
    env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

}  // namespace portcullis::app
