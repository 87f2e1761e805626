#include "core/digest.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace portcullis::core {

std::string_view algorithm_name(DigestAlgorithm a) {
  return a == DigestAlgorithm::Sha256 ? "sha256" : "sha512";
}

std::size_t algorithm_hex_length(DigestAlgorithm a) { return a == DigestAlgorithm::Sha256 ? 64 : 128; }

static bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Grammar from the image-spec: algorithm ::= component ([+._-] component)*,
// component ::= [a-z0-9]+, encoded ::= [a-zA-Z0-9=_-]+.
static bool algorithm_grammar_ok(std::string_view a) {
  if (a.empty()) return false;
  bool prev_sep = true;
  for (char c : a) {
    bool sep = c == '+' || c == '.' || c == '_' || c == '-';
    bool comp = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!sep && !comp) return false;
    if (sep && prev_sep) return false;
    prev_sep = sep;
  }
  return !prev_sep;
}

Result<Digest> Digest::parse(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return make_error(ErrorCode::DigestInvalid, "digest has no algorithm: expected algorithm:hex");
  auto alg = text.substr(0, colon);
  auto hex = text.substr(colon + 1);
  DigestAlgorithm a;
  if (alg == "sha256") a = DigestAlgorithm::Sha256;
  else if (alg == "sha512") a = DigestAlgorithm::Sha512;
  else if (algorithm_grammar_ok(alg) && !hex.empty())
    return make_error(ErrorCode::Unsupported, "unsupported digest algorithm");
  else
    return make_error(ErrorCode::DigestInvalid, "invalid digest");
  if (hex.size() != algorithm_hex_length(a) || !is_lower_hex(hex))
    return make_error(ErrorCode::DigestInvalid, "invalid digest: encoded part must be lower-case hex of the algorithm's length");
  return Digest(a, std::string(hex));
}

Digest Digest::of(DigestAlgorithm a, std::string_view bytes) {
  Hasher h(a);
  h.update(bytes);
  return h.digest();
}

std::string Digest::str() const {
  std::string s(algorithm_name(alg_));
  s += ':';
  s += hex_;
  return s;
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  return out;
}

struct Hasher::Ctx {
  EVP_MD_CTX* ctx = nullptr;
  ~Ctx() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(DigestAlgorithm a) : alg_(a), ctx_(std::make_unique<Ctx>()) {
  ctx_->ctx = EVP_MD_CTX_new();
  if (!ctx_->ctx || EVP_DigestInit_ex(ctx_->ctx, a == DigestAlgorithm::Sha256 ? EVP_sha256() : EVP_sha512(), nullptr) != 1)
    throw std::runtime_error("EVP_DigestInit_ex failed");
}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(const void* data, std::size_t size) { EVP_DigestUpdate(ctx_->ctx, data, size); }

Digest Hasher::digest() const {
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  EVP_MD_CTX_copy_ex(copy, ctx_->ctx);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(copy, md, &len);
  EVP_MD_CTX_free(copy);
  return Digest(alg_, to_hex(md, len));
}

}  // namespace portcullis::core
