#include "oci/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/digest.h"

namespace portcullis::oci {
namespace {

using core::ErrorCode;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A real-looking digest of some made-up content.
std::string dg(std::string_view seed) { return core::Digest::of(core::DigestAlgorithm::Sha256, seed).str(); }

std::string desc(std::string_view media_type, std::string_view digest, long long size, std::string_view extra = "") {
  std::string s = R"({"mediaType":")" + std::string(media_type) + R"(","digest":")" + std::string(digest) +
                  R"(","size":)" + std::to_string(size);
  if (!extra.empty()) s += "," + std::string(extra);
  return s + "}";
}

// `docker buildx` output for a two-layer image, trimmed.
std::string oci_image_manifest() {
  return R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {
    "mediaType": "application/vnd.oci.image.config.v1+json",
    "digest": ")" + dg("config") + R"(",
    "size": 1472
  },
  "layers": [
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": ")" + dg("layer0") + R"(",
      "size": 3408729
    },
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
      "digest": ")" + dg("layer1") + R"(",
      "size": 187
    }
  ],
  "annotations": {
    "org.opencontainers.image.source": "https://example.com/app.git",
    "org.opencontainers.image.created": "2024-05-01T10:00:00Z"
  }
})";
}

std::string oci_index() {
  return R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": ")" + dg("amd64") + R"(",
      "size": 1234,
      "platform": {"architecture": "amd64", "os": "linux"}
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": ")" + dg("arm64") + R"(",
      "size": 1235,
      "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": ")" + dg("attestation") + R"(",
      "size": 840,
      "annotations": {
        "vnd.docker.reference.digest": ")" + dg("amd64") + R"(",
        "vnd.docker.reference.type": "attestation-manifest"
      },
      "platform": {"architecture": "unknown", "os": "unknown"}
    }
  ]
})";
}

std::string docker_manifest() {
  return R"({
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "size": 7023,
      "digest": ")" + dg("docker-config") + R"("
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 32654,
         "digest": ")" + dg("d0") + R"("
      },
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 16724,
         "digest": ")" + dg("d1") + R"("
      }
   ]
})";
}

std::string docker_manifest_list() {
  return R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
  "manifests": [
    {
      "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
      "size": 7143,
      "digest": ")" + dg("ppc64le") + R"(",
      "platform": {"architecture": "ppc64le", "os": "linux"}
    },
    {
      "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
      "size": 7682,
      "digest": ")" + dg("win") + R"(",
      "platform": {"architecture": "amd64", "os": "windows", "os.version": "10.0.17763.5329", "features": ["sse4"]}
    }
  ]
})";
}

// A signature-like artifact: empty config, artifactType, subject.
std::string oci_artifact() {
  return R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "artifactType": "application/vnd.example.sbom.v1+json",
  "config": {
    "mediaType": "application/vnd.oci.empty.v1+json",
    "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    "size": 2,
    "data": "e30="
  },
  "layers": [
    {
      "mediaType": "application/spdx+json",
      "digest": ")" + dg("sbom") + R"(",
      "size": 8810,
      "annotations": {"org.opencontainers.image.title": "sbom.spdx.json"}
    }
  ],
  "subject": {
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": ")" + dg("target") + R"(",
    "size": 1024
  },
  "annotations": {"org.opencontainers.image.created": "2024-05-01T10:00:00Z"}
})";
}

core::Error expect_invalid(const std::string& body, std::string_view ct) {
  auto r = parse_manifest(body, ct);
  EXPECT_FALSE(r.ok()) << "accepted: " << body.substr(0, 300) << " with " << ct;
  if (r.ok()) return {};
  EXPECT_EQ(r.error().code, ErrorCode::ManifestInvalid) << r.error().message;
  return r.error();
}

