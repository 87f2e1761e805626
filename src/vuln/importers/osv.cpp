// OSV importer (importers.h, importers/osv.h): one record file, a directory
// tree of *.json records, or an osv.dev all.zip read entry by entry with
// libarchive (never unpacked to disk).
#include "vuln/importers/osv.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "scan/os_release.h"
#include "vuln/importers.h"
#include "vuln/version_scheme.h"

namespace portcullis::vuln {
namespace {

using core::ErrorCode;
using core::make_error;
using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr std::size_t kMaxWarnings = 100;

std::string str(const Json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const Json* field(const Json& j, const char* key, Json::value_t type) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() && it->type() == type ? &*it : nullptr;
}

void add_strings(const Json& j, const char* key, std::vector<std::string>& out) {
  if (const Json* a = field(j, key, Json::value_t::array))
    for (const auto& e : *a)
      if (e.is_string() && std::find(out.begin(), out.end(), e.get_ref<const std::string&>()) == out.end())
        out.push_back(e.get<std::string>());
}

// nlohmann's parser recurses per nesting level: refuse deep input before it
// does, so a hostile record cannot exhaust the stack.
bool depth_ok(std::string_view s) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxOsvJsonDepth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}


// GHSA's words (and the Red Hat words AlmaLinux/Rocky put in summaries).
std::string normalise_severity(std::string_view word) {
  const std::string w = core::ascii_lower(word);
  if (w == "low") return "low";
  if (w == "moderate" || w == "medium") return "medium";
  if (w == "high" || w == "important") return "high";
  if (w == "critical") return "critical";
  return {};
}

Cvss cvss_from(const std::string& type, const std::string& vector, const std::string& source) {
  Cvss c{"", vector, 0, source};
  if (vector.rfind("CVSS:", 0) == 0) c.version = vector.substr(5, vector.find('/') - 5);
  else if (type == "CVSS_V2") c.version = "2.0";
  else if (type == "CVSS_V4") c.version = "4.0";
  else if (type == "CVSS_V3") c.version = "3.1";
  return c;
}

void warn(std::vector<std::string>* w, std::string msg) {
  if (w && w->size() < kMaxWarnings) w->push_back(std::move(msg));
}

AffectedPackage parse_affected(const Json& a, const std::string& id, std::vector<std::string>* warnings) {
  AffectedPackage p;
  const Json* pkg = field(a, "package", Json::value_t::object);
  const std::string osv_eco = pkg ? str(*pkg, "ecosystem") : std::string();
  p.ecosystem = osv_ecosystem_key(osv_eco);
  p.package = pkg ? str(*pkg, "name") : std::string();
  const VersionScheme* scheme = scheme_for_ecosystem(osv_eco);
  auto check = [&](const std::string& v) {
    if (scheme && !v.empty() && v != "0" && !scheme->valid(v))
      warn(warnings, id + ": " + osv_eco + " " + p.package + ": version \"" + v + "\" is not valid in the " +
                         std::string(scheme->name()) + " scheme");
  };
  if (const Json* ranges = field(a, "ranges", Json::value_t::array)) {
    for (const auto& r : *ranges) {
      const std::string type = str(r, "type");
      if (type != "SEMVER" && type != "ECOSYSTEM") continue;  // GIT needs commits, not versions
      const Json* events = field(r, "events", Json::value_t::array);
      if (!events) continue;
      // One OSV range may hold several intervals (introduced, fixed,
      // introduced, fixed, ...); each becomes its own Range.
      std::vector<Range> out;
      std::string limit;
      for (const auto& e : *events) {
        if (!e.is_object()) continue;
        if (std::string v = str(e, "introduced"); e.contains("introduced")) {
          check(v);
          out.push_back({v.empty() ? "0" : v, "", "", ""});
        } else if (std::string f = str(e, "fixed"); e.contains("fixed")) {
          check(f);
          if (out.empty() || !out.back().fixed.empty() || !out.back().last_affected.empty()) out.push_back({"0", "", "", ""});
          out.back().fixed = f;
          if (!f.empty() && std::find(p.fixed_versions.begin(), p.fixed_versions.end(), f) == p.fixed_versions.end())
            p.fixed_versions.push_back(f);
        } else if (std::string l = str(e, "last_affected"); e.contains("last_affected")) {
          check(l);
          if (out.empty() || !out.back().fixed.empty() || !out.back().last_affected.empty()) out.push_back({"0", "", "", ""});
          out.back().last_affected = l;
        } else if (e.contains("limit")) {
          limit = str(e, "limit");
          if (limit != "*") check(limit);
        }
      }
      for (auto& x : out) {
        if (limit != "*") x.limit = limit;
        p.ranges.push_back(std::move(x));
      }
    }
  }
  add_strings(a, "versions", p.versions);
  for (const auto& v : p.versions) check(v);
  p.fix_state = p.fixed_versions.empty() ? fix_state::kUnfixed : fix_state::kFixed;
  // Per-package ratings some feeds carry (e.g. Ubuntu priority, GHSA-in-ecosystem_specific).
  for (const char* where : {"ecosystem_specific", "database_specific"})
    if (const Json* s = field(a, where, Json::value_t::object))
      if (std::string sev = normalise_severity(str(*s, "severity")); !sev.empty()) p.severity = sev;
  return p;
}

}  // namespace

