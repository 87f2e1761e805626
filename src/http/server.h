// Server: an HTTP/1.1 server on Asio coroutines, plain or TLS, that hands
// every request to one Handler. Keep-alive, pipelining-safe, bounded header
// size, idle timeouts, access log (one key=value line per request).
#pragma once
#include <memory>
#include <string>

#include "core/result.h"
#include "http/exchange.h"

namespace portcullis::http {

struct ServerOptions {
  std::string listen = ":5000";  // [host]:port; empty host = all addresses
  int threads = 0;               // 0 = number of cores (at least 2)
  std::string tls_cert;          // PEM files; both empty = plain HTTP
  std::string tls_key;
  bool access_log = true;
  int idle_timeout_seconds = 120;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  // Binds and listens; errors (bad address, port in use, bad certificate)
  // come back as values.
  core::Result<void> start();
  // The port actually bound (useful with port 0).
  unsigned short port() const;
  // Runs the event loop on the calling thread plus threads-1 others until
  // stop() is called or SIGTERM/SIGINT arrives (when handle_signals).
  void run(bool handle_signals = true);
  // Stops accepting, lets requests in flight finish (up to a few seconds), returns from run().
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace portcullis::http
