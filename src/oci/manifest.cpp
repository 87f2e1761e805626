#include "oci/manifest.h"

#include <nlohmann/json.hpp>

#include <exception>
#include <limits>
#include <new>
#include <unordered_set>
#include <vector>

#include "core/digest.h"

namespace portcullis::oci {

namespace {

using json = nlohmann::json;
using core::ErrorCode;
using core::make_error;

// Deeper nesting than any real manifest needs (an index entry's platform is
// depth 4); the bound keeps hostile input from costing stack or time.
constexpr int kMaxDepth = 64;

constexpr std::string_view kDockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
// Covers .tar, .tar+gzip and .tar+zstd.
constexpr std::string_view kOciNonDistributablePrefix = "application/vnd.oci.image.layer.nondistributable.v1.tar";

constexpr std::string_view kSchema1Message =
    "Docker schema 1 manifests are not supported; push schema 2 or OCI";

core::Error invalid(std::string message) { return make_error(ErrorCode::ManifestInvalid, std::move(message)); }

// Thrown from the parser callback to stop parsing at once.
struct Rejected {
  std::string message;
};

// Untrusted text quoted in an error message: at most `max` bytes, anything
// but printable ASCII replaced, so the message is safe in a JSON error body
// and a log line whatever was pushed.
std::string quote(std::string_view text, std::size_t max = 200) {
  std::string out;
  for (char c : text.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > max) out += "...";
  return out;
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// "type/subtype; charset=utf-8" -> "type/subtype": the registry ignores
// Content-Type parameters (distribution-spec, "Pushing Manifests").
std::string_view strip_parameters(std::string_view ct) {
  ct = ct.substr(0, ct.find(';'));
  auto ws = [](char c) { return c == ' ' || c == '\t'; };
  while (!ct.empty() && ws(ct.front())) ct.remove_prefix(1);
  while (!ct.empty() && ws(ct.back())) ct.remove_suffix(1);
  return ct;
}

// Content types that say nothing about which manifest this is (curl's and
// some older clients' defaults); they neither decide the type nor conflict
// with the body's mediaType.
bool is_generic_content_type(std::string_view ct) {
  return ct.empty() || iequals(ct, "application/json") || iequals(ct, "application/octet-stream");
}

bool is_schema1(std::string_view mt) { return iequals(mt, kDockerSchema1) || iequals(mt, kDockerSchema1Signed); }

// The canonical spelling of a known manifest media type, or empty.
std::string_view known_manifest_type(std::string_view mt) {
  for (auto k : {kOciManifest, kOciIndex, kDockerManifest, kDockerManifestList})
    if (iequals(mt, k)) return k;
  return {};
}

bool is_non_distributable(std::string_view mt) {
  return mt == kDockerForeignLayer || mt.starts_with(kOciNonDistributablePrefix);
}

// Parses with a depth bound and refuses duplicate object keys: with
// duplicates, two JSON parsers can disagree on what a manifest references.
json parse_json(std::string_view bytes) {
  std::vector<std::unordered_set<std::string>> keys;  // one set per open object
  int depth = 0;
  json::parser_callback_t cb = [&](int, json::parse_event_t event, json& parsed) -> bool {
    switch (event) {
      case json::parse_event_t::object_start:
        keys.emplace_back();
        [[fallthrough]];
      case json::parse_event_t::array_start:
        if (++depth > kMaxDepth) throw Rejected{"manifest JSON is nested more than 64 levels deep"};
        break;
      case json::parse_event_t::object_end:
        keys.pop_back();
        [[fallthrough]];
      case json::parse_event_t::array_end:
        --depth;
        break;
      case json::parse_event_t::key:
        if (!keys.back().insert(parsed.get<std::string>()).second)
          throw Rejected{"manifest JSON has a duplicate key \"" + quote(parsed.get<std::string>(), 100) + "\""};
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  return json::parse(bytes.begin(), bytes.end(), cb);
}

// An optional member: absent and JSON null both read as "not there" (Go
// clients write null for empty slices and maps).
const json* member(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

core::Result<void> check_string_map(const json& v, const std::string& where) {
  if (!v.is_object()) return invalid(where + " must be an object of strings");
  for (auto it = v.begin(); it != v.end(); ++it)
    if (!it->is_string()) return invalid(where + "[\"" + quote(it.key(), 100) + "\"] must be a string");
  return {};
}

core::Result<Descriptor> parse_descriptor(const json& v, const std::string& where, bool* has_urls = nullptr) {
  if (!v.is_object()) return invalid(where + " must be a descriptor object");
  Descriptor d;

  auto mt = v.find("mediaType");
  if (mt == v.end() || !mt->is_string() || mt->get_ref<const std::string&>().empty())
    return invalid(where + ".mediaType must be a non-empty string");
  d.media_type = mt->get<std::string>();

  auto dg = v.find("digest");
  if (dg == v.end() || !dg->is_string()) return invalid(where + ".digest must be a string");
  auto parsed = core::Digest::parse(dg->get_ref<const std::string&>());
  if (!parsed) return invalid(where + ".digest: " + parsed.error().message);
  d.digest = dg->get<std::string>();

  auto sz = v.find("size");
  if (sz == v.end() || !sz->is_number_integer()) return invalid(where + ".size must be an integer");
  if (sz->is_number_unsigned()) {
    auto u = sz->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return invalid(where + ".size is too large");
    d.size = static_cast<std::int64_t>(u);
  } else {
    d.size = sz->get<std::int64_t>();
    if (d.size < 0) return invalid(where + ".size must not be negative");
  }

  if (const json* at = member(v, "artifactType")) {
    if (!at->is_string()) return invalid(where + ".artifactType must be a string");
    d.artifact_type = at->get<std::string>();
  }
  bool urls_present = false;
  if (const json* urls = member(v, "urls")) {
    if (!urls->is_array()) return invalid(where + ".urls must be an array of strings");
    for (const auto& u : *urls)
      if (!u.is_string()) return invalid(where + ".urls must be an array of strings");
    urls_present = !urls->empty();
  }
  if (has_urls) *has_urls = urls_present;
  if (const json* a = member(v, "annotations")) {
    if (auto r = check_string_map(*a, where + ".annotations"); !r) return r.error();
  }
  if (const json* data = member(v, "data")) {
    if (!data->is_string()) return invalid(where + ".data must be a base64 string");
  }
  if (const json* p = member(v, "platform")) {
    if (!p->is_object()) return invalid(where + ".platform must be an object");
  }
  return d;
}

// True for a JSON integer (signed or unsigned, not a float) equal to `x`.
bool integer_equals(const json& v, std::int64_t x) {
  if (v.is_number_unsigned()) return x >= 0 && v.get<std::uint64_t>() == static_cast<std::uint64_t>(x);
  return v.is_number_integer() && v.get<std::int64_t>() == x;
}

void add_unique(std::vector<std::string>& refs, std::unordered_set<std::string>& seen, const std::string& digest) {
  if (seen.insert(digest).second) refs.push_back(digest);
}

// Which manifest this is: the body's mediaType, else a specific Content-Type,
// else inferred from the fields present.
core::Result<std::string> resolve_media_type(const json& root, std::string_view content_type) {
  std::string_view declared = strip_parameters(content_type);
  if (is_schema1(declared)) return invalid(std::string(kSchema1Message));
  if (is_generic_content_type(declared)) declared = {};

  if (const json* body = member(root, "mediaType")) {
    if (!body->is_string()) return invalid("mediaType must be a string");
    const auto& mt = body->get_ref<const std::string&>();
    if (is_schema1(mt)) return invalid(std::string(kSchema1Message));
    if (!declared.empty() && !iequals(declared, mt))
      return invalid("manifest mediaType \"" + quote(mt) + "\" does not match Content-Type \"" + quote(declared) +
                     "\"");
    if (known_manifest_type(mt) != mt) return invalid("unsupported manifest media type \"" + quote(mt) + "\"");
    return mt;
  }
  if (!declared.empty()) {
    auto known = known_manifest_type(declared);
    if (known.empty())
      return invalid("unsupported manifest media type \"" + quote(declared) + "\"");
    return std::string(known);
  }
  // Neither says: an OCI manifest or index may omit mediaType (image-spec
  // makes it a SHOULD). Docker schema 2 always carries it.
  bool has_manifests = root.contains("manifests");
  bool has_config = root.contains("config");
  if (has_manifests && !has_config && !root.contains("layers")) return std::string(kOciIndex);
  if (has_config && !has_manifests) return std::string(kOciManifest);
  return invalid("cannot tell the manifest type: no mediaType field, no Content-Type, and the fields are ambiguous");
}

core::Result<ParsedManifest> parse(std::string_view bytes, std::string_view content_type) {
  if (bytes.size() > kMaxManifestSize)
    return make_error(ErrorCode::ManifestTooLarge, "manifest is larger than " + std::to_string(kMaxManifestSize) + " bytes");

  json root;
  try {
    root = parse_json(bytes);
  } catch (const Rejected& r) {
    return invalid(r.message);
  } catch (const json::parse_error& e) {
    return invalid("manifest is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
  if (!root.is_object()) return invalid("manifest must be a JSON object");

  // Schema 1 is recognised by its version before anything else so that its
  // pushers get the message that tells them what to do.
  auto sv = root.find("schemaVersion");
  if (sv != root.end() && integer_equals(*sv, 1)) return invalid(std::string(kSchema1Message));

  auto mt = resolve_media_type(root, content_type);
  if (!mt) return mt.error();

  if (sv == root.end() || !integer_equals(*sv, 2))
    return invalid("schemaVersion must be 2");

  ParsedManifest out;
  out.media_type = std::move(*mt);
  out.kind = (out.media_type == kOciIndex || out.media_type == kDockerManifestList) ? ManifestKind::Index
                                                                                    : ManifestKind::Image;
  std::unordered_set<std::string> seen;

  if (out.kind == ManifestKind::Image) {
    // A document that is both an image manifest and an index would be read
    // differently by different clients (CVE-2021-41190).
    if (root.contains("manifests")) return invalid("an image manifest must not have a manifests field");
    auto config = root.find("config");
    if (config == root.end()) return invalid("config is required");
    auto cd = parse_descriptor(*config, "config");
    if (!cd) return cd.error();
    add_unique(out.blob_refs, seen, cd->digest);
    if (const json* layers = member(root, "layers")) {
      if (!layers->is_array()) return invalid("layers must be an array");
      std::size_t i = 0;
      for (const auto& l : *layers) {
        bool has_urls = false;
        auto ld = parse_descriptor(l, "layers[" + std::to_string(i++) + "]", &has_urls);
        if (!ld) return ld.error();
        // Non-distributable layers with urls live elsewhere; the registry
        // need not hold them.
        if (has_urls && is_non_distributable(ld->media_type)) continue;
        add_unique(out.blob_refs, seen, ld->digest);
      }
    }
    out.artifact_type = cd->media_type;
  } else {
    if (root.contains("config") || root.contains("layers"))
      return invalid("an index must not have config or layers fields");
    auto manifests = root.find("manifests");
    if (manifests == root.end()) return invalid("manifests is required");
    if (!manifests->is_null()) {
      if (!manifests->is_array()) return invalid("manifests must be an array");
      std::size_t i = 0;
      for (const auto& m : *manifests) {
        auto md = parse_descriptor(m, "manifests[" + std::to_string(i++) + "]");
        if (!md) return md.error();
        add_unique(out.manifest_refs, seen, md->digest);
      }
    }
  }

  if (const json* at = member(root, "artifactType")) {
    if (!at->is_string() || at->get_ref<const std::string&>().empty())
      return invalid("artifactType must be a non-empty string");
    out.artifact_type = at->get<std::string>();
  }
  if (const json* subject = member(root, "subject")) {
    auto sd = parse_descriptor(*subject, "subject");
    if (!sd) return sd.error();
    out.subject = std::move(*sd);
  }
  if (const json* a = member(root, "annotations")) {
    if (auto r = check_string_map(*a, "annotations"); !r) return r.error();
    out.annotations_json = a->dump();
  }
  return out;
}

}  // namespace

core::Result<ParsedManifest> parse_manifest(std::string_view bytes, std::string_view content_type) {
  // Nothing may escape: the caller is a request handler and the input is
  // hostile by assumption.
  try {
    return parse(bytes, content_type);
  } catch (const json::exception& e) {
    return invalid("manifest rejected: " + quote(e.what(), 300));
  } catch (const std::bad_alloc&) {
    return make_error(ErrorCode::Internal, "out of memory while parsing a manifest");
  } catch (const std::exception& e) {
    return make_error(ErrorCode::Internal, "manifest parser failed: " + quote(e.what(), 300));
  } catch (...) {
    return make_error(ErrorCode::Internal, "manifest parser failed");
  }
}

bool is_manifest_media_type(std::string_view media_type) {
  return media_type == kOciManifest || media_type == kOciIndex || media_type == kDockerManifest ||
         media_type == kDockerManifestList;
}

}  // namespace portcullis::oci
