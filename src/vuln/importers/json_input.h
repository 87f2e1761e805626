// Bounded JSON input shared by the distribution feed importers (Debian
// tracker, Alpine secdb, Red Hat CSAF).
//
// Contract: nothing here throws. A file larger than the cap, JSON nested
// deeper than kMaxJsonDepth (checked before nlohmann parses, because its
// parser recurses once per level and a hostile file could exhaust the stack),
// or text that is not JSON comes back as an Error naming the input. The
// accessors return nullptr instead of throwing on a missing key or a value of
// the wrong type, so importers can treat every field as optional.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "vuln/importers.h"

namespace portcullis::vuln::json_input {

// The Debian tracker's full export is ~80 MB; leave room for growth while
// keeping a single document's memory bounded.
inline constexpr std::size_t kMaxJsonBytes = std::size_t{512} << 20;
inline constexpr int kMaxJsonDepth = 64;
// A directory import never visits more files than this (Red Hat's VEX tree
// has ~300k documents; a runaway symlink loop must still end).
inline constexpr std::size_t kMaxFiles = 2'000'000;
inline constexpr std::size_t kMaxWarnings = 100;

// Reads `path` whole if it is a regular file of at most `max_bytes`.
core::Result<std::string> read_file(const std::string& path, std::size_t max_bytes = kMaxJsonBytes);

// Parses `text` after checking its nesting depth; `what` names the input in errors.
core::Result<nlohmann::json> parse(std::string_view text, std::string_view what);

// `path` itself when it is a file; else every regular file under it
// (recursively, symlinks not followed) whose name ends in `suffix`, sorted
// so imports are reproducible.
core::Result<std::vector<std::string>> list_files(const std::string& path, std::string_view suffix);

// Null when `obj` is not an object, lacks `key`, or holds another type there.
const std::string* get_string(const nlohmann::json& obj, const char* key);
const nlohmann::json* get_object(const nlohmann::json& obj, const char* key);
const nlohmann::json* get_array(const nlohmann::json& obj, const char* key);

// The string at `key`, or "" (see get_string).
std::string string_or_empty(const nlohmann::json& obj, const char* key);

// Appends `s` to `v` unless empty or already there.
void add_unique(std::vector<std::string>& v, const std::string& s);

// Hands each advisory to the sink, counting records; stops at the first refusal
// (sets `sink_failed` and returns the sink's Error).
core::Result<void> emit(const std::vector<Advisory>& advisories, const AdvisorySink& sink, ImportStats& stats,
                        bool& sink_failed);

// Parses one file's text into the sink; sets `sink_failed` when the sink refused a record.
using FileParser = std::function<core::Result<void>(std::string_view text, ImportStats& stats, bool& sink_failed)>;

// The importers' shared file policy: every "*.json" file of `path` (see
// list_files) through `parse`. A single file that cannot be read or parsed is
// the Error; in a directory such a file is skipped with a warning and the
// rest imported. A sink failure always stops the import.
core::Result<ImportStats> import_files(const std::string& path, const FileParser& parse);

// Appends a warning while fewer than kMaxWarnings are kept.
void warn(ImportStats& stats, std::string message);

// Keeps the newest RFC 3339 date (they sort as text when in the same form).
void note_date(ImportStats& stats, const std::string& date);

}  // namespace portcullis::vuln::json_input
