#include "scan/analyzers/json_fields.h"

#include <cstddef>

namespace portcullis::scan::json_fields {

using nlohmann::json;

bool too_deep(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

std::optional<json> parse(std::string_view text, int max_depth, std::string_view who, FileResult& out) {
  if (too_deep(text, max_depth)) {
    out.warnings.push_back(std::string(who) + ": JSON nested deeper than " + std::to_string(max_depth) +
                           " levels; file skipped");
    return std::nullopt;
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) {
    out.warnings.push_back(std::string(who) + ": invalid JSON; file skipped");
    return std::nullopt;
  }
  return doc;
}

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string string_member(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

bool true_member(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v && v->is_boolean() && v->get<bool>();
}

}  // namespace portcullis::scan::json_fields
