// Password hashing and generation with libsodium.
//
// Hashes are argon2id strings from crypto_pwhash_str_alg with libsodium's
// "interactive" limits ("$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>"): the
// string carries its own salt and parameters, so stronger limits later still
// verify old hashes. Verification is deliberately slow (tens of ms, 64 MiB);
// callers that verify on every request cache the outcome (see Authenticator).
#pragma once
#include <string>
#include <string_view>

#include "core/result.h"

namespace portcullis::auth {

// Initialises libsodium once per process (thread-safe). False only if the
// system offers no randomness; every function below calls it.
bool sodium_ready();

// Internal if libsodium is unusable or out of memory; InvalidArgument for a
// password longer than kMaxPasswordLength.
core::Result<std::string> hash_password(std::string_view password);

// True iff `password` matches `hash`. False for a malformed hash. The
// comparison inside libsodium is constant-time.
bool verify_password(std::string_view password, const std::string& hash);

// A fresh random password: 24 characters of URL-safe base64 (A-Z a-z 0-9 - _)
// carrying 144 random bits from randombytes_buf. Aborts the process if the
// system has no randomness (as libsodium itself does).
std::string generate_password();

// Longest password accepted for hashing and verification.
inline constexpr std::size_t kMaxPasswordLength = 1024;

}  // namespace portcullis::auth
