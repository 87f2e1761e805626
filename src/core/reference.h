// Repository names, tags and image references, after the OCI Distribution
// specification's grammar and distribution/reference.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace portcullis::core {

// Longest repository name accepted (distribution's limit).
inline constexpr std::size_t kMaxRepositoryNameLength = 255;

// <name>: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*
// and at most kMaxRepositoryNameLength characters.
bool is_valid_repository_name(std::string_view name);
// <reference> as a tag: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
bool is_valid_tag(std::string_view tag);

// The project a repository belongs to: its first path component, or
// "library" for a one-component name.
std::string project_of(std::string_view repository_name);

// A full image reference as written in a pod spec or on a command line:
// [host[:port]/]path[:tag][@digest].
struct ImageReference {
  std::string registry;    // "docker.io" when none was given; lower-cased
  std::string repository;  // "library/nginx" for Docker Hub's short names
  std::string tag;         // empty if none
  std::string digest;      // empty if none
  std::string str() const; // normalised form

  friend bool operator==(const ImageReference&, const ImageReference&) = default;
};

// Parses with the distribution/reference grammar and normalises Docker Hub
// names (`nginx` -> `docker.io/library/nginx`). NameInvalid on failure.
// The first component is the registry when it is `localhost`, contains `.`
// or `:`; `index.docker.io` becomes `docker.io`. Stricter than
// distribution/reference in three places: the digest must be sha256/sha512
// (core::Digest); a would-be host that does not fit the host grammar is an
// error rather than part of the path; an upper-case first component without
// `.`/`:` other than `localhost` (distribution takes it as a host) is refused,
// since its lower-cased form would name a Docker Hub namespace.
// Round-trips: parse_image_reference(r.str()) yields r again.
Result<ImageReference> parse_image_reference(std::string_view text);

}  // namespace portcullis::core
