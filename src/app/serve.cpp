#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <spdlog/spdlog.h>

#include "app/commands.h"
#include "auth/authenticator.h"
#include "http/server.h"
#include "meta/meta_store.h"
#include "registry/errors.h"
#include "registry/gc.h"
#include "registry/registry.h"
#include "storage/blob_store.h"

namespace portcullis::app {

int run_serve(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    spdlog::critical("event=startup_failed error=\"cannot create data directory {}: {}\"", config.data_dir, ec.message());
    return 1;
  }
  auto meta = meta::open_sqlite((std::filesystem::path(config.data_dir) / "portcullis.db").string());
  if (!meta) {
    spdlog::critical("event=startup_failed error=\"{}\"", meta.error().message);
    return 1;
  }
  auto blobs = storage::make_filesystem_store(config.data_dir);

  std::optional<std::string> admin_password;
  if (const char* p = std::getenv("PORTCULLIS_ADMIN_PASSWORD"); p && *p) admin_password = p;
  auto generated = auth::ensure_admin(**meta, admin_password);
  if (!generated) {
    spdlog::critical("event=startup_failed error=\"{}\"", generated.error().message);
    return 1;
  }
  if (!generated->empty()) {
    // Printed once, on the terminal, never into the log.
    std::cout << "Created account admin with password: " << *generated << std::endl;
    spdlog::warn("event=admin_created user=admin note=\"the generated password was printed once on standard output\"");
  }

  auth::Authenticator authenticator(**meta);
  registry::RegistryOptions ropts;
  ropts.realm = config.realm;
  registry::Registry reg(ropts, *blobs, **meta, authenticator);
  if (auto b = reg.bootstrap(); !b) {
    spdlog::critical("event=startup_failed error=\"{}\"", b.error().message);
    return 1;
  }

  http::ServerOptions sopts;
  sopts.listen = config.listen;
  sopts.threads = config.threads;
  sopts.tls_cert = config.tls_cert;
  sopts.tls_key = config.tls_key;
  sopts.access_log = config.access_log;
  http::Server server(sopts, [&reg](http::Exchange& ex) -> http::Task<void> {
    auto p = ex.path();
    if (p == "/v2" || p.substr(0, 4) == "/v2/") {
      co_await reg.handle(ex);
      co_return;
    }
    co_await ex.send(registry::error_response(core::ErrorCode::NotFound, "no such endpoint"));
  });
  if (auto s = server.start(); !s) {
    spdlog::critical("event=startup_failed error=\"{}\"", s.error().message);
    return 1;
  }
  spdlog::info("event=listening listen={} port={} tls={} data={}", config.listen, server.port(),
               config.tls_cert.empty() ? "off" : "on", config.data_dir);
  server.run(true);
  spdlog::info("event=stopped");
  return 0;
}

int run_gc(const Config& config, const GcCommand& gc) {
  auto grace = parse_duration_seconds(gc.grace);
  auto upload_grace = parse_duration_seconds(gc.upload_grace);
  if (grace < 0 || upload_grace < 0) {
    std::cerr << "portcullis gc: --grace and --upload-grace take a duration such as 0, 90s, 15m, 1h, 7d\n";
    return 2;
  }
  if (!std::filesystem::exists(std::filesystem::path(config.data_dir) / "portcullis.db")) {
    std::cerr << "portcullis gc: no registry data in " << config.data_dir << "\n";
    return 2;
  }
  auto meta = meta::open_sqlite((std::filesystem::path(config.data_dir) / "portcullis.db").string(), 2);
  if (!meta) {
    std::cerr << "portcullis gc: " << meta.error().message << "\n";
    return 1;
  }
  auto blobs = storage::make_filesystem_store(config.data_dir);
  registry::GcOptions o;
  o.grace_seconds = grace;
  o.upload_grace_seconds = upload_grace;
  o.dry_run = gc.dry_run;
  auto report = registry::collect_garbage(**meta, *blobs, o);
  if (!report) {
    std::cerr << "portcullis gc: " << report.error().message << "\n";
    return 1;
  }
  std::cout << (gc.dry_run ? "would remove: " : "removed: ") << report->blobs_removed << " blobs ("
            << report->bytes_freed << " bytes), " << report->links_removed << " repository links, "
            << report->uploads_removed << " abandoned uploads\n";
  return 0;
}

}  // namespace portcullis::app
