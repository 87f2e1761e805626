// Registry credentials for the docker:// source: the command line's
// "user:password" first, else the auth files docker and podman write.
//
// Files searched, first match wins (unless SourceOptions.auth_file names one
// file, which is then the only one read):
//   $DOCKER_CONFIG/config.json, else ~/.docker/config.json
//   $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json
// A missing file is skipped; an unreadable or malformed one is an error (a
// silently ignored typo would turn into a confusing 401 later).
//
// An "auths" entry holds either "auth" (base64 of "user:password") or
// "username" + "password". Keys match the registry with or without a scheme
// and a trailing "/v1/" or "/v2/" ("https://index.docker.io/v1/" is Docker
// Hub's key, and Hub also answers to "docker.io", "index.docker.io",
// "registry-1.docker.io"). podman's "host/namespace" keys match repositories
// under that path; the longest matching key wins. Credential helpers
// (credsStore, credHelpers) are not run.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "scan/image_source.h"

namespace portcullis::scan {

// `registry` is the reference's registry ("docker.io", "127.0.0.1:5000"),
// `repository` its path ("library/nginx"). nullopt when none is configured.
core::Result<std::optional<Credentials>> find_credentials(std::string_view registry, std::string_view repository,
                                                          const SourceOptions& options);

// "user:password" (the password may contain ':'); InvalidArgument otherwise.
core::Result<Credentials> parse_creds(std::string_view text);

// The registry named by an auth file key, in the form find_credentials
// compares: scheme and "/v1/"-like suffix dropped, lower-cased host, Hub's
// aliases folded to "docker.io".
std::string normalize_auth_key(std::string_view key);

// One challenge of a WWW-Authenticate header (RFC 7235):
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io"
// scheme lower-cased; parameter names lower-cased, values unquoted. When the
// header holds several challenges, the first Bearer or Basic one is taken.
// nullopt when none is found or the header does not parse.
struct AuthChallenge {
  std::string scheme;  // "bearer" or "basic"
  std::map<std::string, std::string> params;
};
std::optional<AuthChallenge> parse_challenge(std::string_view header);

// RFC 4648 base64 (padding optional); nullopt on bad input.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

}  // namespace portcullis::scan
