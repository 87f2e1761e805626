#include "auth/passwords.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace portcullis::auth {
namespace {

TEST(Passwords, HashIsArgon2idAndVerifies) {
  auto h = hash_password("correct horse battery staple");
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u) << *h;
  EXPECT_TRUE(verify_password("correct horse battery staple", *h));
  EXPECT_FALSE(verify_password("correct horse battery stapl", *h));
  EXPECT_FALSE(verify_password("Correct horse battery staple", *h));
  EXPECT_FALSE(verify_password("", *h));
}

TEST(Passwords, SaltedSoEqualPasswordsHashDifferently) {
  auto a = hash_password("same");
  auto b = hash_password("same");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(verify_password("same", *a));
  EXPECT_TRUE(verify_password("same", *b));
}

TEST(Passwords, BinaryAndEmptyPasswords) {
  std::string binary("a\0b\xff", 4);
  auto h = hash_password(binary);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(verify_password(binary, *h));
  EXPECT_FALSE(verify_password("a", *h)) << "the NUL does not end the password";
  auto e = hash_password("");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(verify_password("", *e));
  EXPECT_FALSE(verify_password(" ", *e));
}

TEST(Passwords, MalformedHashesNeverVerify) {
  auto h = hash_password("pw");
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(verify_password("pw", ""));
  EXPECT_FALSE(verify_password("pw", "pw"));
  EXPECT_FALSE(verify_password("pw", "$argon2id$garbage"));
  EXPECT_FALSE(verify_password("pw", h->substr(0, h->size() - 2)));
  EXPECT_FALSE(verify_password("pw", *h + std::string(200, 'A')));
  std::string with_nul = *h;
  with_nul[5] = '\0';
  EXPECT_FALSE(verify_password("pw", with_nul));
}

TEST(Passwords, LengthBound) {
  std::string longest(kMaxPasswordLength, 'p');
  auto h = hash_password(longest);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(verify_password(longest, *h));
  auto too_long = hash_password(longest + "p");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, core::ErrorCode::InvalidArgument);
  EXPECT_FALSE(verify_password(longest + "p", *h));
}

TEST(Passwords, GeneratedPasswordsAreUrlSafeAndDistinct) {
  std::set<std::string> seen;
  std::set<char> chars;
  for (int i = 0; i < 500; ++i) {
    std::string p = generate_password();
    ASSERT_EQ(p.size(), 24u) << p;
    for (char c : p) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      ASSERT_TRUE(ok) << p;
      chars.insert(c);
    }
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 500u);
  // 12000 random characters cover nearly all of the 64-symbol alphabet.
  EXPECT_GE(chars.size(), 60u);
}

}  // namespace
}  // namespace portcullis::auth