std::string osv_ecosystem_key(std::string_view eco) {
  const auto colon = eco.find(':');
  if (colon == std::string_view::npos) return std::string(eco);
  const std::string family = core::ascii_lower(eco.substr(0, colon));
  std::string_view rest = eco.substr(colon + 1);
  std::string key;
  if (family == "debian" || family == "almalinux") {
    key = family;
  } else if (family == "rocky linux") {
    key = "rocky";
  } else if (family == "alpine") {
    key = "alpine";
    if (!rest.empty() && rest[0] == 'v') rest.remove_prefix(1);
  } else if (family == "ubuntu") {
    key = "ubuntu";
    // "22.04:LTS", "Pro:18.04:LTS", "Pro:FIPS:20.04:LTS": the release is the numeric part.
    std::string_view release;
    std::string_view r = rest;
    while (!r.empty()) {
      const auto c = r.find(':');
      std::string_view part = r.substr(0, c);
      if (!part.empty() && std::isdigit(static_cast<unsigned char>(part[0]))) { release = part; break; }
      if (c == std::string_view::npos) break;
      r.remove_prefix(c + 1);
    }
    if (release.empty()) return std::string(eco);
    rest = release;
  } else {
    return std::string(eco);
  }
  return key + ":" + scan::normalize_release(key, rest);
}

OsvParse parse_osv_record(std::string_view text, Advisory& out, std::string& error, std::vector<std::string>* warnings) {
  out = Advisory{};
  if (text.size() > kMaxOsvRecordBytes) return error = "record larger than 16 MiB", OsvParse::kInvalid;
  if (!depth_ok(text)) return error = "JSON nested too deeply", OsvParse::kInvalid;
  const Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return error = "not valid JSON", OsvParse::kInvalid;
  if (!j.is_object()) return error = "not an OSV record (top level is not an object)", OsvParse::kInvalid;
  out.id = str(j, "id");
  if (out.id.empty()) return error = "OSV record without an id", OsvParse::kInvalid;
  if (!str(j, "withdrawn").empty()) return OsvParse::kWithdrawn;
  out.source = "osv";
  add_strings(j, "aliases", out.aliases);
  add_strings(j, "upstream", out.aliases);  // DLA/USN: the CVEs they fix
  out.title = str(j, "summary");
  out.description = str(j, "details");
  out.published = str(j, "published");
  out.modified = str(j, "modified");
  const std::string rater = out.id.rfind("GHSA-", 0) == 0 ? "ghsa" : "osv";
  if (const Json* sev = field(j, "severity", Json::value_t::array))
    for (const auto& s : *sev) {
      const std::string type = str(s, "type"), score = str(s, "score");
      if (type.rfind("CVSS_V", 0) == 0 && !score.empty()) out.cvss.push_back(cvss_from(type, score, rater));
    }
  if (const Json* db = field(j, "database_specific", Json::value_t::object)) out.severity = normalise_severity(str(*db, "severity"));
  if (out.severity.empty()) {
    // AlmaLinux/Rocky: "Moderate: libtiff security update".
    const auto colon = out.title.find(':');
    if (colon != std::string::npos && colon < 12) out.severity = normalise_severity(std::string_view(out.title).substr(0, colon));
  }
  if (const Json* refs = field(j, "references", Json::value_t::array))
    for (const auto& r : *refs)
      if (std::string url = str(r, "url"); !url.empty()) out.references.push_back(std::move(url));
  if (const Json* aff = field(j, "affected", Json::value_t::array))
    for (const auto& a : *aff) {
      if (!a.is_object()) continue;
      AffectedPackage p = parse_affected(a, out.id, warnings);
      if (p.package.empty() || p.ecosystem.empty()) {
        warn(warnings, out.id + ": an affected entry without package name or ecosystem, ignored");
        continue;
      }
      out.affected.push_back(std::move(p));
    }
  return OsvParse::kOk;
}

namespace {

// Feeds one record's bytes through the parser into the sink, keeping stats.
struct Run {
  const AdvisorySink& sink;
  ImportStats stats;

