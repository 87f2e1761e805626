#include "auth/passwords.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace portcullis::auth {

using core::ErrorCode;
using core::make_error;

bool sodium_ready() {
  // sodium_init is itself idempotent and thread-safe; the static only saves
  // the call on every request.
  static const bool ok = sodium_init() >= 0;
  return ok;
}

// argon2id with OWASP's recommended minimum (19 MiB, 2 passes): every
// verification of a new credential costs this memory on a request thread, so
// the interactive preset's 64 MiB would dominate the server's footprint.
constexpr unsigned long long kOpsLimit = 2;
constexpr std::size_t kMemLimit = 19u << 20;

core::Result<std::string> hash_password(std::string_view password) {
  if (!sodium_ready()) return make_error(ErrorCode::Internal, "libsodium failed to initialise");
  if (password.size() > kMaxPasswordLength) return make_error(ErrorCode::InvalidArgument, "password too long");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return make_error(ErrorCode::Internal, "password hashing failed (out of memory?)");
  return std::string(out);
}

bool verify_password(std::string_view password, const std::string& hash) {
  if (!sodium_ready()) return false;
  if (password.size() > kMaxPasswordLength) return false;
  // libsodium reads a NUL-terminated string of bounded length.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES || hash.find('\0') != std::string::npos) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string generate_password() {
  if (!sodium_ready()) {
    std::fputs("portcullis: libsodium failed to initialise: no system randomness\n", stderr);
    std::abort();
  }
  unsigned char bytes[18];
  randombytes_buf(bytes, sizeof bytes);
  char out[sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof out, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(bytes, sizeof bytes);
  return std::string(out);
}

}  // namespace portcullis::auth
