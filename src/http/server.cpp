#include "http/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <limits>
#include <list>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

namespace portcullis::http {

namespace {

using tcp = asio::ip::tcp;
using core::ErrorCode;
using core::Result;
using core::make_error;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
// Boost 1.74 has no as_tuple: errors come back through redirect_error.
inline auto with(boost::system::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

constexpr std::size_t kChunkSize = 1 << 20;
// Unread request bodies up to this size are read and thrown away so the
// connection can be kept; larger ones close it.
constexpr std::uint64_t kDrainLimit = 256 * 1024;
constexpr std::size_t kHeaderLimit = 64 * 1024;

template <class Stream>
beast::tcp_stream& tcp_layer(Stream& s) {
  if constexpr (std::is_same_v<Stream, PlainStream>) return s;
  else return s.next_layer();
}

// Per-connection state visible to Server::stop(): idle connections are
// closed at once, busy ones finish their request first.
struct ConnectionSlot {
  std::atomic<bool> busy{false};
  bool alive = true;  // touched only on the connection's strand
  std::atomic<bool> closing{false};
  std::function<void()> cancel;  // posts a cancel to the connection's strand
};

// Large file bodies on plain TCP are sent from this small pool of threads
// (see send_file); when all are busy, the event loop sends instead.
constexpr std::uint64_t kBlockingSendMin = 4 << 20;

class Senders {
 public:
  explicit Senders(int threads) : pool_(static_cast<std::size_t>(threads)), free_(threads) {}
  ~Senders() { pool_.join(); }
  bool try_acquire() {
    int n = free_.load();
    while (n > 0)
      if (free_.compare_exchange_weak(n, n - 1)) return true;
    return false;
  }
  void release() { free_++; }
  const std::atomic<bool>& stopping() const { return stopping_; }
  void stop() { stopping_ = true; }
  asio::thread_pool::executor_type executor() { return pool_.get_executor(); }

 private:
  asio::thread_pool pool_;
  std::atomic<int> free_;
  std::atomic<bool> stopping_{false};
};

// sendfile(2) until `left` bytes went out or the socket stalls for longer than
// the timeout; returns the count sent. The socket stays non-blocking.
std::uint64_t blocking_sendfile(int sock, int fd, off_t& off, std::uint64_t left, int timeout_ms,
                                const std::atomic<bool>& stopping) {
  std::uint64_t done = 0;
  int stalled_ms = 0;
  while (done < left) {
    ssize_t n = ::sendfile(sock, fd, &off, std::min<std::uint64_t>(left - done, 1u << 30));
    if (n > 0) {
      done += static_cast<std::uint64_t>(n);
      stalled_ms = 0;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // Short slices, so a server shutting down need not wait out a stalled reader.
      constexpr int kSliceMs = 250;
      pollfd p{sock, POLLOUT, 0};
      int r = ::poll(&p, 1, kSliceMs);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL))) break;
      if (r == 0) {
        stalled_ms += kSliceMs;
        if (stalled_ms >= timeout_ms || stopping) break;
      }
      continue;
    }
    break;
  }
  return done;
}

template <class Stream>
class ExchangeImpl final : public Exchange {
 public:
  ExchangeImpl(Stream& stream, beast::flat_buffer& buffer, bhttp::request_parser<bhttp::buffer_body>& parser,
               std::string_view remote, std::vector<char>& chunk, std::chrono::seconds timeout, Senders* senders)
      : stream_(stream), buffer_(buffer), parser_(parser), chunk_(chunk), timeout_(timeout), senders_(senders) {
    req_ = &parser_.get().base();
    remote_ = std::string(remote);
    auto target = req_->target();
    auto q = target.find('?');
    std::string_view raw_path = target.substr(0, q);
    if (q != std::string_view::npos) query_ = std::string(target.substr(q + 1));
    if (!percent_decode(raw_path, path_)) bad_path_ = true;
    keep_alive_ = parser_.keep_alive();
    chunked_ = parser_.chunked();
    if (!chunked_) remaining_ = content_length().value_or(0);
  }

  bool bad_path() const { return bad_path_; }
  bool keep_alive() const { return keep_alive_ && !broken_; }

  Task<Result<std::string>> read_body(std::size_t limit, bool* too_large) override {
    if (too_large) *too_large = false;
    if (!chunked_ && remaining_ > limit) {
      if (too_large) *too_large = true;
      co_return make_error(ErrorCode::SizeInvalid, "request body too large");
    }
    std::string body;
    bool over = false;
    auto r = co_await stream_body([&](const char* d, std::size_t n) -> Result<void> {
      if (body.size() + n > limit) {
        over = true;
        return make_error(ErrorCode::SizeInvalid, "request body too large");
      }
      body.append(d, n);
      return {};
    });
    if (!r) {
      if (too_large) *too_large = over;
      co_return r.error();
    }
    co_return body;
  }

