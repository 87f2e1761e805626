#include "support/temp_dir.h"
#include "auth/authenticator.h"

#include <gtest/gtest.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <sodium.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "auth/passwords.h"

namespace portcullis::auth {
namespace {

namespace fs = std::filesystem;
using core::ErrorCode;

std::string b64(std::string_view s, int variant = sodium_base64_VARIANT_ORIGINAL) {
  std::string out(sodium_base64_ENCODED_LEN(s.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()), s.size(), variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string basic(std::string_view user_colon_pass) { return "Basic " + b64(user_colon_pass); }

// ---------------------------------------------------------------- parsing

TEST(ParseBasic, Valid) {
  auto c = parse_basic("Basic dXNlcjpwYXNz");  // user:pass
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->user, "user");
  EXPECT_EQ((*c)->password, "pass");

  c = parse_basic("  bAsIc   dXNlcjpwYXNz  ");
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->user, "user");

  c = parse_basic(basic("robot$ci:pa:ss:word"));
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->user, "robot$ci");
  EXPECT_EQ((*c)->password, "pa:ss:word") << "split at the first colon";

  c = parse_basic(basic("user:"));
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->password, "");

  c = parse_basic(basic(std::string("u:p\0w\xff", 6)));
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->password, std::string("p\0w\xff", 4));

  c = parse_basic(basic(":"));
  ASSERT_TRUE(c.ok() && c->has_value()) << "empty user and password together: no credentials, not malformed";
  EXPECT_EQ((*c)->user, "");
  EXPECT_EQ((*c)->password, "");

  // Without padding ("user:pa" encodes with one '=').
  std::string unpadded = b64("user:pa", sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  ASSERT_EQ(unpadded.find('='), std::string::npos);
  c = parse_basic("Basic " + unpadded);
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->password, "pa");
}

TEST(ParseBasic, NoOrOtherScheme) {
  for (std::string_view v : {"", "   ", "Bearer abc.def.ghi", "Digest username=\"x\"", "Basically dXNlcjpwYXNz"}) {
    auto c = parse_basic(v);
    ASSERT_TRUE(c.ok()) << v;
    EXPECT_FALSE(c->has_value()) << v;
  }
}

TEST(ParseBasic, MalformedIsUnauthorized) {
  std::vector<std::string> bad = {
      "Basic",
      "Basic    ",
      "Basic !!!!",
      "Basic dXNlcjpwYXNz$",          // trailing garbage
      "Basic dXNl cjpwYXNz",          // space inside
      "Basic " + b64("userpass"),     // no colon
      "Basic " + b64(":pass"),        // empty user
      "Basic " + b64("user:pass", sodium_base64_VARIANT_URLSAFE) + "_-",  // URL-safe alphabet
      "Basic " + std::string(kMaxAuthorizationLength, 'A'),
  };
  for (const auto& v : bad) {
    auto c = parse_basic(v);
    ASSERT_FALSE(c.ok()) << v.substr(0, 60);
    EXPECT_EQ(c.error().code, ErrorCode::Unauthorized) << v.substr(0, 60);
  }
}

// ---------------------------------------------------------------- authenticator

using portcullis::testing::TempDir;

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.path() + "/meta.db";
    auto s = meta::open_sqlite(db_, 4);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    add_user("alice", "wonderland", false, false);
    add_user("root", "toor", true, true);
  }

  std::int64_t add_user(const std::string& name, const std::string& pw, bool admin, bool creator) {
    meta::User u;
    u.name = name;
    u.password_hash = *hash_password(pw);
    u.is_admin = admin;
    u.can_create_projects = creator;
    auto r = store_->create_user(u);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->id : 0;
  }

  Authenticator::Options clocked() {
    Authenticator::Options o;
    o.now = [this] { return now_; };
    return o;
  }

  TempDir dir_;
  std::string db_;
  std::unique_ptr<meta::MetaStore> store_;
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
};

