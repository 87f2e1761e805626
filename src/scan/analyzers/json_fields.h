// JSON access for the analyzers that read JSON metadata (npm, Composer, the
// Ubuntu Pro status file): parsing that turns hostile input into a warning,
// and member look-ups that never throw, whatever type a field turns out to
// have.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "scan/analyzer.h"

namespace portcullis::scan::json_fields {

// True when brackets nest deeper than `limit` (strings skipped). Checked before
// parsing so hostile input costs one linear pass and nothing more.
bool too_deep(std::string_view text, int limit);

// The document, or nullopt with a warning "<who>: ..." when it nests deeper
// than `max_depth` or is not JSON.
std::optional<nlohmann::json> parse(std::string_view text, int max_depth, std::string_view who, FileResult& out);

// obj[key] when obj is an object that has it, else null.
const nlohmann::json* member(const nlohmann::json& obj, const char* key);

// obj[key] when it is a string, else "".
std::string string_member(const nlohmann::json& obj, const char* key);

// obj[key] is the boolean true.
bool true_member(const nlohmann::json& obj, const char* key);

}  // namespace portcullis::scan::json_fields