  Task<Result<std::uint64_t>> stream_body(ChunkSink sink) override {
    if (body_started_) co_return make_error(ErrorCode::Internal, "request body read twice");
    body_started_ = true;
    co_await send_continue();
    if (chunk_.size() < kChunkSize) chunk_.resize(kChunkSize);
    std::uint64_t total = 0;
    if (chunked_) {
      // Chunked transfer encoding: let Beast decode into our buffer.
      while (!parser_.is_done()) {
        parser_.get().body().data = chunk_.data();
        parser_.get().body().size = chunk_.size();
        tcp_layer(stream_).expires_after(timeout_);
        boost::system::error_code ec;
        [[maybe_unused]] auto n = co_await bhttp::async_read(stream_, buffer_, parser_, with(ec));
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec) {
          broken_ = true;
          co_return make_error(ErrorCode::Io, "reading request body: " + ec.message());
        }
        std::size_t got = chunk_.size() - parser_.get().body().size;
        total += got;
        if (got) {
          auto r = sink(chunk_.data(), got);
          if (!r) {
            broken_ = !parser_.is_done();
            co_return r.error();
          }
        }
      }
      co_return total;
    }
    // Content-Length: bytes already buffered first, then straight from the
    // socket into our buffer (no parser copy, large reads).
    while (remaining_ > 0) {
      const char* data;
      std::size_t n;
      if (buffer_.size() > 0) {
        n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size(), remaining_));
        data = static_cast<const char*>(buffer_.data().data());
        auto r = sink(data, n);
        buffer_.consume(n);
        remaining_ -= n;
        total += n;
        if (!r) co_return r.error();
        continue;
      }
      tcp_layer(stream_).expires_after(timeout_);
      auto want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_.size(), remaining_));
      boost::system::error_code ec;
        [[maybe_unused]] auto got = co_await stream_.async_read_some(asio::buffer(chunk_.data(), want), with(ec));
      if (ec) {
        broken_ = true;
        co_return make_error(ErrorCode::Io, "reading request body: " + ec.message());
      }
      remaining_ -= got;
      total += got;
      auto r = sink(chunk_.data(), got);
      if (!r) co_return r.error();
    }
    co_return total;
  }

  Task<void> send(Response response) override {
    if (responded()) co_return;
    status_ = response.status;
    decide_keep_alive();
    bool head = method() == bhttp::verb::head;
    if (head || response.content_length) {
      bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(response.status), 11};
      fill(res, response.headers);
      res.set(bhttp::field::content_length,
              std::to_string(response.content_length.value_or(response.body.size())));
      co_await write(res);
    } else {
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), 11};
      fill(res, response.headers);
      bytes_sent_ = response.body.size();
      res.body() = std::move(response.body);
      if (response.status == 204 || response.status == 304 || response.status < 200) {
        res.body().clear();
        bytes_sent_ = 0;
      } else {
        res.prepare_payload();
      }
      co_await write(res);
    }
  }

  Task<void> send_file(Response response, int fd, std::uint64_t offset, std::uint64_t length) override {
    if (responded()) co_return;
    status_ = response.status;
    decide_keep_alive();
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(response.status), 11};
    fill(res, response.headers);
    res.set(bhttp::field::content_length, std::to_string(length));
    bhttp::response_serializer<bhttp::empty_body> sr{res};
    tcp_layer(stream_).expires_after(timeout_);
    boost::system::error_code ec;
        [[maybe_unused]] auto n = co_await bhttp::async_write_header(stream_, sr, with(ec));
    if (ec) {
      broken_ = true;
      co_return;
    }
    if (method() == bhttp::verb::head) co_return;
    if constexpr (std::is_same_v<Stream, PlainStream>) {
      auto& sock = stream_.socket();
      sock.native_non_blocking(true);
      off_t off = static_cast<off_t>(offset);
      std::uint64_t left = length;
      while (left > 0) {
        ssize_t sent = ::sendfile(sock.native_handle(), fd, &off, std::min<std::uint64_t>(left, 1u << 30));
        if (sent > 0) {
          left -= static_cast<std::uint64_t>(sent);
          bytes_sent_ += static_cast<std::uint64_t>(sent);
          continue;
        }
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          if (left >= kBlockingSendMin && senders_ && senders_->try_acquire()) {
            // A large remainder goes to a sender thread that blocks in
            // poll(2) and refills the socket the moment it has room: no
            // round trip through the event loop per refill, and less CPU.
            int sock_fd = sock.native_handle();
            auto timeout_ms = static_cast<int>(std::chrono::milliseconds(timeout_).count());
            std::uint64_t done = co_await asio::co_spawn(
                senders_->executor(),
                [&]() -> Task<std::uint64_t> {
                  co_return blocking_sendfile(sock_fd, fd, off, left, timeout_ms, senders_->stopping());
                },
                asio::use_awaitable);
            senders_->release();
            left -= done;
            bytes_sent_ += done;
            break;
          }
          // Wait for the socket, bounded by the idle timeout.
          asio::steady_timer timer(co_await asio::this_coro::executor);
          timer.expires_after(timeout_);
          bool timed_out = false;
          timer.async_wait([&](boost::system::error_code e) {
            if (!e) {
              timed_out = true;
              boost::system::error_code ignore;
              sock.cancel(ignore);
            }
          });
          boost::system::error_code wec;
        co_await sock.async_wait(tcp::socket::wait_write, with(wec));
          timer.cancel();
          if (wec || timed_out) break;
          continue;
        }
        break;  // error, or the file is shorter than announced
      }
      if (left > 0) broken_ = true;
    } else {
      std::vector<char> buf(256 * 1024);
      std::uint64_t left = length;
      std::uint64_t off = offset;
      while (left > 0) {
        ssize_t got = ::pread(fd, buf.data(), std::min<std::uint64_t>(left, buf.size()), static_cast<off_t>(off));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        tcp_layer(stream_).expires_after(timeout_);
        boost::system::error_code wec;
        [[maybe_unused]] auto w = co_await asio::async_write(stream_, asio::buffer(buf.data(), static_cast<std::size_t>(got)), with(wec));
        if (wec) break;
        left -= static_cast<std::uint64_t>(got);
        off += static_cast<std::uint64_t>(got);
        bytes_sent_ += static_cast<std::uint64_t>(got);
      }
      if (left > 0) broken_ = true;
    }
  }

  // After the response: throw away a small unread body so the next request
  // starts at the right byte. Returns whether the connection stays open.
  Task<bool> finish() {
    if (!keep_alive()) co_return false;
    if (!body_started_ && has_body()) {
      bool too_large = false;
      auto r = co_await read_body(kDrainLimit, &too_large);
      if (!r) co_return false;
    }
    co_return keep_alive();
  }

 private:
  Task<void> send_continue() {
    if (continue_sent_ || responded()) co_return;
    continue_sent_ = true;
    auto expect = header("Expect");
    if (!beast::iequals(expect, "100-continue")) co_return;
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    tcp_layer(stream_).expires_after(timeout_);
    boost::system::error_code ec;
        [[maybe_unused]] auto n = co_await asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()), with(ec));
    if (ec) broken_ = true;
  }

  void decide_keep_alive() {
    // A large body the handler did not read is not worth draining.
    if (!body_started_ && has_body()) {
      if (chunked_ || remaining_ > kDrainLimit) keep_alive_ = false;
    } else if (body_started_ && (chunked_ ? !parser_.is_done() : remaining_ > 0)) {
      keep_alive_ = false;
    }
  }

  template <class Res>
  void fill(Res& res, const std::vector<std::pair<std::string, std::string>>& headers) {
    for (auto& [k, v] : headers) res.insert(k, v);
    res.keep_alive(keep_alive());
  }

  template <class Res>
  Task<void> write(Res& res) {
    tcp_layer(stream_).expires_after(timeout_);
    boost::system::error_code ec;
        [[maybe_unused]] auto n = co_await bhttp::async_write(stream_, res, with(ec));
    if (ec) broken_ = true;
  }

  Stream& stream_;
  beast::flat_buffer& buffer_;
  bhttp::request_parser<bhttp::buffer_body>& parser_;
  std::vector<char>& chunk_;
  std::chrono::seconds timeout_;
  Senders* senders_;
  std::uint64_t remaining_ = 0;
  bool chunked_ = false;
  bool body_started_ = false;
  bool continue_sent_ = false;
  bool keep_alive_ = true;
  bool broken_ = false;
  bool bad_path_ = false;
};

