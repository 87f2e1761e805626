// Content digests "algorithm:hex" (OCI image-spec "Digests"). Registered
// algorithms: sha256 (64 hex) and sha512 (128 hex), lower-case hex only.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace portcullis::core {

enum class DigestAlgorithm { Sha256, Sha512 };

std::string_view algorithm_name(DigestAlgorithm a);
std::size_t algorithm_hex_length(DigestAlgorithm a);

class Digest {
 public:
  Digest() = default;
  // Parses "sha256:<64 hex>" or "sha512:<128 hex>". Anything else — unknown
  // algorithm, wrong length, upper-case hex, a grammar-valid but unregistered
  // algorithm — is DIGEST_INVALID (or UNSUPPORTED for a well-formed unknown
  // algorithm).
  static Result<Digest> parse(std::string_view text);
  static Digest of(DigestAlgorithm a, std::string_view bytes);

  DigestAlgorithm algorithm() const { return alg_; }
  const std::string& hex() const { return hex_; }
  std::string str() const;  // "sha256:abcd..."
  bool empty() const { return hex_.empty(); }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest& a, const Digest& b) { return a.str() <=> b.str(); }

 private:
  Digest(DigestAlgorithm a, std::string hex) : alg_(a), hex_(std::move(hex)) {}
  DigestAlgorithm alg_ = DigestAlgorithm::Sha256;
  std::string hex_;
  friend class Hasher;
};

// Incremental hashing with OpenSSL EVP (SHA-NI accelerated where present).
class Hasher {
 public:
  explicit Hasher(DigestAlgorithm a = DigestAlgorithm::Sha256);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Returns the digest of everything fed so far; the hasher may go on.
  Digest digest() const;
  DigestAlgorithm algorithm() const { return alg_; }

 private:
  struct Ctx;
  DigestAlgorithm alg_;
  std::unique_ptr<Ctx> ctx_;
};

std::string to_hex(const unsigned char* data, std::size_t size);

}  // namespace portcullis::core

template <>
struct std::hash<portcullis::core::Digest> {
  std::size_t operator()(const portcullis::core::Digest& d) const noexcept {
    return std::hash<std::string>()(d.hex());
  }
};
