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
};

// Parses with the distribution/reference grammar and normalises Docker Hub
// names (`nginx` -> `docker.io/library/nginx`). NameInvalid on failure.
Result<ImageReference> parse_image_reference(std::string_view text);

}  // namespace portcullis::core
