// The HTTP server as a client sees it: raw bytes over a real loopback socket.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "core/digest.h"
#include "http/server.h"

using namespace portcullis;

namespace {

class Client {
 public:
  explicit Client(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Client() { ::close(fd_); }
  void send(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      auto n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }
  // Reads one response (headers + Content-Length body); "" on close/timeout.
  std::string response(bool head = false) {
    for (;;) {
      auto h = buf_.find("\r\n\r\n");
      if (h != std::string::npos) {
        std::size_t len = 0;
        auto cl = buf_.find("Content-Length: ");
        if (cl == std::string::npos) cl = buf_.find("content-length: ");
        if (cl != std::string::npos && cl < h) len = std::strtoull(buf_.c_str() + cl + 16, nullptr, 10);
        if (head || buf_.compare(0, 12, "HTTP/1.1 100") == 0) len = 0;
        if (buf_.size() >= h + 4 + len) {
          std::string r = buf_.substr(0, h + 4 + len);
          buf_.erase(0, h + 4 + len);
          return r;
        }
      }
      char tmp[65536];
      auto n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return "";
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
  }
  bool closed_by_peer() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  int fd_;
  std::string buf_;
};

class ServerTest : public ::testing::Test {
 protected:
  void start(http::Handler h) {
    http::ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    o.access_log = false;
    server_ = std::make_unique<http::Server>(o, std::move(h));
    ASSERT_TRUE(server_->start().ok());
    thread_ = std::thread([this] { server_->run(false); });
  }
  void TearDown() override {
    if (server_) {
      server_->stop();
      thread_.join();
    }
  }
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

// Echoes the body's size and SHA-256, read as a stream.
http::Task<void> hash_body(http::Exchange& ex) {
  core::Hasher h;
  auto n = co_await ex.stream_body([&](const char* d, std::size_t len) -> core::Result<void> {
    h.update(d, len);
    return {};
  });
  http::Response r;
  r.body = n ? std::to_string(*n) + " " + h.digest().str() : "error";
  co_await ex.send(std::move(r));
}

}  // namespace

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start([](http::Exchange& ex) -> http::Task<void> {
    http::Response r;
    r.body = std::string(ex.path()) + "|" + ex.query("q").value_or("-");
    co_await ex.send(std::move(r));
  });
  Client c(server_->port());
  c.send("GET /a%2Fb?q=x%3Ay HTTP/1.1\r\nHost: t\r\n\r\nGET /second HTTP/1.1\r\nHost: t\r\n\r\n");
  auto r1 = c.response();
  auto r2 = c.response();
  EXPECT_NE(r1.find("200 OK"), std::string::npos);
  EXPECT_NE(r1.find("\r\n\r\n/a/b|x:y"), std::string::npos) << r1;
  EXPECT_NE(r2.find("\r\n\r\n/second|-"), std::string::npos) << r2;
}

TEST_F(ServerTest, StreamsContentLengthAndChunkedBodies) {
  start(hash_body);
  std::string body(3 * 1024 * 1024 + 17, 'x');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 31 + 7);
  auto want = std::to_string(body.size()) + " " + core::Digest::of(core::DigestAlgorithm::Sha256, body).str();
  Client c(server_->port());
  c.send("PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  auto r = c.response();
  EXPECT_NE(r.find(want), std::string::npos) << "[" << r.substr(0, 300) << "]";
  // The same bytes in three chunks on the same connection.
  std::string chunked = "PUT /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::size_t parts[] = {1000, 2 * 1024 * 1024, body.size() - 1000 - 2 * 1024 * 1024};
  std::size_t off = 0;
  for (auto p : parts) {
    char hex[32];
    snprintf(hex, sizeof hex, "%zx\r\n", p);
    chunked += hex + body.substr(off, p) + "\r\n";
    off += p;
  }
  chunked += "0\r\n\r\n";
  c.send(chunked);
  r = c.response();
  EXPECT_NE(r.find(want), std::string::npos) << "[" << r.substr(0, 300) << "]";
}

TEST_F(ServerTest, AnswersExpectContinueBeforeReadingTheBody) {
  start(hash_body);
  Client c(server_->port());
  c.send("PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto cont = c.response();
  EXPECT_EQ(cont.rfind("HTTP/1.1 100 Continue", 0), 0u) << cont;
  c.send("hello");
  auto r = c.response();
  EXPECT_NE(r.find("5 " + core::Digest::of(core::DigestAlgorithm::Sha256, "hello").str()), std::string::npos) << r;
}

TEST_F(ServerTest, UnreadSmallBodyIsDrainedAndLargeOneClosesTheConnection) {
  start([](http::Exchange& ex) -> http::Task<void> {
    http::Response r;
    r.status = 401;
    r.body = "no";
    co_await ex.send(std::move(r));
  });
  Client c(server_->port());
  c.send("PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789GET /y HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_NE(c.response().find("401"), std::string::npos);
  EXPECT_NE(c.response().find("401"), std::string::npos);  // the GET after the drained body
  Client big(server_->port());
  big.send("PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\nabc");
  auto r = big.response();
  EXPECT_NE(r.find("401"), std::string::npos);
  EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
  EXPECT_TRUE(big.closed_by_peer());
}

TEST_F(ServerTest, SendFileServesExactRanges) {
  char path[] = "/tmp/portcullis-http-test-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string data(200000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i % 251);
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  start([fd](http::Exchange& ex) -> http::Task<void> {
    http::Response r;
    r.status = 206;
    co_await ex.send_file(std::move(r), fd, 1000, 150000);
  });
  Client c(server_->port());
  c.send("GET /f HTTP/1.1\r\nHost: t\r\n\r\nHEAD /f HTTP/1.1\r\nHost: t\r\n\r\n");
  auto r = c.response();
  auto h = r.find("\r\n\r\n");
  ASSERT_NE(h, std::string::npos);
  EXPECT_EQ(r.substr(h + 4), data.substr(1000, 150000));
  // HEAD: the same length announced, no body, and the connection still usable.
  auto head = c.response(true);
  EXPECT_NE(head.find("Content-Length: 150000"), std::string::npos);
  EXPECT_EQ(head.find("\r\n\r\n") + 4, head.size());
  c.send("GET /f HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(c.response().size(), h + 4 + 150000);
  ::close(fd);
  ::unlink(path);
}

TEST_F(ServerTest, MalformedRequestGets400AndNoCrash) {
  start(hash_body);
  Client c(server_->port());
  c.send("GARBAGE\r\n\r\n");
  EXPECT_NE(c.response().find("400"), std::string::npos);
  Client huge(server_->port());
  huge.send("GET / HTTP/1.1\r\nX: " + std::string(100000, 'a') + "\r\n\r\n");
  EXPECT_NE(huge.response().find("431"), std::string::npos);
  Client ok(server_->port());
  ok.send("PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  EXPECT_NE(ok.response().find("200"), std::string::npos);
}

TEST_F(ServerTest, HandlerWithoutResponseGets500AndExceptionsAreContained) {
  start([](http::Exchange& ex) -> http::Task<void> {
    if (ex.path() == "/throw") throw std::runtime_error("boom");
    co_return;
  });
  Client c(server_->port());
  c.send("GET /throw HTTP/1.1\r\nHost: t\r\n\r\nGET /silent HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_NE(c.response().find("500"), std::string::npos);
  EXPECT_NE(c.response().find("500"), std::string::npos);
}

TEST_F(ServerTest, StopReturnsPromptlyWithIdleKeepAliveConnections) {
  start(hash_body);
  Client idle(server_->port());
  idle.send("PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  ASSERT_NE(idle.response().find("200"), std::string::npos);
  auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  thread_.join();
  server_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST_F(ServerTest, SendFileOfALargeBodyToASlowReaderArrivesWhole) {
  // Large enough that the socket fills and the rest goes through the sender
  // threads; the client starts reading late so the server must wait.
  char path[] = "/tmp/portcullis-http-big-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string data(48 << 20, '\0');
  for (std::size_t i = 0; i < data.size(); i += 4096) data[i] = static_cast<char>(i / 4096);
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  start([fd, size = data.size()](http::Exchange& ex) -> http::Task<void> {
    http::Response r;
    co_await ex.send_file(std::move(r), fd, 1, size - 1);
  });
  Client c(server_->port());
  c.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\nGET /big HTTP/1.1\r\nHost: t\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 2; ++i) {  // twice on one connection: framing stays right
    auto r = c.response();
    auto h = r.find("\r\n\r\n");
    ASSERT_NE(h, std::string::npos);
    EXPECT_EQ(r.size() - h - 4, data.size() - 1);
    EXPECT_TRUE(r.compare(h + 4, std::string::npos, data, 1) == 0);
  }
  ::close(fd);
  ::unlink(path);
}
