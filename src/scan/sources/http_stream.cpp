#include "scan/sources/http_stream.h"

#include <cctype>
#include <cstring>
#include <mutex>

#include "core/text.h"

namespace portcullis::scan {
namespace {

using core::ErrorCode;
using core::make_error;

constexpr std::size_t kMaxErrorBody = 16 * 1024;
constexpr std::size_t kMaxHeaderValue = 16 * 1024;
// Unread bytes held before the transfer pauses.
constexpr std::size_t kStreamBuffer = 1024 * 1024;

}  // namespace

std::string HttpStream::without_query(std::string_view url) { return std::string(url.substr(0, url.find('?'))); }

std::string HttpStream::printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out.push_back(std::isprint(static_cast<unsigned char>(c)) ? c : '?');
  if (s.size() > max) out += "...";
  return out;
}

HttpStream::HttpStream(HttpGet request) : t_(std::move(request)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (t_.expect_digest) hasher_.emplace(t_.expect_digest->algorithm());
}

HttpStream::~HttpStream() {
  if (multi_ && easy_) curl_multi_remove_handle(multi_, easy_);
  if (easy_) curl_easy_cleanup(easy_);
  if (multi_) curl_multi_cleanup(multi_);
  if (headers_list_) curl_slist_free_all(headers_list_);
}

core::Result<void> HttpStream::start() {
  multi_ = curl_multi_init();
  easy_ = curl_easy_init();
  if (!multi_ || !easy_) return make_error(ErrorCode::Internal, "curl initialisation failed");
  if (!t_.accept.empty()) headers_list_ = curl_slist_append(headers_list_, ("Accept: " + t_.accept).c_str());
  // As a header, not CURLOPT_USERPWD: libcurl drops custom Authorization
  // headers on a redirect to another host too, which presigned S3 URLs need.
  if (!t_.authorization.empty()) {
    headers_list_ = curl_slist_append(headers_list_, ("Authorization: " + t_.authorization).c_str());
  }
  curl_easy_setopt(easy_, CURLOPT_URL, t_.url.c_str());
  curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_list_);
  curl_easy_setopt(easy_, CURLOPT_USERAGENT, "portcullis");
  curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy_, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy_, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_TIME, t_.low_speed_time);
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, errbuf_);
  if (t_.insecure_tls) {
    curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &HttpStream::on_header);
  curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &HttpStream::on_write);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  if (curl_multi_add_handle(multi_, easy_) != CURLM_OK) return make_error(ErrorCode::Internal, "curl_multi_add_handle failed");
  while (!final_headers_ && !done_ && received_ == 0 && !paused_) pump();
  if (status_ == 0 || (done_ && result_ != CURLE_OK && !final_headers_)) return transfer_error();
  return {};
}

std::string HttpStream::header(const std::string& name) const {
  auto it = headers_.find(name);
  return it == headers_.end() ? std::string() : it->second;
}

core::Result<std::size_t> HttpStream::read(char* buffer, std::size_t size) {
  while (true) {
    if (offset_ < pending_.size()) {
      std::size_t n = std::min(size, pending_.size() - offset_);
      std::memcpy(buffer, pending_.data() + offset_, n);
      offset_ += n;
      if (offset_ == pending_.size()) {
        pending_.clear();
        offset_ = 0;
      }
      return n;
    }
    if (eof_) return std::size_t{0};
    if (paused_) {
      paused_ = false;
      curl_easy_pause(easy_, CURLPAUSE_CONT);  // may deliver the held chunk right here
      continue;
    }
    if (done_) {
      if (auto finished = finish(); !finished) return finished.error();
      eof_ = true;
      continue;
    }
    pump();
  }
}

core::Result<std::string> HttpStream::read_all() {
  std::string out;
  char buf[64 * 1024];
  while (true) {
    auto n = read(buf, sizeof buf);
    if (!n) return n.error();
    if (*n == 0) return out;
    out.append(buf, *n);
  }
}