  core::Result<void> record(std::string_view bytes, const std::string& name) {
    Advisory a;
    std::string error;
    switch (parse_osv_record(bytes, a, error, &stats.warnings)) {
      case OsvParse::kInvalid:
        ++stats.skipped;
        warn(&stats.warnings, name + ": skipped: " + error);
        return {};
      case OsvParse::kWithdrawn:
        warn(&stats.warnings, name + ": " + a.id + " is withdrawn, not imported");
        return {};
      case OsvParse::kOk:
        break;
    }
    for (const std::string* d : {&a.modified, &a.published})
      if (*d > stats.newest) stats.newest = *d;
    if (auto r = sink(a); !r.ok()) return r;
    ++stats.records;
    return {};
  }
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

core::Result<void> import_file(Run& run, const fs::path& p, const std::string& name) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec) return make_error(ErrorCode::Io, "cannot read " + name + ": " + ec.message());
  if (size > kMaxOsvRecordBytes) {
    ++run.stats.skipped;
    warn(&run.stats.warnings, name + ": skipped: record larger than 16 MiB");
    return {};
  }
  std::ifstream in(p, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size)))
    return make_error(ErrorCode::Io, "cannot read " + name);
  return run.record(bytes, name);
}

core::Result<void> import_zip(Run& run, const std::string& path) {
  struct Closer { void operator()(archive* a) const { archive_read_free(a); } };
  std::unique_ptr<archive, Closer> ar(archive_read_new());
  if (!ar) return make_error(ErrorCode::Internal, "libarchive: out of memory");
  // The seekable reader trusts the central directory, so a truncated dump is
  // refused up front instead of half-imported.
  archive_read_support_format_zip_seekable(ar.get());
  if (archive_read_open_filename(ar.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    return make_error(ErrorCode::InvalidArgument, path + ": not a readable zip: " + archive_error_string(ar.get()));
  archive_entry* entry = nullptr;
  std::string bytes;
  for (;;) {
    const int rc = archive_read_next_header(ar.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      const char* msg = archive_error_string(ar.get());
      return make_error(ErrorCode::InvalidArgument, path + ": corrupt or truncated zip: " + (msg ? msg : "unreadable entry"));
    }
    const char* raw = archive_entry_pathname(entry);
    const std::string name = path + ":" + (raw ? raw : "?");
    if (archive_entry_filetype(entry) != AE_IFREG || !ends_with(name, ".json")) continue;
    if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > static_cast<la_int64_t>(kMaxOsvRecordBytes)) {
      ++run.stats.skipped;
      warn(&run.stats.warnings, name + ": skipped: record larger than 16 MiB");
      continue;
    }
    bytes.clear();
    char buf[1 << 16];
    la_ssize_t n;
    while ((n = archive_read_data(ar.get(), buf, sizeof buf)) > 0) {
      if (bytes.size() + static_cast<std::size_t>(n) > kMaxOsvRecordBytes) break;
      bytes.append(buf, static_cast<std::size_t>(n));
    }
    if (n < 0) {
      const char* msg = archive_error_string(ar.get());
      return make_error(ErrorCode::InvalidArgument, name + ": corrupt or truncated zip: " + (msg ? msg : "read error"));
    }
    if (n > 0) {
      ++run.stats.skipped;
      warn(&run.stats.warnings, name + ": skipped: record larger than 16 MiB");
      continue;
    }
    if (auto r = run.record(bytes, name); !r.ok()) return r;
  }
  return {};
}

bool looks_like_zip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && (magic[2] == 3 || magic[2] == 5) &&
         (magic[3] == 4 || magic[3] == 6);
}

}  // namespace

core::Result<ImportStats> import_osv(const std::string& path, const AdvisorySink& sink) {
  Run run{sink, {}};
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return make_error(ErrorCode::NotFound, "OSV input " + path + " does not exist");
  if (fs::is_directory(st)) {
    std::vector<fs::path> files;
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) return make_error(ErrorCode::Io, "cannot list " + path + ": " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) return make_error(ErrorCode::Io, "cannot list " + path + ": " + ec.message());
      if (it->is_regular_file(ec) && it->path().extension() == ".json") files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());  // a stable order: "the later record replaces" must be reproducible
    for (const auto& f : files)
      if (auto r = import_file(run, f, f.string()); !r.ok()) return r.error();
    return run.stats;
  }
  if (looks_like_zip(path) || ends_with(path, ".zip")) {
    if (auto r = import_zip(run, path); !r.ok()) return r.error();
    return run.stats;
  }
  // One record file: if it is not a record, the input as a whole is unreadable.
  if (auto r = import_file(run, path, path); !r.ok()) return r.error();
  if (run.stats.records == 0 && run.stats.skipped == 1)
    return make_error(ErrorCode::InvalidArgument, run.stats.warnings.empty() ? path + ": not an OSV record" : run.stats.warnings.back());
  return run.stats;
}

}  // namespace portcullis::vuln
