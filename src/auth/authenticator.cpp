#include "auth/authenticator.h"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <future>
#include <mutex>
#include <unordered_map>

#include "auth/passwords.h"

namespace portcullis::auth {

using core::ErrorCode;
using core::make_error;
using core::Result;

namespace {

constexpr std::string_view kBadCredentials = "invalid username or password";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

core::Error unauthorized(std::string message) { return make_error(ErrorCode::Unauthorized, std::move(message)); }

}  // namespace

Result<std::optional<BasicCredentials>> parse_basic(std::string_view value) {
  value = trim(value);
  if (value.empty()) return std::optional<BasicCredentials>();
  auto space = value.find_first_of(" \t");
  std::string_view scheme = value.substr(0, space);
  if (!iequals(scheme, "basic")) return std::optional<BasicCredentials>();
  if (value.size() > kMaxAuthorizationLength) return unauthorized("authorization header too long");
  if (space == std::string_view::npos) return unauthorized("basic credentials missing");
  std::string_view encoded = trim(value.substr(space));
  if (encoded.empty()) return unauthorized("basic credentials missing");

  if (!sodium_ready()) return make_error(ErrorCode::Internal, "libsodium failed to initialise");
  std::string decoded(encoded.size(), '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  // Padding is optional in practice: accept both forms, nothing else.
  int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), encoded.data(),
                             encoded.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL);
  if (rc != 0 || end != encoded.data() + encoded.size())
    rc = sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), encoded.data(),
                           encoded.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  if (rc != 0 || end != encoded.data() + encoded.size()) return unauthorized("basic credentials are not valid base64");
  decoded.resize(len);
  auto colon = decoded.find(':');
  if (colon == std::string::npos) return unauthorized("basic credentials lack a ':' between user and password");
  if (colon == 0 && decoded.size() > 1) return unauthorized("basic credentials have an empty user name");
  BasicCredentials c{decoded.substr(0, colon), decoded.substr(colon + 1)};
  sodium_memzero(decoded.data(), decoded.size());
  return std::optional<BasicCredentials>(std::move(c));
}

struct Authenticator::Impl {
  using Clock = std::chrono::steady_clock;
  using Outcome = Result<std::optional<Principal>>;

  Impl(meta::MetaStore& s, Options o) : store(s), options(std::move(o)) {
    if (!options.now) options.now = [] { return Clock::now(); };
    if (sodium_ready()) crypto_generichash_keygen(key);
  }

  std::string cache_key(std::string_view header) const {
    unsigned char out[crypto_generichash_BYTES];
    crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(header.data()), header.size(), key,
                       sizeof key);
    return std::string(reinterpret_cast<const char*>(out), sizeof out);
  }

  // A hash to verify against when the user does not exist, so that an
  // unknown name costs as much as a wrong password.
  const std::string& dummy_hash() {
    std::call_once(dummy_once, [this] {
      auto h = hash_password(generate_password());
      if (h) dummy = *h;
    });
    return dummy;
  }

  Outcome verify(const BasicCredentials& c) {
    auto user = store.find_user(c.user);
    if (!user) return user.error();
    ++verifications;
    if (!*user) {
      (void)verify_password(c.password, dummy_hash());
      return unauthorized(std::string(kBadCredentials));
    }
    if (!verify_password(c.password, (*user)->password_hash)) return unauthorized(std::string(kBadCredentials));
    const meta::User& u = **user;
    return std::optional<Principal>(Principal{u.id, u.name, u.is_admin, u.can_create_projects});
  }

  // Called with mu held.
  void remember(const std::string& k, const Principal& p, Clock::time_point now) {
    if (options.cache_capacity == 0) return;
    if (cache.size() >= options.cache_capacity) {
      for (auto it = cache.begin(); it != cache.end();) it = it->second.expires <= now ? cache.erase(it) : std::next(it);
    }
    if (cache.size() >= options.cache_capacity) {
      auto oldest = std::min_element(cache.begin(), cache.end(), [](const auto& a, const auto& b) {
        return a.second.expires < b.second.expires;
      });
      cache.erase(oldest);
    }
    cache[k] = Entry{p, now + options.cache_ttl};
  }

  struct Entry {
    Principal principal;
    Clock::time_point expires;
  };

  meta::MetaStore& store;
  Options options;
  unsigned char key[crypto_generichash_KEYBYTES] = {};
  std::once_flag dummy_once;
  std::string dummy;

  mutable std::mutex mu;
  std::unordered_map<std::string, Entry> cache;
  std::unordered_map<std::string, std::shared_future<Outcome>> inflight;
  std::uint64_t generation = 0;  // bumped by forget_all
  std::atomic<std::uint64_t> verifications{0};
  std::atomic<std::uint64_t> hits{0};
};

