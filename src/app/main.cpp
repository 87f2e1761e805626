// portcullis: one binary, many roles. `serve` runs the registry; `gc` removes
// unreferenced data; `sbom` lists an image's packages; `scan` reports their vulnerabilities from
// the advisory database that `db build` makes; later: admission.
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

  // The image options of the commands that read an image (sbom, scan).
  auto add_image_options = [](CLI::App* sub, app::ImageOptions& o) {
    sub->add_option("image", o.image,
                    "oci:DIR[:TAG], docker-archive:FILE[:REF], dir:ROOTFS, docker://HOST/NAME:TAG|@DIGEST, "
                    "or registry:NAME:TAG|@DIGEST (an image in this registry's --data directory)")
        ->required();
    sub->add_option("--platform", o.platform, "OS/ARCH[/VARIANT] to pick from a multi-platform image (default: this host's)");
    sub->add_option("--creds", o.creds, "USER:PASSWORD for the registry")->envname("PORTCULLIS_CREDS");
    sub->add_option("--authfile", o.auth_file, "docker config.json / containers auth.json to read credentials from");
    sub->add_option("--tls-verify", o.tls_verify, "verify the registry's TLS certificate (default true)");
    sub->add_flag("--plain-http", o.plain_http, "talk to the registry over http://");
    sub->add_option("--data", o.data_dir, "the registry's data directory, for registry:NAME:TAG (default ./data)")
        ->envname("PORTCULLIS_DATA");
    sub->add_option("--cache-dir", o.cache_dir, "where layer results are kept (default ~/.cache/portcullis)");
    sub->add_flag("--no-cache", o.no_cache, "read every layer, store nothing");
    sub->add_flag("--quiet,-q", o.quiet, "no progress display or warnings");
  };

  app::SbomCommand sbom;
  auto* sbom_cmd = cli.add_subcommand("sbom", "list every package in an image (table, JSON, CycloneDX or SPDX)");
  add_image_options(sbom_cmd, sbom.image);
  sbom_cmd->add_option("--format,-f", sbom.format, "table (default), json, cyclonedx-json, spdx-json");
  sbom_cmd->add_option("--output,-o", sbom.output, "write to this file instead of standard output");

  app::ScanCommand scan;
  auto* scan_cmd = cli.add_subcommand("scan", "report an image's vulnerabilities; exit 1 at or above --fail-on");
  add_image_options(scan_cmd, scan.image);
  scan_cmd->add_option("--db", scan.db, "advisory database (default $PORTCULLIS_DB, else <cache dir>/advisories.db)")
      ->envname("PORTCULLIS_DB");
  scan_cmd->add_option("--fail-on", scan.fail_on, "negligible, low, medium, high or critical: exit 1 when a finding at or above it remains");
  scan_cmd->add_flag("--ignore-unfixed", scan.ignore_unfixed, "leave out findings with no fixed version");
  scan_cmd->add_option("--ignore-file", scan.ignore_file, "advisory ids to leave out: `ID [exp:YYYY-MM-DD] [# reason]` per line");
  scan_cmd->add_option("--format,-f", scan.format, "table (default) or json");
  scan_cmd->add_option("--output,-o", scan.output, "write to this file instead of standard output");

  app::DbBuildCommand db_build;
  auto* db_cmd = cli.add_subcommand("db", "the advisory database");
  db_cmd->require_subcommand(1);
  auto* db_build_cmd = db_cmd->add_subcommand("build", "build a database from advisory feeds");
  db_build_cmd->add_option("--source", db_build.sources,
                           "KIND=PATH, KIND one of osv, debian-tracker, alpine-secdb, redhat-csaf (repeatable)")
      ->required();
  db_build_cmd->add_option("--output,-o", db_build.output, "the database file to write")->required();
  std::string db_info_path;
  auto* db_info_cmd = db_cmd->add_subcommand("info", "what a database holds");
  db_info_cmd->add_option("--db", db_info_path, "advisory database (default $PORTCULLIS_DB, else <cache dir>/advisories.db)")
      ->envname("PORTCULLIS_DB");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }

  if (sbom_cmd->parsed()) return app::run_sbom(sbom);
  if (scan_cmd->parsed()) return app::run_scan(scan);
  if (db_build_cmd->parsed()) return app::run_db_build(db_build);
  if (db_info_cmd->parsed()) return app::run_db_info(db_info_path);

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