// Replaces the first occurrence of `from` in `s`; fails the test if absent.
std::string replace(std::string s, std::string_view from, std::string_view to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

TEST(ParseManifest, OciImageManifest) {
  auto r = parse_manifest(oci_image_manifest(), kOciManifest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, ManifestKind::Image);
  EXPECT_EQ(r->media_type, kOciManifest);
  EXPECT_EQ(r->artifact_type, "application/vnd.oci.image.config.v1+json");
  EXPECT_FALSE(r->subject.has_value());
  EXPECT_THAT(r->blob_refs, ElementsAre(dg("config"), dg("layer0"), dg("layer1")));
  EXPECT_THAT(r->manifest_refs, IsEmpty());
  EXPECT_EQ(r->annotations_json,
            R"({"org.opencontainers.image.created":"2024-05-01T10:00:00Z",)"
            R"("org.opencontainers.image.source":"https://example.com/app.git"})");
}

TEST(ParseManifest, OciIndex) {
  auto r = parse_manifest(oci_index(), kOciIndex);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, ManifestKind::Index);
  EXPECT_EQ(r->media_type, kOciIndex);
  EXPECT_EQ(r->artifact_type, "");
  EXPECT_THAT(r->manifest_refs, ElementsAre(dg("amd64"), dg("arm64"), dg("attestation")));
  EXPECT_THAT(r->blob_refs, IsEmpty());
  EXPECT_EQ(r->annotations_json, "{}");
}

TEST(ParseManifest, DockerSchema2Manifest) {
  auto r = parse_manifest(docker_manifest(), kDockerManifest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, ManifestKind::Image);
  EXPECT_EQ(r->media_type, kDockerManifest);
  EXPECT_EQ(r->artifact_type, "application/vnd.docker.container.image.v1+json");
  EXPECT_THAT(r->blob_refs, ElementsAre(dg("docker-config"), dg("d0"), dg("d1")));
}

TEST(ParseManifest, DockerManifestList) {
  auto r = parse_manifest(docker_manifest_list(), kDockerManifestList);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, ManifestKind::Index);
  EXPECT_EQ(r->media_type, kDockerManifestList);
  EXPECT_THAT(r->manifest_refs, ElementsAre(dg("ppc64le"), dg("win")));
  EXPECT_THAT(r->blob_refs, IsEmpty());
}

TEST(ParseManifest, ArtifactWithSubject) {
  auto r = parse_manifest(oci_artifact(), kOciManifest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->artifact_type, "application/vnd.example.sbom.v1+json");
  ASSERT_TRUE(r->subject.has_value());
  EXPECT_EQ(r->subject->media_type, kOciManifest);
  EXPECT_EQ(r->subject->digest, dg("target"));
  EXPECT_EQ(r->subject->size, 1024);
  EXPECT_THAT(r->blob_refs,
              ElementsAre("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", dg("sbom")));
  EXPECT_EQ(r->annotations_json, R"({"org.opencontainers.image.created":"2024-05-01T10:00:00Z"})");
}

TEST(ParseManifest, ArtifactTypeFallsBackToConfigMediaType) {
  auto body = replace(oci_artifact(), R"("artifactType": "application/vnd.example.sbom.v1+json",)", "");
  auto r = parse_manifest(body, kOciManifest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->artifact_type, kOciEmptyJson);
}

TEST(ParseManifest, IndexWithSubjectAndArtifactType) {
  std::string body = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
                     R"("artifactType":"application/vnd.example.bundle",)"
                     R"("manifests":[)" + desc(kOciManifest, dg("m1"), 10) + R"(],)"
                     R"("subject":)" + desc(kOciIndex, dg("parent"), 99) + "}";
  auto r = parse_manifest(body, kOciIndex);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->artifact_type, "application/vnd.example.bundle");
  ASSERT_TRUE(r->subject.has_value());
  EXPECT_EQ(r->subject->media_type, kOciIndex);
  EXPECT_EQ(r->subject->digest, dg("parent"));
  EXPECT_EQ(r->subject->size, 99);
}

TEST(ParseManifest, SubjectMustBeADescriptor) {
  auto body = replace(oci_artifact(), R"("size": 1024)", R"("size": "1024")");
  EXPECT_THAT(expect_invalid(body, kOciManifest).message, HasSubstr("subject.size"));
  body = replace(oci_artifact(), dg("target"), "sha256:nothex");
  EXPECT_THAT(expect_invalid(body, kOciManifest).message, HasSubstr("subject.digest"));
}

