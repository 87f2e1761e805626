#include "meta/migrations.h"

namespace portcullis::meta {

const std::vector<Migration>& sqlite_migrations() {
  // Booleans are INTEGER 0/1 and times BIGINT unix seconds in every dialect,
  // so the shared queries bind the same C++ types everywhere.
  static const std::vector<Migration> migrations = {
      {1,
       "registry core",
       {
           "CREATE TABLE projects ("
           " id INTEGER PRIMARY KEY,"
           " name TEXT NOT NULL UNIQUE,"
           " is_public INTEGER NOT NULL DEFAULT 0,"
           " created_at BIGINT NOT NULL)",

           "CREATE TABLE repositories ("
           " id INTEGER PRIMARY KEY,"
           " project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
           " name TEXT NOT NULL UNIQUE,"
           " created_at BIGINT NOT NULL)",
           "CREATE INDEX repositories_project ON repositories(project_id)",

           "CREATE TABLE blobs ("
           " digest TEXT PRIMARY KEY,"
           " size BIGINT NOT NULL,"
           " created_at BIGINT NOT NULL,"
           " last_linked_at BIGINT NOT NULL)",

           // created_at is refreshed on every link, so gc's grace period
           // counts from the latest push of the blob into the repository.
           "CREATE TABLE repository_blobs ("
           " repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,"
           " digest TEXT NOT NULL REFERENCES blobs(digest),"
           " created_at BIGINT NOT NULL,"
           " PRIMARY KEY (repository_id, digest))",
           "CREATE INDEX repository_blobs_digest ON repository_blobs(digest)",

           // content holds the exact bytes pushed; NULL only for an empty body.
           "CREATE TABLE manifests ("
           " id INTEGER PRIMARY KEY,"
           " repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,"
           " digest TEXT NOT NULL,"
           " media_type TEXT NOT NULL,"
           " artifact_type TEXT NOT NULL DEFAULT '',"
           " size BIGINT NOT NULL,"
           " content BLOB,"
           " subject TEXT,"
           " annotations TEXT NOT NULL DEFAULT '{}',"
           " created_at BIGINT NOT NULL,"
           " UNIQUE (repository_id, digest))",
           "CREATE INDEX manifests_referrers ON manifests(repository_id, subject) WHERE subject IS NOT NULL",

           "CREATE TABLE manifest_references ("
           " manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,"
           " digest TEXT NOT NULL,"
           " kind TEXT NOT NULL CHECK (kind IN ('blob', 'manifest')),"
           " PRIMARY KEY (manifest_id, kind, digest))",
           "CREATE INDEX manifest_references_digest ON manifest_references(digest)",

           "CREATE TABLE tags ("
           " repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,"
           " name TEXT NOT NULL,"
           " manifest_id INTEGER NOT NULL REFERENCES manifests(id),"
           " updated_at BIGINT NOT NULL,"
           " PRIMARY KEY (repository_id, name))",
           "CREATE INDEX tags_manifest ON tags(manifest_id)",

           "CREATE TABLE uploads ("
           " id TEXT PRIMARY KEY,"
           " repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,"
           " created_at BIGINT NOT NULL,"
           " updated_at BIGINT NOT NULL)",
           "CREATE INDEX uploads_updated ON uploads(updated_at)",

           "CREATE TABLE users ("
           " id INTEGER PRIMARY KEY,"
           " name TEXT NOT NULL UNIQUE,"
           " password_hash TEXT NOT NULL,"
           " is_admin INTEGER NOT NULL DEFAULT 0,"
           " can_create_projects INTEGER NOT NULL DEFAULT 0,"
           " created_at BIGINT NOT NULL)",
       }},
      {2,
       "inline small blobs",
       {
           // The bytes of small blobs (meta::kInlineBlobMaxBytes), held here
           // instead of in storage so that one commit makes them durable. A
           // separate table keeps `blobs` rows narrow for gc's scans and the
           // hot size lookups; a row here means "stored inline", NULL
           // content means zero bytes. PostgreSQL: content BYTEA.
           "CREATE TABLE blob_contents ("
           " digest TEXT PRIMARY KEY REFERENCES blobs(digest) ON DELETE CASCADE,"
           " content BLOB)",
       }},
      {3,
       "layer analysis cache",
       {
           // What the scanner read from a layer, keyed by (diffID, analyzer
           // versions) hashed into cache_key; an opaque document of the scan
           // module. Shared by every image holding the layer.
           // PostgreSQL: result BYTEA.
           "CREATE TABLE layer_results ("
           " cache_key TEXT PRIMARY KEY,"
           " diff_id TEXT NOT NULL,"
           " result BLOB NOT NULL,"
           " created_at BIGINT NOT NULL)",
           "CREATE INDEX layer_results_diff_id ON layer_results(diff_id)",
       }},
  };
  return migrations;
}

}  // namespace portcullis::meta
