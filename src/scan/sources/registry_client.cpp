#include "scan/sources/registry_client.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "core/digest.h"
#include "core/reference.h"
#include "oci/manifest.h"
#include "scan/sources/docker_auth.h"
#include "scan/sources/http_stream.h"

namespace portcullis::scan {

using core::ErrorCode;
using core::make_error;

namespace {

constexpr std::size_t kMaxTokenAnswer = 1024 * 1024;

std::string escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

std::string media_type_of(std::string_view content_type) {
  auto semi = content_type.find(';');
  std::string_view mt = content_type.substr(0, semi);
  while (!mt.empty() && mt.back() == ' ') mt.remove_suffix(1);
  return std::string(mt);
}

// " (CODE: message)" from an OCI error body, or nothing.
std::string registry_error_detail(std::string_view body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return {};
  auto errors = doc.find("errors");
  if (errors == doc.end() || !errors->is_array() || errors->empty() || !(*errors)[0].is_object()) return {};
  const auto& e = (*errors)[0];
  std::string code = e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>() : "";
  std::string msg = e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
  if (code.empty() && msg.empty()) return {};
  return " (" + HttpStream::printable(code, 64) + (msg.empty() ? "" : ": " + HttpStream::printable(msg, 200)) + ")";
}

bool is_header_safe(std::string_view token) {
  for (unsigned char c : token) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return !token.empty();
}

}  // namespace

RegistryClient::RegistryClient(RegistryClientOptions options) : options_(std::move(options)) {
  base_url_ = std::string(options_.plain_http ? "http://" : "https://") + options_.host + "/v2/" + options_.repository;
}

RegistryClient::~RegistryClient() = default;

core::Error RegistryClient::status_error(HttpStream& stream, const std::string& what,
                                         ErrorCode not_found) const {
  long status = stream.status();
  std::string detail = registry_error_detail(stream.error_body());
  std::string where = options_.host + "/" + options_.repository;
  switch (status) {
    case 401:
      return make_error(ErrorCode::Unauthorized,
                        where + ": " + what + ": authentication refused (HTTP 401)" +
                            (options_.credentials ? "" : "; no credentials given (use --creds or an auth file)") + detail);
    case 403:
      return make_error(ErrorCode::Denied, where + ": " + what + ": access denied (HTTP 403)" + detail);
    case 404:
      return make_error(not_found, where + ": " + what + " not found (HTTP 404)" + detail);
    case 429:
      return make_error(ErrorCode::TooManyRequests, where + ": " + what + ": too many requests (HTTP 429)" + detail);
    default:
      return make_error(ErrorCode::Io, where + ": " + what + ": HTTP " + std::to_string(status) + detail);
  }
}

core::Result<void> RegistryClient::authenticate(const std::string& www_authenticate) {
  std::string where = options_.host + "/" + options_.repository;
  auto challenge = parse_challenge(www_authenticate);
  if (!challenge) {
    return make_error(ErrorCode::Unauthorized, where + ": HTTP 401 without a Basic or Bearer challenge");
  }
  std::string basic;
  if (options_.credentials) basic = "Basic " + base64_encode(options_.credentials->username + ":" + options_.credentials->password);
  if (challenge->scheme == "basic") {
    if (basic.empty()) {
      return make_error(ErrorCode::Unauthorized,
                        where + ": the registry requires credentials; none given (use --creds or an auth file)");
    }
    authorization_ = basic;
    return {};
  }
  const std::string& realm = challenge->params["realm"];
  if (realm.rfind("https://", 0) != 0 && realm.rfind("http://", 0) != 0) {
    return make_error(ErrorCode::Unauthorized, where + ": Bearer challenge without an http(s) realm");
  }
  HttpGet t;
  t.url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
  if (auto s = challenge->params.find("service"); s != challenge->params.end()) t.url += "service=" + escape(s->second) + "&";
  t.url += "scope=" + escape("repository:" + options_.repository + ":pull");
  t.authorization = basic;
  t.accept = "application/json";
  t.insecure_tls = options_.insecure_tls;
  t.low_speed_time = options_.low_speed_time;
  t.max_bytes = kMaxTokenAnswer;
  t.what = "token answer";
  auto stream = std::make_unique<HttpStream>(t);
  if (auto started = stream->start(); !started) return started.error();
  std::string realm_shown = HttpStream::without_query(realm);
  if (stream->status() == 401 || stream->status() == 403) {
    return make_error(ErrorCode::Unauthorized, "token server " + realm_shown + " refused " +
                                                   (basic.empty() ? "anonymous access" : "the credentials") + " for " +
                                                   where + " (HTTP " + std::to_string(stream->status()) + ")");
  }
  if (stream->status() != 200) {
    return make_error(ErrorCode::Unauthorized, "token server " + realm_shown + " answered HTTP " + std::to_string(stream->status()));
  }
  auto body = stream->read_all();
  if (!body) return body.error();
  auto doc = nlohmann::json::parse(*body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return make_error(ErrorCode::Unauthorized, "token server " + realm_shown + " answered something other than a JSON object");
  }
  std::string token;
  for (const char* key : {"token", "access_token"}) {
    if (auto it = doc.find(key); it != doc.end() && it->is_string() && !it->get<std::string>().empty()) {
      token = it->get<std::string>();
      break;
    }
  }
  if (token.empty()) return make_error(ErrorCode::Unauthorized, "token server " + realm_shown + " answered without a token");
  if (!is_header_safe(token)) {
    return make_error(ErrorCode::Unauthorized, "token server " + realm_shown + " answered a token with characters a header cannot carry");
  }
  authorization_ = "Bearer " + token;
  return {};
}

core::Result<std::unique_ptr<HttpStream>> RegistryClient::open(HttpGet transfer, ErrorCode not_found) {
  transfer.insecure_tls = options_.insecure_tls;
  transfer.low_speed_time = options_.low_speed_time;
  // A second 401 after authenticating is final (wrong credentials, no access).
  for (int attempt = 0;; ++attempt) {
    transfer.authorization = authorization_;
    auto stream = std::make_unique<HttpStream>(transfer);
    if (auto started = stream->start(); !started) return started.error();
    long status = stream->status();
    if (status == 401 && attempt == 0) {
      if (auto auth = authenticate(stream->header("www-authenticate")); !auth) return auth.error();
      continue;
    }
    if (status < 200 || status > 299) return status_error(*stream, transfer.what, not_found);
    // Refuse early what the body would overflow anyway.
    if (std::string cl = stream->header("content-length"); transfer.max_bytes != 0 && !cl.empty()) {
      char* end = nullptr;
      unsigned long long n = std::strtoull(cl.c_str(), &end, 10);
      if (end && *end == '\0' && n > transfer.max_bytes) {
        return make_error(transfer.overflow_code, options_.host + "/" + options_.repository + ": " + transfer.what +
                                                      " is " + cl + " bytes, more than the limit of " +
                                                      std::to_string(transfer.max_bytes));
      }
    }
    return stream;
  }
}

core::Result<Fetched> RegistryClient::get_manifest(std::string_view reference) {
  std::optional<core::Digest> by_digest;
  if (reference.find(':') != std::string_view::npos) {
    auto d = core::Digest::parse(reference);
    if (!d) return d.error();
    by_digest = *d;
  } else if (!core::is_valid_tag(reference)) {
    return make_error(ErrorCode::InvalidArgument, "invalid tag \"" + HttpStream::printable(reference, 140) + "\"");
  }
  HttpGet t;
  t.url = base_url_ + "/manifests/" + std::string(reference);
  t.accept = std::string(oci::kOciManifest) + ", " + std::string(oci::kOciIndex) + ", " +
             std::string(oci::kDockerManifest) + ", " + std::string(oci::kDockerManifestList);
  t.max_bytes = oci::kMaxManifestSize;
  t.overflow_code = ErrorCode::ManifestTooLarge;
  t.what = "manifest " + std::string(reference);
  auto stream = open(t, ErrorCode::ManifestUnknown);
  if (!stream) return stream.error();
  auto body = (*stream)->read_all();
  if (!body) return body.error();

  std::string where = options_.host + "/" + options_.repository + ": manifest " + std::string(reference);
  std::optional<core::Digest> expected = by_digest;
  std::string header_digest = (*stream)->header("docker-content-digest");
  if (!expected && !header_digest.empty()) {
    auto d = core::Digest::parse(header_digest);
    if (!d) return make_error(ErrorCode::DigestInvalid, where + ": invalid Docker-Content-Digest header");
    expected = *d;
  }
  core::Digest actual = core::Digest::of(expected ? expected->algorithm() : core::DigestAlgorithm::Sha256, *body);
  if (expected && actual != *expected) {
    return make_error(ErrorCode::DigestInvalid, where + ": content has digest " + actual.str() + ", expected " + expected->str());
  }
  // Digests name content: a sha512 manifest still gets its sha256 identity.
  if (actual.algorithm() != core::DigestAlgorithm::Sha256) actual = core::Digest::of(core::DigestAlgorithm::Sha256, *body);
  return Fetched{std::move(body).value(), media_type_of((*stream)->header("content-type")), actual.str()};
}

core::Result<std::string> RegistryClient::get_blob(std::string_view digest, std::uint64_t max_size) {
  auto d = core::Digest::parse(digest);
  if (!d) return d.error();
  HttpGet t;
  t.url = base_url_ + "/blobs/" + d->str();
  t.max_bytes = max_size;
  t.expect_digest = *d;
  t.what = "blob " + d->str();
  auto stream = open(t, ErrorCode::BlobUnknown);
  if (!stream) return stream.error();
  return (*stream)->read_all();
}

core::Result<std::unique_ptr<ByteReader>> RegistryClient::open_blob(std::string_view digest, std::uint64_t size) {
  auto d = core::Digest::parse(digest);
  if (!d) return d.error();
  HttpGet t;
  t.url = base_url_ + "/blobs/" + d->str();
  t.max_bytes = size;
  t.expect_size = size;
  t.expect_digest = *d;
  t.what = "blob " + d->str();
  auto stream = open(t, ErrorCode::BlobUnknown);
  if (!stream) return stream.error();
  return std::unique_ptr<ByteReader>(std::move(stream).value());
}

}  // namespace portcullis::scan