TEST(ParseManifest, ArtifactTypeMustBeANonEmptyString) {
  auto body = replace(oci_artifact(), R"("application/vnd.example.sbom.v1+json")", R"("")");
  EXPECT_THAT(expect_invalid(body, kOciManifest).message, HasSubstr("artifactType"));
  body = replace(oci_artifact(), R"("application/vnd.example.sbom.v1+json")", "7");
  EXPECT_THAT(expect_invalid(body, kOciManifest).message, HasSubstr("artifactType"));
}

// --- media type resolution -------------------------------------------------

TEST(ParseManifest, ContentTypeMustMatchBodyMediaType) {
  auto e = expect_invalid(oci_image_manifest(), kDockerManifest);
  EXPECT_THAT(e.message, HasSubstr("does not match Content-Type"));
  expect_invalid(oci_index(), kOciManifest);
  expect_invalid(docker_manifest(), kOciManifest);
  expect_invalid(docker_manifest_list(), kOciIndex);
  expect_invalid(oci_image_manifest(), "text/plain");
}

TEST(ParseManifest, ContentTypeParametersAndCaseAreIgnored) {
  auto r = parse_manifest(oci_image_manifest(), "application/vnd.oci.image.manifest.v1+json; charset=utf-8");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->media_type, kOciManifest);
  r = parse_manifest(oci_image_manifest(), " Application/VND.OCI.image.manifest.v1+json ");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->media_type, kOciManifest);
}

TEST(ParseManifest, GenericContentTypeDefersToBody) {
  for (std::string_view ct : {"", "application/json", "application/octet-stream", "application/json; charset=utf-8"}) {
    auto r = parse_manifest(oci_index(), ct);
    ASSERT_TRUE(r.ok()) << ct << ": " << r.error().message;
    EXPECT_EQ(r->media_type, kOciIndex) << ct;
    EXPECT_EQ(r->kind, ManifestKind::Index) << ct;
  }
}

TEST(ParseManifest, ContentTypeUsedWhenBodyHasNoMediaType) {
  auto body = replace(docker_manifest(), R"("mediaType": "application/vnd.docker.distribution.manifest.v2+json",)", "");
  auto r = parse_manifest(body, kDockerManifest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->media_type, kDockerManifest);
  // Canonical spelling is stored even if the header's case differs.
  r = parse_manifest(body, "APPLICATION/vnd.docker.distribution.manifest.v2+json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->media_type, kDockerManifest);
}

TEST(ParseManifest, InfersOciTypeWhenNothingDeclares) {
  auto image = replace(oci_image_manifest(), R"("mediaType": "application/vnd.oci.image.manifest.v1+json",)", "");
  auto r = parse_manifest(image, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->media_type, kOciManifest);
  EXPECT_EQ(r->kind, ManifestKind::Image);

  auto index = replace(oci_index(), R"("mediaType": "application/vnd.oci.image.index.v1+json",)", "");
  r = parse_manifest(index, "application/json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->media_type, kOciIndex);
  EXPECT_EQ(r->kind, ManifestKind::Index);

  auto e = expect_invalid(R"({"schemaVersion":2,"layers":[]})", "");
  EXPECT_THAT(e.message, HasSubstr("cannot tell"));
}

TEST(ParseManifest, UnknownMediaTypesAreRefused) {
  auto body = replace(oci_image_manifest(), R"("application/vnd.oci.image.manifest.v1+json")",
                      R"("application/vnd.example.manifest.v1+json")");
  EXPECT_THAT(expect_invalid(body, "").message, HasSubstr("unsupported manifest media type"));
  EXPECT_THAT(expect_invalid(body, "application/vnd.example.manifest.v1+json").message,
              HasSubstr("unsupported manifest media type"));
  auto nobody = replace(oci_image_manifest(), R"("mediaType": "application/vnd.oci.image.manifest.v1+json",)", "");
  expect_invalid(nobody, "text/plain");
  // The body must spell its mediaType exactly.
  auto shouting = replace(oci_image_manifest(), R"("application/vnd.oci.image.manifest.v1+json")",
                          R"("application/vnd.OCI.image.manifest.v1+json")");
  expect_invalid(shouting, "");
  expect_invalid(replace(oci_image_manifest(), R"("application/vnd.oci.image.manifest.v1+json")", "2"), "");
}

TEST(ParseManifest, Schema1IsRefusedWithAClearMessage) {
  const std::string schema1 = R"({
   "schemaVersion": 1,
   "name": "library/hello",
   "tag": "latest",
   "architecture": "amd64",
   "fsLayers": [{"blobSum": ")" + dg("s1") + R"("}],
   "history": [{"v1Compatibility": "{}"}],
   "signatures": [{"header": {"alg": "ES256"}, "signature": "abc", "protected": "def"}]
})";
  for (std::string_view ct : {kDockerSchema1Signed, kDockerSchema1, std::string_view(""),
                              std::string_view("application/json")}) {
    auto e = expect_invalid(schema1, ct);
    EXPECT_THAT(e.message, HasSubstr("schema 1 manifests are not supported; push schema 2 or OCI")) << ct;
  }
  // The header alone or the body's mediaType alone is enough.
  EXPECT_THAT(expect_invalid(oci_image_manifest(), kDockerSchema1Signed).message, HasSubstr("schema 1"));
  auto body = replace(docker_manifest(), kDockerManifest, kDockerSchema1);
  EXPECT_THAT(expect_invalid(body, "").message, HasSubstr("schema 1"));
}