Result<tcp::endpoint> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return make_error(ErrorCode::InvalidArgument, "listen address must be [host]:port: " + listen);
  std::string host = listen.substr(0, colon);
  std::string port_s = listen.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_s.data(), port_s.data() + port_s.size(), port);
  if (ec != std::errc() || p != port_s.data() + port_s.size() || port > 65535)
    return make_error(ErrorCode::InvalidArgument, "bad port in listen address: " + listen);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return tcp::endpoint(tcp::v6(), static_cast<unsigned short>(port));
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code e;
  auto addr = asio::ip::make_address(host, e);
  if (e) return make_error(ErrorCode::InvalidArgument, "listen host must be an IP address: " + host);
  return tcp::endpoint(addr, static_cast<unsigned short>(port));
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::optional<asio::ssl::context> tls;
  std::mutex mu;
  std::list<std::shared_ptr<ConnectionSlot>> connections;
  std::atomic<bool> stopping{false};
  std::atomic<int> active{0};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  Senders senders{4};

  Impl(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {}

  template <class Stream>
  Task<void> serve(Stream& stream, std::string remote, std::shared_ptr<ConnectionSlot> slot) {
    beast::flat_buffer buffer;
    std::vector<char> chunk;
    auto timeout = std::chrono::seconds(options.idle_timeout_seconds);
    for (;;) {
      if (stopping) break;
      bhttp::request_parser<bhttp::buffer_body> parser;
      parser.header_limit(kHeaderLimit);
      // Handlers bound bodies themselves. (Boost 1.74 compares a length
      // against an empty optional as "over the limit", so no boost::none.)
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      tcp_layer(stream).expires_after(timeout);
      boost::system::error_code ec;
        [[maybe_unused]] auto n = co_await bhttp::async_read_header(stream, buffer, parser, with(ec));
      if (ec) {
        spdlog::debug("event=read_header_failed error=\"{}\"", ec.message());
        if (ec == bhttp::error::header_limit || ec == bhttp::error::bad_target || ec == bhttp::error::bad_method ||
            ec == bhttp::error::bad_version || ec == bhttp::error::bad_field || ec == bhttp::error::bad_value ||
            ec == bhttp::error::bad_line_ending || ec == bhttp::error::bad_content_length ||
            ec == bhttp::error::bad_transfer_encoding || ec == bhttp::error::bad_chunk) {
          bhttp::response<bhttp::string_body> res{ec == bhttp::error::header_limit
                                                      ? bhttp::status::request_header_fields_too_large
                                                      : bhttp::status::bad_request,
                                                  11};
          res.body() = "malformed HTTP request: " + ec.message() + "\n";
          res.keep_alive(false);
          res.prepare_payload();
          tcp_layer(stream).expires_after(std::chrono::seconds(5));
          boost::system::error_code wec;
          co_await bhttp::async_write(stream, res, with(wec));
        }
        break;
      }
      slot->busy = true;
      auto t0 = std::chrono::steady_clock::now();
      ExchangeImpl<Stream> ex(stream, buffer, parser, remote, chunk, timeout, &senders);
      if (ex.bad_path()) {
        Response r;
        r.status = 400;
        r.body = "malformed percent-encoding in request path\n";
        co_await ex.send(std::move(r));
      } else {
        try {
          co_await handler(ex);
        } catch (const std::exception& e) {
          spdlog::error("event=handler_exception method={} path={} error=\"{}\"", std::string(bhttp::to_string(ex.method())),
                        ex.path(), e.what());
        }
      }
      if (!ex.responded()) {
        Response r;
        r.status = 500;
        r.body = "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"internal error\"}]}";
        r.header("Content-Type", "application/json");
        co_await ex.send(std::move(r));
      }
      bool keep = co_await ex.finish();
      if (options.access_log) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
        spdlog::info("event=request method={} path={} status={} bytes={} duration_ms={:.3f} remote={}",
                     std::string(bhttp::to_string(ex.method())), ex.path(), ex.status(), ex.bytes_sent(), us / 1000.0,
                     remote);
      }
      slot->busy = false;
      if (!keep || stopping) break;
    }
    boost::system::error_code ignore;
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      tcp_layer(stream).expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ignore));
    }
    tcp_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignore);
  }

  Task<void> connection(tcp::socket socket) {
    active++;
    boost::system::error_code e;
    std::string remote;
    auto ep = socket.remote_endpoint(e);
    if (!e) remote = ep.address().to_string();
    socket.set_option(tcp::no_delay(true), e);
    auto exec = socket.get_executor();
    beast::tcp_stream plain(std::move(socket));
    // The cancel hook runs on this connection's strand, like the coroutine,
    // and does nothing once the coroutine has finished with the stream.
    beast::tcp_stream* layer = &plain;
    auto slot = std::make_shared<ConnectionSlot>();
    std::weak_ptr<ConnectionSlot> weak = slot;
    slot->cancel = [exec, weak, &layer]() {
      asio::post(exec, [weak, &layer] {
        if (auto s = weak.lock(); s && s->alive) layer->cancel();
      });
    };
    std::list<std::shared_ptr<ConnectionSlot>>::iterator it;
    {
      std::lock_guard lock(mu);
      connections.push_front(slot);
      it = connections.begin();
    }
    try {
      if (tls) {
        TlsStream stream(std::move(plain), *tls);
        layer = &stream.next_layer();
        tcp_layer(stream).expires_after(std::chrono::seconds(30));
        boost::system::error_code ec;
        co_await stream.async_handshake(asio::ssl::stream_base::server, with(ec));
        if (!ec) co_await serve(stream, remote, slot);
        slot->alive = false;
      } else {
        co_await serve(plain, remote, slot);
      }
    } catch (const std::exception& ex) {
      spdlog::warn("event=connection_error remote={} error=\"{}\"", remote, ex.what());
    }
    slot->alive = false;
    {
      std::lock_guard lock(mu);
      connections.erase(it);
    }
    if (--active == 0 && stopping) ioc.stop();
  }

  Task<void> accept_loop() {
    for (;;) {
      auto strand = asio::make_strand(ioc);
      boost::system::error_code ec;
        [[maybe_unused]] auto socket = co_await acceptor.async_accept(strand, with(ec));
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) co_return;
        if (ec == asio::error::no_descriptors) {
          spdlog::error("event=accept_error error=\"{}\"", ec.message());
          asio::steady_timer t(ioc, std::chrono::milliseconds(50));
          co_await t.async_wait(asio::use_awaitable);
        }
        continue;
      }
      asio::co_spawn(strand, connection(std::move(socket)), asio::detached);
    }
  }
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}
Server::~Server() = default;

