// Authenticates requests. Today: HTTP Basic credentials checked against the
// users table. Token (Bearer) authentication and robot accounts come later
// as more methods producing the same Principal; `allowed` (permissions.h)
// then decides what the principal may do.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/permissions.h"
#include "core/result.h"
#include "meta/meta_store.h"

namespace portcullis::auth {

struct BasicCredentials {
  std::string user;
  std::string password;
};

// Longest Authorization header value looked at; longer ones are refused.
inline constexpr std::size_t kMaxAuthorizationLength = 4096;

// Parses an Authorization header value `Basic base64(user:password)` (scheme
// case-insensitive, surrounding spaces ignored, the password may contain ':').
//   nullopt       the value is empty or uses another scheme
//   credentials   both parts may be empty together (`base64(":")`, which
//                 containers/image sends when it has no credentials)
//   Unauthorized  a Basic value that is malformed: bad base64, no ':', an
//                 empty user name with a password, or over
//                 kMaxAuthorizationLength
core::Result<std::optional<BasicCredentials>> parse_basic(std::string_view authorization_header_value);

class Authenticator {
 public:
  struct Options {
    // How long a successful verification is reused without running argon2
    // again. A password change or a removed user takes effect after at most
    // this long, or at once after forget_all().
    std::chrono::seconds cache_ttl{300};
    std::size_t cache_capacity = 1024;  // entries; the soonest to expire goes first
    // Clock for the cache (tests move it); steady_clock::now when empty.
    std::function<std::chrono::steady_clock::time_point()> now;
  };

  explicit Authenticator(meta::MetaStore& store);
  Authenticator(meta::MetaStore& store, Options options);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // Thread-safe.
  //   nullopt       no credentials (empty header, a scheme other than Basic,
  //                 or Basic with an empty user and an empty password)
  //   Principal     valid credentials
  //   Unauthorized  malformed Basic credentials, unknown user or wrong password
  //   other errors  the user lookup failed (e.g. Internal from the database)
  // Successful verifications are cached under a keyed hash (BLAKE2b with a
  // per-process random key) of the exact header value, never the password
  // itself; failures are not cached. Identical requests arriving while one
  // verification runs wait for it instead of running argon2 again. An
  // unknown user costs the same argon2 run as a wrong password.
  core::Result<std::optional<Principal>> authenticate_basic(std::string_view authorization_header_value);

  // Drops every cached verification.
  void forget_all();

  struct Stats {
    std::uint64_t verifications = 0;  // argon2 runs
    std::uint64_t cache_hits = 0;
    std::size_t cached = 0;           // entries held now
  };
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// First start: when the users table is empty, creates `admin` (administrator,
// may create projects) with `password`, or with a generated password if none
// is given. Returns the generated password so the caller can show it once;
// an empty string if a password was given or any user exists already (also
// when another process created the first user concurrently). InvalidArgument
// for an empty given password.
core::Result<std::string> ensure_admin(meta::MetaStore& store, std::optional<std::string> password);

}  // namespace portcullis::auth
