// portcullis: one binary, many roles. `serve` runs the registry; `gc` removes
// unreferenced data; `sbom` lists an image's packages; later: scan, db, admission.
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "app/config.h"

using namespace portcullis;

int main(int argc, char** argv) {
  // A peer that closes mid-response must cost one connection, not the
  // process: sendfile(2) to a closed socket raises SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App cli{"Portcullis: an OCI registry that keeps vulnerable and untrusted images out of your clusters"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string(PORTCULLIS_VERSION));

  std::string config_file;
  std::optional<std::string> listen, data, tls_cert, tls_key, log_level;
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--config", config_file, "YAML configuration file")->envname("PORTCULLIS_CONFIG");
    sub->add_option("--data", data, "data directory: metadata database and blobs (default ./data)");
    sub->add_option("--log-level", log_level, "trace, debug, info, warn, error");
  };

  auto* serve = cli.add_subcommand("serve", "run the registry");
  add_common(serve);
  serve->add_option("--listen", listen, "[host]:port to listen on (default :5000)");
  serve->add_option("--tls-cert", tls_cert, "PEM certificate chain; with --tls-key, serve HTTPS");
  serve->add_option("--tls-key", tls_key, "PEM private key");

  app::GcCommand gc;
  auto* gc_cmd = cli.add_subcommand("gc", "remove unreferenced blobs and abandoned uploads (safe while serve runs)");
  add_common(gc_cmd);
  gc_cmd->add_option("--grace", gc.grace, "keep blobs unreferenced for less than this (default 1h)");
  gc_cmd->add_option("--upload-grace", gc.upload_grace, "keep uploads idle for less than this (default 24h)");
  gc_cmd->add_flag("--dry-run", gc.dry_run, "only report what would be removed");

  app::SbomCommand sbom;
  auto* sbom_cmd = cli.add_subcommand("sbom", "list every package in an image (table, JSON, CycloneDX or SPDX)");
  sbom_cmd->add_option("image", sbom.image,
                       "oci:DIR[:TAG], docker-archive:FILE[:REF], dir:ROOTFS, docker://HOST/NAME:TAG|@DIGEST, "
                       "or registry:NAME:TAG|@DIGEST (an image in this registry's --data directory)")
      ->required();
  sbom_cmd->add_option("--format,-f", sbom.format, "table (default), json, cyclonedx-json, spdx-json");
  sbom_cmd->add_option("--output,-o", sbom.output, "write to this file instead of standard output");
  sbom_cmd->add_option("--platform", sbom.platform, "OS/ARCH[/VARIANT] to pick from a multi-platform image (default: this host's)");
  sbom_cmd->add_option("--creds", sbom.creds, "USER:PASSWORD for the registry")->envname("PORTCULLIS_CREDS");
  sbom_cmd->add_option("--authfile", sbom.auth_file, "docker config.json / containers auth.json to read credentials from");
  sbom_cmd->add_option("--tls-verify", sbom.tls_verify, "verify the registry's TLS certificate (default true)");
  sbom_cmd->add_flag("--plain-http", sbom.plain_http, "talk to the registry over http://");
  sbom_cmd->add_option("--data", sbom.data_dir, "the registry's data directory, for registry:NAME:TAG (default ./data)")
      ->envname("PORTCULLIS_DATA");
  sbom_cmd->add_option("--cache-dir", sbom.cache_dir, "where layer results are kept (default ~/.cache/portcullis)");
  sbom_cmd->add_flag("--no-cache", sbom.no_cache, "read every layer, store nothing");
  sbom_cmd->add_flag("--quiet,-q", sbom.quiet, "no progress display or warnings");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }

  if (sbom_cmd->parsed()) return app::run_sbom(sbom);

  app::Config config;
  if (!config_file.empty()) {
    if (auto r = app::apply_yaml_file(config, config_file); !r) {
      std::cerr << "portcullis: " << r.error().message << "\n";
      return 2;
    }
  }
  if (auto r = app::apply_environment(config, app::process_environment()); !r) {
    std::cerr << "portcullis: " << r.error().message << "\n";
    return 2;
  }
  if (listen) config.listen = *listen;
  if (data) config.data_dir = *data;
  if (tls_cert) config.tls_cert = *tls_cert;
  if (tls_key) config.tls_key = *tls_key;
  if (log_level) config.log_level = *log_level;
  app::setup_logging(config.log_level);

  if (serve->parsed()) return app::run_serve(config);
  if (gc_cmd->parsed()) return app::run_gc(config, gc);
  return 2;
}