core::Result<void> Server::start() {
  auto& o = impl_->options;
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    if (o.tls_cert.empty() || o.tls_key.empty())
      return make_error(ErrorCode::InvalidArgument, "TLS needs both a certificate and a key");
    try {
      impl_->tls.emplace(asio::ssl::context::tls_server);
      impl_->tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                              asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                              asio::ssl::context::no_tlsv1_1);
      impl_->tls->use_certificate_chain_file(o.tls_cert);
      impl_->tls->use_private_key_file(o.tls_key, asio::ssl::context::pem);
    } catch (const std::exception& e) {
      return make_error(ErrorCode::InvalidArgument, std::string("cannot load TLS certificate or key: ") + e.what());
    }
  }
  auto ep = parse_listen(o.listen);
  if (!ep) return ep.error();
  boost::system::error_code ec;
  auto& acc = impl_->acceptor;
  acc.open(ep->protocol(), ec);
  if (!ec && ep->address().is_v6() && ep->address().is_unspecified()) acc.set_option(asio::ip::v6_only(false), ec);
  if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc.bind(*ep, ec);
  if (!ec) acc.listen(1024, ec);
  if (ec) return make_error(ErrorCode::Io, "cannot listen on " + o.listen + ": " + ec.message());
  asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
  return {};
}

unsigned short Server::port() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::run(bool handle_signals) {
  auto& ioc = impl_->ioc;
  std::optional<asio::signal_set> signals;
  if (handle_signals) {
    signals.emplace(ioc, SIGTERM, SIGINT);
    signals->async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      spdlog::info("event=shutdown signal={}", sig);
      stop();
    });
  }
  impl_->work.emplace(ioc.get_executor());
  int n = impl_->options.threads > 0 ? impl_->options.threads
                                     : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (int i = 1; i < n; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
}

void Server::stop() {
  auto* impl = impl_.get();
  asio::post(impl->ioc, [impl] {
    if (impl->stopping.exchange(true)) return;
    impl->senders.stop();
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    {
      std::lock_guard lock(impl->mu);
      for (auto& c : impl->connections)
        if (!c->busy && c->cancel) c->cancel();
    }
    // Requests in flight get a few seconds; then the loop ends regardless.
    auto timer = std::make_shared<asio::steady_timer>(impl->ioc, std::chrono::seconds(10));
    timer->async_wait([impl, timer](boost::system::error_code e) {
      if (!e) impl->ioc.stop();
    });
    if (impl->active == 0) impl->ioc.stop();
  });
}

}  // namespace portcullis::http