TEST_F(AuthenticatorTest, ValidCredentialsGivePrincipal) {
  Authenticator auth(*store_);
  auto p = auth.authenticate_basic(basic("alice:wonderland"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_TRUE(p->has_value());
  EXPECT_EQ((*p)->name, "alice");
  EXPECT_GT((*p)->user_id, 0);
  EXPECT_FALSE((*p)->is_admin);
  EXPECT_FALSE((*p)->can_create_projects);

  auto r = auth.authenticate_basic(basic("root:toor"));
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_TRUE((*r)->is_admin);
  EXPECT_TRUE((*r)->can_create_projects);
  EXPECT_NE((*r)->user_id, (*p)->user_id);
}

TEST_F(AuthenticatorTest, NoCredentialsIsAnonymous) {
  Authenticator auth(*store_);
  for (std::string v : {std::string(""), std::string("Bearer token"), basic(":")}) {
    auto p = auth.authenticate_basic(v);
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(p->has_value());
  }
  EXPECT_EQ(auth.stats().verifications, 0u);
}

TEST_F(AuthenticatorTest, BadCredentialsAreUnauthorizedAlike) {
  Authenticator auth(*store_);
  auto wrong = auth.authenticate_basic(basic("alice:wrong"));
  auto unknown = auth.authenticate_basic(basic("mallory:wonderland"));
  auto malformed = auth.authenticate_basic("Basic %%%");
  ASSERT_FALSE(wrong.ok());
  ASSERT_FALSE(unknown.ok());
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::Unauthorized);
  EXPECT_EQ(unknown.error().code, ErrorCode::Unauthorized);
  EXPECT_EQ(malformed.error().code, ErrorCode::Unauthorized);
  EXPECT_EQ(wrong.error().message, unknown.error().message) << "no user enumeration through messages";
  EXPECT_EQ(auth.stats().verifications, 2u) << "an unknown user still costs an argon2 run";
}

TEST_F(AuthenticatorTest, SuccessIsCachedFailureIsNot) {
  Authenticator auth(*store_, clocked());
  std::string good = basic("alice:wonderland");
  ASSERT_TRUE(auth.authenticate_basic(good).ok());
  EXPECT_EQ(auth.stats().verifications, 1u);
  for (int i = 0; i < 5; ++i) {
    auto p = auth.authenticate_basic(good);
    ASSERT_TRUE(p.ok() && p->has_value());
    EXPECT_EQ((*p)->name, "alice");
  }
  EXPECT_EQ(auth.stats().verifications, 1u);
  EXPECT_EQ(auth.stats().cache_hits, 5u);
  EXPECT_EQ(auth.stats().cached, 1u);

  std::string bad = basic("alice:nope");
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(auth.authenticate_basic(bad).ok());
  EXPECT_EQ(auth.stats().verifications, 4u);
  EXPECT_EQ(auth.stats().cached, 1u);

  // The key is the exact header: the same credentials written differently
  // are verified on their own (and then cached too).
  ASSERT_TRUE(auth.authenticate_basic("basic " + b64("alice:wonderland")).ok());
  EXPECT_EQ(auth.stats().verifications, 5u);
  EXPECT_EQ(auth.stats().cached, 2u);
}

TEST_F(AuthenticatorTest, CacheExpiresAfterFiveMinutes) {
  Authenticator auth(*store_, clocked());
  std::string good = basic("alice:wonderland");
  ASSERT_TRUE(auth.authenticate_basic(good).ok());
  now_ += std::chrono::seconds(299);
  ASSERT_TRUE(auth.authenticate_basic(good).ok());
  EXPECT_EQ(auth.stats().verifications, 1u);
  now_ += std::chrono::seconds(2);
  ASSERT_TRUE(auth.authenticate_basic(good).ok());
  EXPECT_EQ(auth.stats().verifications, 2u);
}

TEST_F(AuthenticatorTest, PasswordChangeTakesEffectAfterForgetAll) {
  Authenticator auth(*store_, clocked());
  std::string old_header = basic("alice:wonderland");
  ASSERT_TRUE(auth.authenticate_basic(old_header).ok());
  {
    soci::session sql(*soci::factory_sqlite3(), "db=\"" + db_ + "\" timeout=5");
    std::string h = *hash_password("looking-glass");
    sql << "UPDATE users SET password_hash = :h WHERE name = 'alice'", soci::use(h);
  }
  EXPECT_TRUE(auth.authenticate_basic(old_header).ok()) << "cached until forgotten or expired";
  auth.forget_all();
  EXPECT_EQ(auth.stats().cached, 0u);
  auto old_pw = auth.authenticate_basic(old_header);
  ASSERT_FALSE(old_pw.ok());
  EXPECT_EQ(old_pw.error().code, ErrorCode::Unauthorized);
  EXPECT_TRUE(auth.authenticate_basic(basic("alice:looking-glass")).ok());
}

TEST_F(AuthenticatorTest, CacheIsBounded) {
  Authenticator::Options o = clocked();
  o.cache_capacity = 2;
  Authenticator auth(*store_, o);
  add_user("carol", "c", false, false);
  for (const char* h : {"alice:wonderland", "root:toor", "carol:c"}) {
    now_ += std::chrono::seconds(1);
    ASSERT_TRUE(auth.authenticate_basic(basic(h)).ok()) << h;
    EXPECT_LE(auth.stats().cached, 2u);
  }
  EXPECT_EQ(auth.stats().verifications, 3u);
  // The entry closest to expiry (alice, the oldest) made room.
  ASSERT_TRUE(auth.authenticate_basic(basic("carol:c")).ok());
  ASSERT_TRUE(auth.authenticate_basic(basic("root:toor")).ok());
  EXPECT_EQ(auth.stats().verifications, 3u);
  ASSERT_TRUE(auth.authenticate_basic(basic("alice:wonderland")).ok());
  EXPECT_EQ(auth.stats().verifications, 4u);
}

TEST_F(AuthenticatorTest, ConcurrentIdenticalRequestsVerifyOnce) {
  Authenticator auth(*store_);
  std::string good = basic("root:toor");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto p = auth.authenticate_basic(good);
      if (p.ok() && p->has_value() && (*p)->name == "root") ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(auth.stats().verifications, 1u);
}

TEST_F(AuthenticatorTest, DatabaseFailureIsNotUnauthorized) {
  Authenticator auth(*store_);
  {
    soci::session sql(*soci::factory_sqlite3(), "db=\"" + db_ + "\" timeout=5");
    sql << "ALTER TABLE users RENAME TO users_gone";
  }
  auto p = auth.authenticate_basic(basic("alice:wonderland"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::Internal);
}

// ---------------------------------------------------------------- first start

TEST(EnsureAdmin, GeneratesPasswordOnce) {
  TempDir dir;
  auto s = meta::open_sqlite(dir.path() + "/meta.db", 2);
  ASSERT_TRUE(s.ok());
  auto& store = **s;
  auto pw = ensure_admin(store, std::nullopt);
  ASSERT_TRUE(pw.ok()) << pw.error().message;
  ASSERT_EQ(pw->size(), 24u);
  auto admin = store.find_user("admin");
  ASSERT_TRUE(admin.ok() && admin->has_value());
  EXPECT_TRUE((*admin)->is_admin);
  EXPECT_TRUE((*admin)->can_create_projects);
  EXPECT_TRUE(verify_password(*pw, (*admin)->password_hash));

  Authenticator auth(store);
  auto p = auth.authenticate_basic(basic("admin:" + *pw));
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_TRUE(allowed(&**p, Action::CreateProject, nullptr));

  auto again = ensure_admin(store, std::nullopt);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, "");
  auto given = ensure_admin(store, std::string("other"));
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(*given, "");
  EXPECT_EQ(*store.count_users(), 1);
  EXPECT_TRUE(verify_password(*pw, (*store.find_user("admin"))->password_hash)) << "existing admin untouched";
}

TEST(EnsureAdmin, UsesGivenPassword) {
  TempDir dir;
  auto s = meta::open_sqlite(dir.path() + "/meta.db", 2);
  ASSERT_TRUE(s.ok());
  auto& store = **s;
  EXPECT_EQ(ensure_admin(store, std::string("")).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(*store.count_users(), 0);
  auto pw = ensure_admin(store, std::string("s3cret"));
  ASSERT_TRUE(pw.ok());
  EXPECT_EQ(*pw, "");
  auto admin = store.find_user("admin");
  ASSERT_TRUE(admin.ok() && admin->has_value());
  EXPECT_TRUE(verify_password("s3cret", (*admin)->password_hash));
}

TEST(EnsureAdmin, SkipsWhenAnyUserExists) {
  TempDir dir;
  auto s = meta::open_sqlite(dir.path() + "/meta.db", 2);
  ASSERT_TRUE(s.ok());
  meta::User u;
  u.name = "someone";
  u.password_hash = "x";
  ASSERT_TRUE((*s)->create_user(u).ok());
  auto pw = ensure_admin(**s, std::nullopt);
  ASSERT_TRUE(pw.ok());
  EXPECT_EQ(*pw, "");
  EXPECT_FALSE((*s)->find_user("admin")->has_value());
}

}  // namespace
}  // namespace portcullis::auth
