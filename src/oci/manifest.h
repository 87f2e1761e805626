// Manifest parsing and validation for pushes (OCI image-spec 1.1 manifest and
// index, Docker schema 2 manifest and manifest list). The bytes are never
// re-serialised: the registry stores and serves exactly what was pushed; this
// only extracts what the registry must check and index.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace portcullis::oci {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr std::string_view kOciEmptyJson = "application/vnd.oci.empty.v1+json";

// Largest manifest accepted (the specification's suggested 4 MiB).
inline constexpr std::size_t kMaxManifestSize = 4 * 1024 * 1024;

struct Descriptor {
  std::string media_type;
  std::string digest;
  std::int64_t size = 0;
  std::string artifact_type;
};

enum class ManifestKind { Image, Index };

struct ParsedManifest {
  ManifestKind kind = ManifestKind::Image;
  // The media type stored and served: the body's `mediaType` when present,
  // else the request's Content-Type (parameters dropped), else — for a body
  // with neither — inferred: `manifests` -> OCI index, `config` -> OCI
  // image manifest. Always one of the four is_manifest_media_type() types.
  std::string media_type;
  // For referrers: `artifactType`, or for an image manifest without it the
  // config's media type.
  std::string artifact_type;
  std::optional<Descriptor> subject;
  // Digests, de-duplicated, in document order.
  std::vector<std::string> blob_refs;      // config and layers that must exist (foreign layers with urls excluded)
  std::vector<std::string> manifest_refs;  // children of an index / manifest list
  std::string annotations_json = "{}";     // the top-level annotations object, compact
};

// Validates `bytes` pushed with `content_type` (may be empty). Errors:
//  - ManifestInvalid: not JSON, not an object, wrong schemaVersion, missing or
//    mistyped fields, a descriptor with a bad digest/size/mediaType, body
//    mediaType that disagrees with the Content-Type, schema 1 (refused with a
//    message that says to push schema 2 or OCI), an unknown manifest type.
//  - ManifestTooLarge: more than kMaxManifestSize bytes.
// A Content-Type of application/json or application/octet-stream counts as
// "not given". Also ManifestInvalid: duplicate object keys, nesting deeper
// than 64, and a document that is both an image manifest and an index
// (`manifests` beside `config`/`layers`). Never throws.
core::Result<ParsedManifest> parse_manifest(std::string_view bytes, std::string_view content_type);

// True for the four manifest media types this registry stores.
bool is_manifest_media_type(std::string_view media_type);

}  // namespace portcullis::oci