TEST(ParseManifest, ErrorMessagesQuoteUntrustedTextSafely) {
  auto e = expect_invalid(oci_image_manifest(), "application/vnd.\xff\x01\n");
  EXPECT_THAT(e.message, HasSubstr("application/vnd.???"));
  // A long mediaType with multi-byte UTF-8 is cut and replaced, never split mid-character.
  std::string long_type = "application/x-" + std::string(300, 'a') + "\xc3\xa9";
  auto body = replace(oci_image_manifest(), kOciManifest, long_type);
  e = expect_invalid(body, "");
  for (char c : e.message) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << e.message;
  EXPECT_LT(e.message.size(), 300u);
}

TEST(ParseManifest, SchemaVersionMustBeTwo) {
  for (std::string_view v : {"3", "0", "-2", "\"2\"", "2.0", "null", "true", "18446744073709551615"}) {
    auto body = replace(oci_image_manifest(), R"("schemaVersion": 2)", std::string(R"("schemaVersion": )") + std::string(v));
    EXPECT_THAT(expect_invalid(body, kOciManifest).message, HasSubstr("schemaVersion")) << v;
  }
  auto body = replace(oci_image_manifest(), R"("schemaVersion": 2,)", "");
  EXPECT_THAT(expect_invalid(body, kOciManifest).message, HasSubstr("schemaVersion"));
}

// --- structure ------------------------------------------------------------

TEST(ParseManifest, AmbiguousDocumentsAreRefused) {
  // CVE-2021-41190: a body that is both a manifest and an index.
  auto body = replace(oci_image_manifest(), R"("layers": [)", R"("manifests": [], "layers": [)");
  EXPECT_THAT(expect_invalid(body, kOciManifest).message, HasSubstr("manifests"));
  auto index = replace(oci_index(), R"("manifests": [)", R"("layers": [], "manifests": [)");
  expect_invalid(index, kOciIndex);
  auto both = R"({"schemaVersion":2,"config":)" + desc("application/vnd.oci.image.config.v1+json", dg("c"), 1) +
              R"(,"manifests":[]})";
  expect_invalid(both, "");
}