Authenticator::Authenticator(meta::MetaStore& store) : Authenticator(store, Options{}) {}
Authenticator::Authenticator(meta::MetaStore& store, Options options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}
Authenticator::~Authenticator() = default;

Result<std::optional<Principal>> Authenticator::authenticate_basic(std::string_view header) {
  auto creds = parse_basic(header);
  if (!creds) return creds.error();
  if (!*creds || ((*creds)->user.empty() && (*creds)->password.empty())) return std::optional<Principal>();

  Impl& im = *impl_;
  std::string key = im.cache_key(header);
  std::promise<Impl::Outcome> promise;
  std::uint64_t generation = 0;
  {
    std::unique_lock lk(im.mu);
    auto now = im.options.now();
    if (auto it = im.cache.find(key); it != im.cache.end()) {
      if (it->second.expires > now) {
        ++im.hits;
        return std::optional<Principal>(it->second.principal);
      }
      im.cache.erase(it);
    }
    if (auto it = im.inflight.find(key); it != im.inflight.end()) {
      auto shared = it->second;
      lk.unlock();
      return shared.get();
    }
    im.inflight.emplace(key, promise.get_future().share());
    generation = im.generation;
  }

  Impl::Outcome outcome = make_error(ErrorCode::Internal, "authentication failed");
  try {
    outcome = im.verify(**creds);
  } catch (const std::exception& e) {
    outcome = make_error(ErrorCode::Internal, std::string("authentication failed: ") + e.what());
  }
  {
    std::lock_guard lk(im.mu);
    // A forget_all() while we verified wins: the outcome is not kept.
    if (outcome.ok() && outcome->has_value() && generation == im.generation)
      im.remember(key, **outcome, im.options.now());
    im.inflight.erase(key);
  }
  promise.set_value(outcome);
  return outcome;
}

void Authenticator::forget_all() {
  std::lock_guard lk(impl_->mu);
  impl_->cache.clear();
  ++impl_->generation;
}

Authenticator::Stats Authenticator::stats() const {
  std::lock_guard lk(impl_->mu);
  return Stats{impl_->verifications.load(), impl_->hits.load(), impl_->cache.size()};
}

Result<std::string> ensure_admin(meta::MetaStore& store, std::optional<std::string> password) {
  auto users = store.count_users();
  if (!users) return users.error();
  if (*users > 0) return std::string();
  if (password && password->empty()) return make_error(ErrorCode::InvalidArgument, "empty admin password");
  bool generated = !password;
  std::string pw = generated ? generate_password() : *password;
  auto hash = hash_password(pw);
  if (!hash) return hash.error();
  meta::User admin;
  admin.name = "admin";
  admin.password_hash = *hash;
  admin.is_admin = true;
  admin.can_create_projects = true;
  auto created = store.create_user(admin);
  if (!created) {
    if (created.error().code == ErrorCode::Conflict) return std::string();
    return created.error();
  }
  return generated ? pw : std::string();
}

}  // namespace portcullis::auth
