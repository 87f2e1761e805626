// libFuzzer target for oci::parse_manifest. The first input byte picks the
// Content-Type; the rest is the body. Besides "no crash, no sanitizer report",
// every accepted manifest must satisfy the contract in oci/manifest.h.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_set>

#include "core/digest.h"
#include "oci/manifest.h"
#include "fuzz_check.h"

namespace {

using namespace portcullis;

constexpr std::string_view kContentTypes[] = {
    "",
    "application/json",
    oci::kOciManifest,
    oci::kOciIndex,
    oci::kDockerManifest,
    oci::kDockerManifestList,
    oci::kDockerSchema1Signed,
    "application/vnd.oci.image.manifest.v1+json; charset=utf-8",
    "APPLICATION/VND.OCI.IMAGE.INDEX.V1+JSON",
    "text/plain",
    "application/vnd.oci.image.manifest.v1+json\xff\x01",
};
constexpr std::size_t kNumContentTypes = sizeof kContentTypes / sizeof kContentTypes[0];

void check_refs(const std::vector<std::string>& refs) {
  std::unordered_set<std::string_view> seen;
  for (const auto& r : refs) {
    FUZZ_CHECK(core::Digest::parse(r).ok());
    FUZZ_CHECK(seen.insert(r).second);  // de-duplicated
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view content_type = kContentTypes[data[0] % kNumContentTypes];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  auto r = oci::parse_manifest(body, content_type);
  if (!r.ok()) {
    FUZZ_CHECK(r.error().code == core::ErrorCode::ManifestInvalid ||
               r.error().code == core::ErrorCode::ManifestTooLarge);
    FUZZ_CHECK(!r.error().message.empty());
    for (char c : r.error().message) FUZZ_CHECK(c >= 0x20 && c < 0x7f);  // safe to log and to embed
    return 0;
  }

  const auto& m = *r;
  FUZZ_CHECK(body.size() <= oci::kMaxManifestSize);
  FUZZ_CHECK(oci::is_manifest_media_type(m.media_type));
  bool index_type = m.media_type == oci::kOciIndex || m.media_type == oci::kDockerManifestList;
  FUZZ_CHECK((m.kind == oci::ManifestKind::Index) == index_type);
  if (m.kind == oci::ManifestKind::Index) {
    FUZZ_CHECK(m.blob_refs.empty());
  } else {
    FUZZ_CHECK(m.manifest_refs.empty());
    FUZZ_CHECK(!m.blob_refs.empty());      // the config is always required
    FUZZ_CHECK(!m.artifact_type.empty());  // artifactType or the config's media type
  }
  check_refs(m.blob_refs);
  check_refs(m.manifest_refs);
  if (m.subject) {
    FUZZ_CHECK(core::Digest::parse(m.subject->digest).ok());
    FUZZ_CHECK(m.subject->size >= 0);
    FUZZ_CHECK(!m.subject->media_type.empty());
  }

  // annotations_json is a compact object of strings.
  auto a = nlohmann::json::parse(m.annotations_json, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(a.is_object());
  for (const auto& v : a) FUZZ_CHECK(v.is_string());
  FUZZ_CHECK(a.dump() == m.annotations_json);

  // Parsing is a pure function of its inputs.
  auto again = oci::parse_manifest(body, content_type);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->media_type == m.media_type && again->blob_refs == m.blob_refs &&
             again->manifest_refs == m.manifest_refs && again->artifact_type == m.artifact_type &&
             again->annotations_json == m.annotations_json);

  // A specific Content-Type that disagrees with what was stored is refused
  // (the body then has no say, or says something else).
  for (auto other : {oci::kOciManifest, oci::kOciIndex, oci::kDockerManifest, oci::kDockerManifestList}) {
    if (other == m.media_type) continue;
    auto mismatched = oci::parse_manifest(body, other);
    if (mismatched.ok()) {
      // Only possible when the body has no mediaType and the other type reads
      // the same fields (OCI <-> Docker of the same kind).
      FUZZ_CHECK(mismatched->media_type == other);
      FUZZ_CHECK(mismatched->kind == m.kind);
    }
  }
  return 0;
}
