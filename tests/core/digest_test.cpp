#include "core/digest.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <unordered_set>

namespace portcullis::core {
namespace {

constexpr std::string_view kEmpty256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kAbc256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr std::string_view kAbc512 =
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
constexpr std::string_view kEmpty512 =
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";

std::string sha256(std::string_view hex) { return "sha256:" + std::string(hex); }

TEST(DigestParse, AcceptsSha256) {
  auto d = Digest::parse(sha256(kAbc256));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->algorithm(), DigestAlgorithm::Sha256);
  EXPECT_EQ(d->hex(), kAbc256);
  EXPECT_EQ(d->str(), sha256(kAbc256));
  EXPECT_FALSE(d->empty());
}

TEST(DigestParse, AcceptsSha512) {
  auto d = Digest::parse("sha512:" + std::string(kAbc512));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->algorithm(), DigestAlgorithm::Sha512);
  EXPECT_EQ(d->hex().size(), 128u);
  EXPECT_EQ(d->str(), "sha512:" + std::string(kAbc512));
}

TEST(DigestParse, RejectsMalformed) {
  std::string upper(kAbc256);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string cases[] = {
      "",
      ":",
      "sha256",
      "sha256:",
      std::string(kAbc256),                          // no algorithm
      sha256(kAbc256.substr(1)),                     // 63 hex
      sha256(std::string(kAbc256) + "0"),            // 65 hex
      sha256(upper),                                 // upper-case hex
      sha256("g" + std::string(kAbc256.substr(1))),  // not hex
      sha256(kAbc256) + "\n",
      " " + sha256(kAbc256),
      "sha512:" + std::string(kAbc256),  // sha256 length under sha512
      "sha256:" + std::string(kAbc512),  // sha512 length under sha256
      "SHA256:" + std::string(kAbc256),  // algorithm grammar is lower-case
      "sha256::" + std::string(kAbc256),
      "-sha256:" + std::string(kAbc256),
  };
  for (const auto& c : cases) {
    auto d = Digest::parse(c);
    EXPECT_FALSE(d.ok()) << "accepted: " << c;
    if (!d.ok()) {
      EXPECT_EQ(d.error().code, ErrorCode::DigestInvalid) << c;
    }
  }
}

TEST(DigestParse, UnknownWellFormedAlgorithmIsUnsupported) {
  for (std::string c : {"sha384:" + std::string(96, 'a'), "blake3:" + std::string(kAbc256),
                        std::string("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564")}) {
    auto d = Digest::parse(c);
    ASSERT_FALSE(d.ok()) << c;
    EXPECT_EQ(d.error().code, ErrorCode::Unsupported) << c;
  }
}

TEST(DigestOf, KnownVectors) {
  EXPECT_EQ(Digest::of(DigestAlgorithm::Sha256, "").hex(), kEmpty256);
  EXPECT_EQ(Digest::of(DigestAlgorithm::Sha256, "abc").hex(), kAbc256);
  EXPECT_EQ(Digest::of(DigestAlgorithm::Sha256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex(),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Digest::of(DigestAlgorithm::Sha256, std::string(1000000, 'a')).hex(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(Digest::of(DigestAlgorithm::Sha512, "").hex(), kEmpty512);
  EXPECT_EQ(Digest::of(DigestAlgorithm::Sha512, "abc").hex(), kAbc512);
  EXPECT_EQ(Digest::of(DigestAlgorithm::Sha512, "abc").str(), "sha512:" + std::string(kAbc512));
}

TEST(DigestOf, ResultParsesBack) {
  for (auto a : {DigestAlgorithm::Sha256, DigestAlgorithm::Sha512}) {
    auto d = Digest::of(a, "portcullis");
    auto p = Digest::parse(d.str());
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, d);
  }
}

TEST(Hasher, IncrementalEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>((i * 131) & 0xff);
  for (auto a : {DigestAlgorithm::Sha256, DigestAlgorithm::Sha512}) {
    for (std::size_t chunk : {1u, 7u, 64u, 4095u, 65536u}) {
      Hasher h(a);
      for (std::size_t off = 0; off < data.size(); off += chunk)
        h.update(std::string_view(data).substr(off, chunk));
      EXPECT_EQ(h.digest(), Digest::of(a, data)) << "chunk " << chunk;
    }
  }
}

TEST(Hasher, DigestMidStreamDoesNotDisturbState) {
  Hasher h;
  h.update("ab");
  EXPECT_EQ(h.digest(), Digest::of(DigestAlgorithm::Sha256, "ab"));
  h.update("c");
  EXPECT_EQ(h.digest().hex(), kAbc256);
  EXPECT_EQ(h.digest().hex(), kAbc256);  // asking twice changes nothing
}

TEST(Hasher, MoveKeepsState) {
  Hasher h(DigestAlgorithm::Sha512);
  h.update("a");
  Hasher moved(std::move(h));
  moved.update("bc");
  EXPECT_EQ(moved.algorithm(), DigestAlgorithm::Sha512);
  EXPECT_EQ(moved.digest().hex(), kAbc512);
}

TEST(Digest, ComparisonAndHash) {
  auto a = Digest::of(DigestAlgorithm::Sha256, "a");
  auto b = Digest::of(DigestAlgorithm::Sha256, "b");
  EXPECT_NE(a, b);
  EXPECT_EQ(a, Digest::of(DigestAlgorithm::Sha256, "a"));
  EXPECT_EQ(a < b, a.str() < b.str());
  std::unordered_set<Digest> set{a, b, a};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(Digest().empty());
}

TEST(Digest, AlgorithmNamesAndLengths) {
  EXPECT_EQ(algorithm_name(DigestAlgorithm::Sha256), "sha256");
  EXPECT_EQ(algorithm_name(DigestAlgorithm::Sha512), "sha512");
  EXPECT_EQ(algorithm_hex_length(DigestAlgorithm::Sha256), 64u);
  EXPECT_EQ(algorithm_hex_length(DigestAlgorithm::Sha512), 128u);
}

TEST(ToHex, LowerCaseTwoDigitsPerByte) {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(to_hex(bytes, sizeof bytes), "000fa0ff");
  EXPECT_EQ(to_hex(bytes, 0), "");
}

}  // namespace
}  // namespace portcullis::core