TEST(ParseManifest, MissingOrMistypedFields) {
  struct Case {
    std::string body;
    std::string_view ct;
    std::string_view mentions;
  };
  const std::string cfg = dg("config");
  const Case cases[] = {
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]})", kOciManifest,
       "config"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":null})", kOciManifest,
       "config"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":[]})", kOciManifest,
       "config"},
      {replace(oci_image_manifest(), R"("mediaType": "application/vnd.oci.image.config.v1+json",)", ""), kOciManifest,
       "config.mediaType"},
      {replace(oci_image_manifest(), R"("application/vnd.oci.image.config.v1+json")", R"("")"), kOciManifest,
       "config.mediaType"},
      {replace(oci_image_manifest(), R"("digest": ")" + cfg + R"(",)", ""), kOciManifest, "config.digest"},
      {replace(oci_image_manifest(), R"(,
    "size": 1472)", ""),
       kOciManifest, "config.size"},
      {replace(oci_image_manifest(), R"("size": 187)", R"("size": "187")"), kOciManifest, "layers[1].size"},
      {replace(oci_image_manifest(), R"("size": 187)", R"("size": -1)"), kOciManifest, "layers[1].size"},
      {replace(oci_image_manifest(), R"("size": 187)", R"("size": 187.5)"), kOciManifest, "layers[1].size"},
      {replace(oci_image_manifest(), R"("size": 187)", R"("size": 1e3)"), kOciManifest, "layers[1].size"},
      {replace(oci_image_manifest(), R"("size": 187)", R"("size": 9223372036854775808)"), kOciManifest,
       "layers[1].size"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" +
           desc("application/vnd.oci.image.config.v1+json", cfg, 1) + R"(,"layers":{}})",
       kOciManifest, "layers"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" +
           desc("application/vnd.oci.image.config.v1+json", cfg, 1) + R"(,"layers":["x"]})",
       kOciManifest, "layers[0]"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"})", kOciIndex, "manifests"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":{}})", kOciIndex,
       "manifests"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]})", kOciIndex,
       "manifests[0]"},
      {replace(oci_index(), R"("platform": {"architecture": "amd64", "os": "linux"})", R"("platform": "linux/amd64")"),
       kOciIndex, "manifests[0].platform"},
  };
  for (const auto& c : cases) {
    auto e = expect_invalid(c.body, c.ct);
    EXPECT_THAT(e.message, HasSubstr(std::string(c.mentions))) << c.body;
  }
}

