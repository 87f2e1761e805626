// libFuzzer target for the name, tag, digest and image-reference parsers.
// Besides "no crash", it checks the hand-written matchers against the
// specification's regular expressions (std::regex, fine here, too slow for
// the request path) and the round-trip promises of core/reference.h.
#include <cstddef>
#include <cstdint>
#include <regex>
#include <string>
#include <string_view>

#include "core/digest.h"
#include "core/reference.h"
#include "fuzz_check.h"

namespace {

using namespace portcullis;

// OCI Distribution spec 1.1, "Pulling manifests".
const std::regex& name_regex() {
  static const std::regex re(
      R"([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*)");
  return re;
}
const std::regex& tag_regex() {
  static const std::regex re(R"([a-zA-Z0-9_][a-zA-Z0-9._-]{0,127})");
  return re;
}
const std::regex& digest_regex() {
  static const std::regex re(R"(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})");
  return re;
}

bool has_upper(std::string_view s) {
  for (char c : s)
    if (c >= 'A' && c <= 'Z') return true;
  return false;
}

void check_reference(const core::ImageReference& r) {
  FUZZ_CHECK(!r.registry.empty());
  FUZZ_CHECK(!has_upper(r.registry));
  FUZZ_CHECK(r.registry != "index.docker.io");
  FUZZ_CHECK(core::is_valid_repository_name(r.repository));
  FUZZ_CHECK(r.registry.size() + 1 + r.repository.size() <= core::kMaxRepositoryNameLength);
  if (r.registry == "docker.io") FUZZ_CHECK(r.repository.find('/') != std::string::npos);
  FUZZ_CHECK(r.tag.empty() || core::is_valid_tag(r.tag));
  FUZZ_CHECK(r.digest.empty() || core::Digest::parse(r.digest).ok());
  // The normalised form parses back to the same reference.
  auto again = core::parse_image_reference(r.str());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);

  // Names, tags and digests agree with the grammar. The regex engine recurses,
  // so only inputs of sane length go to it (longer ones fail on length anyway).
  bool name_ok = core::is_valid_repository_name(s);
  bool tag_ok = core::is_valid_tag(s);
  auto digest = core::Digest::parse(s);
  if (size <= 300) {
    std::string str(s);
    FUZZ_CHECK(name_ok == (size <= core::kMaxRepositoryNameLength && std::regex_match(str, name_regex())));
    FUZZ_CHECK(tag_ok == std::regex_match(str, tag_regex()));
    FUZZ_CHECK(digest.ok() == std::regex_match(str, digest_regex()));
  } else {
    FUZZ_CHECK(!name_ok && !tag_ok && !digest.ok());
  }
  if (digest.ok()) FUZZ_CHECK(digest->str() == s);

  auto ref = core::parse_image_reference(s);
  if (ref.ok()) {
    check_reference(*ref);
  } else {
    FUZZ_CHECK(ref.error().code == core::ErrorCode::NameInvalid);
    for (char c : ref.error().message) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
  }

  if (name_ok) {
    // A valid repository name stays valid, and unchanged, inside a reference.
    std::string project = core::project_of(s);
    FUZZ_CHECK(core::is_valid_repository_name(project));
    FUZZ_CHECK(s.find('/') == std::string_view::npos ? project == "library" : s.starts_with(project + "/"));
    if (s.size() + 12 <= core::kMaxRepositoryNameLength) {
      auto r = core::parse_image_reference("example.com/" + std::string(s));
      FUZZ_CHECK(r.ok());
      FUZZ_CHECK(r->registry == "example.com" && r->repository == s && r->tag.empty() && r->digest.empty());
    }
    if (s.size() + 15 <= core::kMaxRepositoryNameLength) {
      auto r = core::parse_image_reference("localhost:5000/" + std::string(s) + ":latest");
      FUZZ_CHECK(r.ok());
      FUZZ_CHECK(r->registry == "localhost:5000" && r->repository == s && r->tag == "latest");
    }
    // Without a host, it is a Docker Hub name unless its first component
    // looks like a host, or the whole is 64 hex digits (an image ID, refused
    // as distribution/reference does).
    std::string_view first = s.substr(0, s.find('/'));
    bool first_is_host = s.find('/') != std::string_view::npos &&
                         (first == "localhost" || first.find('.') != std::string_view::npos);
    bool image_id = s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
    if (image_id) FUZZ_CHECK(!ref.ok());
    if (!first_is_host && !image_id && s.size() + 18 <= core::kMaxRepositoryNameLength) {
      auto r = core::parse_image_reference(s);
      FUZZ_CHECK(r.ok());
      FUZZ_CHECK(r->registry == "docker.io");
      FUZZ_CHECK(r->repository == (s.find('/') == std::string_view::npos ? "library/" + std::string(s) : std::string(s)));
    }
  }
  if (tag_ok) {
    auto r = core::parse_image_reference("example.com/a:" + std::string(s));
    FUZZ_CHECK(r.ok());
    FUZZ_CHECK(r->tag == s);
  }
  if (digest.ok()) {
    auto r = core::parse_image_reference("a@" + std::string(s));
    FUZZ_CHECK(r.ok());
    FUZZ_CHECK(r->digest == s && r->repository == "library/a");
  }
  return 0;
}
