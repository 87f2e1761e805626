#include "vuln/importers/json_input.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace portcullis::vuln::json_input {

namespace fs = std::filesystem;
using core::ErrorCode;
using core::make_error;

core::Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return make_error(ErrorCode::NotFound, "not a readable file: " + path);
  auto size = fs::file_size(path, ec);
  if (ec) return make_error(ErrorCode::Io, "cannot stat " + path + ": " + ec.message());
  if (size > max_bytes) return make_error(ErrorCode::InvalidArgument, "file too large: " + path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::Io, "cannot open " + path);
  std::string text;
  try {
    text.resize(static_cast<std::size_t>(size));
  } catch (...) {
    return make_error(ErrorCode::Io, "out of memory reading " + path);
  }
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

namespace {

// Maximum nesting depth of `text`, counting brackets outside strings; stops
// counting once past `limit`.
int nesting_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

core::Result<nlohmann::json> parse(std::string_view text, std::string_view what) {
  if (text.size() > kMaxJsonBytes) return make_error(ErrorCode::InvalidArgument, std::string(what) + ": JSON too large");
  if (nesting_depth(text, kMaxJsonDepth) > kMaxJsonDepth)
    return make_error(ErrorCode::InvalidArgument, std::string(what) + ": JSON nested too deeply");
  try {
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return make_error(ErrorCode::InvalidArgument, std::string(what) + ": not valid JSON");
    return doc;
  } catch (...) {  // bad_alloc; parse errors are reported through is_discarded()
    return make_error(ErrorCode::InvalidArgument, std::string(what) + ": JSON could not be read");
  }
}

core::Result<std::vector<std::string>> list_files(const std::string& path, std::string_view suffix) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return make_error(ErrorCode::NotFound, "no such file or directory: " + path);
  if (fs::is_regular_file(status)) return std::vector<std::string>{path};
  if (!fs::is_directory(status)) return make_error(ErrorCode::InvalidArgument, "not a file or directory: " + path);
  std::vector<std::string> files;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) return make_error(ErrorCode::Io, "cannot list " + path + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return make_error(ErrorCode::Io, "cannot list " + path + ": " + ec.message());
    if (!it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    if (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    if (files.size() >= kMaxFiles) return make_error(ErrorCode::InvalidArgument, "too many files under " + path);
    files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

const std::string* get_string(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

const nlohmann::json* get_object(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? &*it : nullptr;
}

const nlohmann::json* get_array(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it != obj.end() && it->is_array() ? &*it : nullptr;
}

std::string string_or_empty(const nlohmann::json& obj, const char* key) {
  const std::string* s = get_string(obj, key);
  return s ? *s : "";
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

core::Result<void> emit(const std::vector<Advisory>& advisories, const AdvisorySink& sink, ImportStats& stats,
                        bool& sink_failed) {
  for (const Advisory& adv : advisories) {
    auto r = sink(adv);
    if (!r) {
      sink_failed = true;
      return r.error();
    }
    ++stats.records;
  }
  return {};
}

core::Result<ImportStats> import_files(const std::string& path, const FileParser& parse) {
  auto files = list_files(path, ".json");
  if (!files) return files.error();
  ImportStats stats;
  const bool single = files->size() == 1 && (*files)[0] == path;
  for (const std::string& file : *files) {
    auto text = read_file(file);
    bool sink_failed = false;
    core::Result<void> r = text ? parse(*text, stats, sink_failed) : core::Result<void>(text.error());
    if (r) continue;
    if (single || sink_failed) return make_error(r.error().code, file + ": " + r.error().message);
    ++stats.skipped;
    warn(stats, file + ": " + r.error().message);
  }
  return stats;
}

void warn(ImportStats& stats, std::string message) {
  if (stats.warnings.size() < kMaxWarnings) stats.warnings.push_back(std::move(message));
}

void note_date(ImportStats& stats, const std::string& date) {
  if (!date.empty() && date > stats.newest) stats.newest = date;
}

}  // namespace portcullis::vuln::json_input
