// Configuration of `portcullis serve`: embedded defaults, then an optional
// YAML file, then PORTCULLIS_* environment variables, then command-line
// flags — each later source overrides the earlier ones. Unknown YAML keys
// and malformed values are errors (a typo must not silently change nothing).
#pragma once
#include <map>
#include <optional>
#include <string>

#include "core/result.h"

namespace portcullis::app {

struct Config {
  std::string listen = ":5000";
  std::string data_dir = "./data";
  std::string tls_cert;
  std::string tls_key;
  std::string log_level = "info";
  bool access_log = true;
  int threads = 0;  // 0 = a sensible default for the machine
  std::string realm = "portcullis";
};

// YAML keys: listen, data, tls: {cert, key}, log: {level, access}, http: {threads, realm}.
core::Result<void> apply_yaml_file(Config& c, const std::string& path);
// PORTCULLIS_LISTEN, PORTCULLIS_DATA, PORTCULLIS_TLS_CERT, PORTCULLIS_TLS_KEY,
// PORTCULLIS_LOG_LEVEL, PORTCULLIS_ACCESS_LOG (true/false), PORTCULLIS_THREADS.
core::Result<void> apply_environment(Config& c, const std::map<std::string, std::string>& env);
std::map<std::string, std::string> process_environment();

}  // namespace portcullis::app