TEST(ParseManifest, LargeButValidSizesAreAccepted) {
  auto body = replace(oci_image_manifest(), R"("size": 187)", R"("size": 9223372036854775807)");
  auto r = parse_manifest(body, kOciManifest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  body = replace(oci_image_manifest(), R"("size": 187)", R"("size": 0)");
  EXPECT_TRUE(parse_manifest(body, kOciManifest).ok());
}

TEST(ParseManifest, BadDigestsAreRefused) {
  std::string upper = dg("layer1");
  for (std::size_t i = 7; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  for (std::string bad : {upper, dg("layer1").substr(0, 70), dg("layer1") + "0", dg("layer1").substr(7),
                          std::string("md5:d41d8cd98f00b204e9800998ecf8427e"), std::string("sha256:"),
                          std::string("")}) {
    auto body = replace(oci_image_manifest(), dg("layer1"), bad);
    auto e = expect_invalid(body, kOciManifest);
    EXPECT_THAT(e.message, HasSubstr("layers[1].digest")) << bad;
  }
  auto body = replace(oci_image_manifest(), R"(")" + dg("layer1") + R"(")", "42");
  EXPECT_THAT(expect_invalid(body, kOciManifest).message, HasSubstr("layers[1].digest"));
  body = replace(oci_index(), dg("arm64"), "sha256:abc");
  EXPECT_THAT(expect_invalid(body, kOciIndex).message, HasSubstr("manifests[1].digest"));
}

TEST(ParseManifest, Sha512DigestsAreAccepted) {
  auto d512 = core::Digest::of(core::DigestAlgorithm::Sha512, "layer1").str();
  auto r = parse_manifest(replace(oci_image_manifest(), dg("layer1"), d512), kOciManifest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->blob_refs.back(), d512);
}

TEST(ParseManifest, ForeignLayersWithUrlsAreNotBlobRefs) {
  const std::string urls = R"("urls":["https://mcr.microsoft.com/v2/windows/blobs/x"])";
  std::string body = R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
                     R"("config":)" + desc("application/vnd.docker.container.image.v1+json", dg("wc"), 100) +
                     R"(,"layers":[)" +
                     desc("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", dg("foreign"), 10, urls) +
                     "," + desc("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", dg("foreign-no-urls"), 10) +
                     "," + desc("application/vnd.docker.image.rootfs.diff.tar.gzip", dg("normal-with-urls"), 10, urls) +
                     "," + desc("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", dg("foreign-empty-urls"),
                                10, R"("urls":[])") +
                     "]}";
  auto r = parse_manifest(body, kDockerManifest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_THAT(r->blob_refs, ElementsAre(dg("wc"), dg("foreign-no-urls"), dg("normal-with-urls"),
                                        dg("foreign-empty-urls")));

  std::string oci = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                    R"("config":)" + desc("application/vnd.oci.image.config.v1+json", dg("oc"), 100) +
                    R"(,"layers":[)" +
                    desc("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", dg("nd-gz"), 10, urls) + "," +
                    desc("application/vnd.oci.image.layer.nondistributable.v1.tar", dg("nd"), 10, urls) + "," +
                    desc("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", dg("nd-zst"), 10, urls) +
                    "," + desc("application/vnd.oci.image.layer.v1.tar+gzip", dg("l"), 10) + "]}";
  r = parse_manifest(oci, kOciManifest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_THAT(r->blob_refs, ElementsAre(dg("oc"), dg("l")));
}

TEST(ParseManifest, DescriptorOptionalFieldsAreTypeChecked) {
  const std::string base = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" +
                           desc("application/vnd.oci.image.config.v1+json", dg("c"), 1) + R"(,"layers":[)";
  for (std::string_view extra : {R"("urls":"https://x")", R"("urls":[1])", R"("annotations":{"a":1})",
                                 R"("annotations":[])", R"("data":5)", R"("artifactType":{})"}) {
    auto body = base + desc("application/vnd.oci.image.layer.v1.tar", dg("l"), 1, extra) + "]}";
    EXPECT_THAT(expect_invalid(body, kOciManifest).message, HasSubstr("layers[0]")) << extra;
  }
}

TEST(ParseManifest, BlobRefsAreDeduplicatedInOrder) {
  std::string body = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" +
                     desc("application/vnd.oci.image.config.v1+json", dg("a"), 1) + R"(,"layers":[)" +
                     desc("application/vnd.oci.image.layer.v1.tar", dg("b"), 1) + "," +
                     desc("application/vnd.oci.image.layer.v1.tar", dg("a"), 1) + "," +
                     desc("application/vnd.oci.image.layer.v1.tar", dg("c"), 1) + "," +
                     desc("application/vnd.oci.image.layer.v1.tar", dg("b"), 1) + "]}";
  auto r = parse_manifest(body, kOciManifest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_THAT(r->blob_refs, ElementsAre(dg("a"), dg("b"), dg("c")));
}

TEST(ParseManifest, NullOptionalFieldsReadAsAbsent) {
  std::string body = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" +
                     desc("application/vnd.oci.image.config.v1+json", dg("a"), 1, R"("urls":null,"annotations":null)") +
                     R"(,"layers":null,"subject":null,"annotations":null})";
  auto r = parse_manifest(body, kOciManifest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_THAT(r->blob_refs, ElementsAre(dg("a")));
  EXPECT_FALSE(r->subject.has_value());
  EXPECT_EQ(r->annotations_json, "{}");
  auto idx = parse_manifest(R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":null})",
                            kOciIndex);
  ASSERT_TRUE(idx.ok()) << idx.error().message;
  EXPECT_THAT(idx->manifest_refs, IsEmpty());
}

TEST(ParseManifest, AnnotationsMustBeAnObjectOfStrings) {
  for (std::string_view a : {R"([])", R"("x")", R"({"k":1})", R"({"k":{"n":"v"}})", R"({"k":null})"}) {
    auto body = replace(oci_index(), R"("manifests": [)", "\"annotations\": " + std::string(a) + R"(, "manifests": [)");
    EXPECT_THAT(expect_invalid(body, kOciIndex).message, HasSubstr("annotations")) << a;
  }
  auto body = replace(oci_index(), R"("manifests": [)", R"("annotations": {"b":"2","a":"1 \u00e9 \"q\""}, "manifests": [)");
  auto r = parse_manifest(body, kOciIndex);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->annotations_json, "{\"a\":\"1 \xc3\xa9 \\\"q\\\"\",\"b\":\"2\"}");
}

// --- hostile input ----------------------------------------------------------

TEST(ParseManifest, NotJson) {
  for (std::string body : {std::string(""), std::string("not json"), std::string("[]"), std::string("\"str\""),
                           std::string("2"), std::string("null"), oci_image_manifest() + "x",
                           oci_image_manifest().substr(0, 100), std::string("{\"a\":\"\xff\"}")}) {
    expect_invalid(body, kOciManifest);
  }
}

TEST(ParseManifest, SizeLimit) {
  std::string big(kMaxManifestSize + 1, ' ');
  auto r = parse_manifest(big, kOciManifest);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::ManifestTooLarge);

  std::string padded = oci_image_manifest();
  padded.resize(kMaxManifestSize, ' ');  // trailing whitespace is valid JSON
  r = parse_manifest(padded, kOciManifest);
  EXPECT_TRUE(r.ok()) << r.error().message;
  padded += ' ';
  r = parse_manifest(padded, kOciManifest);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::ManifestTooLarge);
}

TEST(ParseManifest, DeepNestingIsRefusedWithoutCrashing) {
  std::string deep(kMaxManifestSize - 10, '[');
  EXPECT_THAT(expect_invalid(deep, kOciManifest).message, HasSubstr("nested"));
  std::string objects;
  for (int i = 0; i < 200000; ++i) objects += "{\"a\":";
  EXPECT_THAT(expect_invalid(objects, kOciManifest).message, HasSubstr("nested"));

  // 40 levels in an extension field is unusual but allowed.
  std::string nest = std::string(40, '[') + std::string(40, ']');
  auto body = replace(oci_image_manifest(), R"("layers": [)", "\"x-ext\": " + nest + R"(, "layers": [)");
  auto r = parse_manifest(body, kOciManifest);
  EXPECT_TRUE(r.ok()) << r.error().message;
}

TEST(ParseManifest, DuplicateKeysAreRefused) {
  // Two parsers taking different copies of "config" would disagree on what
  // the manifest references.
  auto body = replace(oci_image_manifest(), R"("layers": [)",
                      R"("config": )" + desc("application/vnd.oci.image.config.v1+json", dg("other"), 1) +
                          R"(, "layers": [)");
  EXPECT_THAT(expect_invalid(body, kOciManifest).message, HasSubstr("duplicate key"));
  // Same key at different objects is fine (mediaType appears at many levels).
  EXPECT_TRUE(parse_manifest(oci_image_manifest(), kOciManifest).ok());
}

// The fuzzer's seeds must stay real manifests, or fuzzing starts from noise.
// Byte 0 selects the Content-Type as in fuzz/fuzz_manifest.cpp.
TEST(FuzzSeeds, ManifestSeedsParse) {
  const std::string_view content_types[] = {"", "application/json", kOciManifest, kOciIndex,
                                            kDockerManifest, kDockerManifestList, kDockerSchema1Signed};
  std::filesystem::path dir = std::filesystem::path(PORTCULLIS_SOURCE_DIR) / "fuzz" / "corpus" / "manifest";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string bytes = ss.str();
    ASSERT_FALSE(bytes.empty()) << entry.path();
    ASSERT_LT(static_cast<unsigned char>(bytes[0]), std::size(content_types)) << entry.path();
    auto r = parse_manifest(std::string_view(bytes).substr(1), content_types[static_cast<unsigned char>(bytes[0])]);
    if (entry.path().filename() == "schema1") {
      EXPECT_FALSE(r.ok());
    } else {
      EXPECT_TRUE(r.ok()) << entry.path() << ": " << r.error().message;
    }
    ++seen;
  }
  EXPECT_GE(seen, 8);
}

TEST(IsManifestMediaType, FourTypes) {
  EXPECT_TRUE(is_manifest_media_type(kOciManifest));
  EXPECT_TRUE(is_manifest_media_type(kOciIndex));
  EXPECT_TRUE(is_manifest_media_type(kDockerManifest));
  EXPECT_TRUE(is_manifest_media_type(kDockerManifestList));
  EXPECT_FALSE(is_manifest_media_type(kDockerSchema1));
  EXPECT_FALSE(is_manifest_media_type(kDockerSchema1Signed));
  EXPECT_FALSE(is_manifest_media_type(kOciEmptyJson));
  EXPECT_FALSE(is_manifest_media_type("application/json"));
  EXPECT_FALSE(is_manifest_media_type(""));
}

}  // namespace
}  // namespace portcullis::oci