std::string HttpStream::error_body() {
  std::string out;
  char buf[4096];
  while (out.size() < kMaxErrorBody) {
    auto n = read(buf, sizeof buf);
    if (!n || *n == 0) break;
    out.append(buf, *n);
  }
  return out;
}

// One step of the transfer; waits (at most 1 s) for the socket when the step
// produced nothing for the reader.
void HttpStream::pump() {
  int running = 0;
  if (curl_multi_perform(multi_, &running) != CURLM_OK) {
    done_ = true;
    result_ = CURLE_FAILED_INIT;
    return;
  }
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg == CURLMSG_DONE) {
      done_ = true;
      result_ = msg->data.result;
    }
  }
  if (!done_ && pending_.size() == offset_ && !paused_) curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
}

core::Error HttpStream::transfer_error() const {
  std::string detail = errbuf_[0] ? std::string(errbuf_) : std::string(curl_easy_strerror(result_));
  return make_error(ErrorCode::Io, "GET " + without_query(t_.url) + ": " + printable(detail, 300));
}

core::Result<void> HttpStream::finish() {
  std::string from = t_.what + " from " + without_query(t_.url);
  if (overflow_) return make_error(t_.overflow_code, from + " is larger than " + std::to_string(t_.max_bytes) + " bytes");
  if (result_ != CURLE_OK) return transfer_error();
  if (t_.expect_size != 0 && received_ != t_.expect_size) {
    return make_error(ErrorCode::Io, from + " ended after " + std::to_string(received_) + " of " +
                                         std::to_string(t_.expect_size) + " bytes");
  }
  if (hasher_) {
    auto got = hasher_->digest();
    if (got != *t_.expect_digest) return make_error(ErrorCode::DigestInvalid, from + ": content has digest " + got.str());
  }
  return {};
}

std::size_t HttpStream::on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* self = static_cast<HttpStream*>(user);
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.substr(0, 5) == "HTTP/") {
    // A new response (after a redirect or 100 Continue) replaces the last.
    self->headers_.clear();
    self->final_headers_ = false;
    auto sp = line.find(' ');
    self->status_ = sp == std::string_view::npos ? 0 : std::atol(std::string(line.substr(sp + 1, 3)).c_str());
    return size * count;
  }
  if (line.empty()) {
    bool redirect = self->status_ >= 300 && self->status_ < 400 && self->headers_.count("location");
    if (self->status_ >= 200 && !redirect) self->final_headers_ = true;
    return size * count;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name = core::ascii_lower(line.substr(0, colon));
  if (name != "content-type" && name != "content-length" && name != "docker-content-digest" &&
      name != "www-authenticate" && name != "location") {
    return size * count;
  }
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  std::string& slot = self->headers_[name];
  if (!slot.empty()) slot += ", ";  // repeated WWW-Authenticate: one list of challenges
  slot.append(value.substr(0, kMaxHeaderValue));
  if (slot.size() > kMaxHeaderValue) slot.resize(kMaxHeaderValue);
  return size * count;
}

std::size_t HttpStream::on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto* self = static_cast<HttpStream*>(user);
  std::size_t n = size * count;
  if (self->t_.max_bytes != 0 && self->received_ + n > self->t_.max_bytes) {
    self->overflow_ = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  if (self->pending_.size() - self->offset_ >= kStreamBuffer) {
    self->paused_ = true;
    return CURL_WRITEFUNC_PAUSE;  // curl keeps this chunk and offers it again on unpause
  }
  if (self->offset_ > 0 && self->offset_ * 2 >= self->pending_.size()) {
    self->pending_.erase(0, self->offset_);  // amortised: at most half the buffer moves
    self->offset_ = 0;
  }
  self->pending_.append(data, n);
  self->received_ += n;
  if (self->hasher_) self->hasher_->update(data, n);
  return n;
}

}  // namespace portcullis::scan
