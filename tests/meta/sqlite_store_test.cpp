#include <gtest/gtest.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"
#include "core/digest.h"
#include "meta/meta_store.h"
#include "meta/migrations.h"

namespace portcullis::meta {
namespace {

namespace fs = std::filesystem;
using core::ErrorCode;

using portcullis::testing::TempDir;

std::string sha256(std::string_view s) { return core::Digest::of(core::DigestAlgorithm::Sha256, s).str(); }

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

ManifestRecord manifest(const std::string& content, std::vector<std::string> blobs = {},
                        std::vector<std::string> children = {}) {
  ManifestRecord m;
  m.content = content;
  m.digest = sha256(content);
  m.media_type = "application/vnd.oci.image.manifest.v1+json";
  m.blob_refs = std::move(blobs);
  m.manifest_refs = std::move(children);
  return m;
}

FileOp ok_op(int* calls) {
  return [calls]() -> Result<void> {
    ++*calls;
    return {};
  };
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.path() + "/meta.db";
    auto s = open_sqlite(db_, 4);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    auto p = store_->create_project("library", true);
    ASSERT_TRUE(p.ok()) << p.error().message;
    project_ = *p;
    auto r = store_->ensure_repository(project_.id, "library/app");
    ASSERT_TRUE(r.ok()) << r.error().message;
    repo_ = *r;
  }

  // Links a blob with the given content's digest; returns the digest.
  std::string link(const std::string& content, std::int64_t repo = 0) {
    std::string d = sha256(content);
    auto r = store_->link_blob(repo ? repo : repo_.id, d, static_cast<std::int64_t>(content.size()), nullptr);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return d;
  }

  std::unique_ptr<soci::session> raw(int timeout_s = 5) {
    return std::make_unique<soci::session>(*soci::factory_sqlite3(),
                                           "db=\"" + db_ + "\" timeout=" + std::to_string(timeout_s));
  }

  TempDir dir_;
  std::string db_;
  std::unique_ptr<MetaStore> store_;
  Project project_;
  Repository repo_;
};

// ---------------------------------------------------------------- schema

TEST_F(SqliteStoreTest, MigrationsRecordedOnceAndIdempotentOnReopen) {
  auto sql = raw();
  std::string mode;
  *sql << "PRAGMA journal_mode", soci::into(mode);
  EXPECT_EQ(mode, "wal");
  int n = 0, max = 0;
  *sql << "SELECT COUNT(*), MAX(version) FROM schema_migrations", soci::into(n), soci::into(max);
  EXPECT_EQ(n, static_cast<int>(sqlite_migrations().size()));
  EXPECT_EQ(max, sqlite_migrations().back().version);

  store_.reset();
  for (int i = 0; i < 2; ++i) {
    auto again = open_sqlite(db_, 2);
    ASSERT_TRUE(again.ok()) << again.error().message;
    auto p = (*again)->find_project("library");
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(p->has_value()) << "data survives reopening";
    EXPECT_EQ((*p)->id, project_.id);
  }
  *sql << "SELECT COUNT(*) FROM schema_migrations", soci::into(n);
  EXPECT_EQ(n, static_cast<int>(sqlite_migrations().size()));
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  store_.reset();
  {
    auto sql = raw();
    *sql << "INSERT INTO schema_migrations(version, applied_at) VALUES(9999, 0)";
  }
  auto again = open_sqlite(db_, 1);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("9999"), std::string::npos) << again.error().message;
}

TEST(SqliteOpen, BadPathsAreErrors) {
  EXPECT_EQ(open_sqlite("").error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(open_sqlite(":memory:").error().code, ErrorCode::InvalidArgument);
  auto r = open_sqlite("/nonexistent-dir-for-portcullis-tests/x/meta.db");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Internal);
}

// ---------------------------------------------------------------- projects and repositories

TEST_F(SqliteStoreTest, Projects) {
  auto none = store_->find_project("private");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  auto p = store_->create_project("private", false);
  ASSERT_TRUE(p.ok());
  EXPECT_GT(p->id, 0);
  EXPECT_NE(p->id, project_.id);
  EXPECT_FALSE(p->is_public);
  EXPECT_LE(std::abs(p->created_at - now()), 5);

  auto found = store_->find_project("private");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, p->id);
  EXPECT_EQ((*found)->name, "private");
  EXPECT_FALSE((*found)->is_public);
  EXPECT_EQ((*found)->created_at, p->created_at);
  auto lib = store_->find_project("library");
  ASSERT_TRUE(lib.ok() && lib->has_value());
  EXPECT_TRUE((*lib)->is_public);

  auto dup = store_->create_project("private", true);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::Conflict);
  EXPECT_EQ(store_->create_project("", true).error().code, ErrorCode::InvalidArgument);
}

TEST_F(SqliteStoreTest, Repositories) {
  auto again = store_->ensure_repository(project_.id, "library/app");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, repo_.id);
  EXPECT_EQ(again->project_id, project_.id);
  EXPECT_EQ(again->name, "library/app");

  auto found = store_->find_repository("library/app");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, repo_.id);
  auto missing = store_->find_repository("library/none");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto bad = store_->ensure_repository(987654, "ghost/repo");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::NotFound);
  EXPECT_FALSE(store_->find_repository("ghost/repo")->has_value());
}

TEST_F(SqliteStoreTest, ListRepositories) {
  auto priv = store_->create_project("team", false);
  ASSERT_TRUE(priv.ok());
  for (const char* n : {"library/zeta", "library/alpha", "library/Beta"}) ASSERT_TRUE(store_->ensure_repository(project_.id, n).ok());
  for (const char* n : {"team/svc", "team/api"}) ASSERT_TRUE(store_->ensure_repository(priv->id, n).ok());

  auto all = store_->list_repositories("", 100, false);
  ASSERT_TRUE(all.ok());
  std::vector<std::string> want = {"library/Beta", "library/alpha", "library/app", "library/zeta", "team/api", "team/svc"};
  EXPECT_EQ(*all, want) << "byte order, upper case first";

  auto pub = store_->list_repositories("", 100, true);
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(*pub, (std::vector<std::string>{"library/Beta", "library/alpha", "library/app", "library/zeta"}));

  auto page = store_->list_repositories("library/alpha", 2, false);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(*page, (std::vector<std::string>{"library/app", "library/zeta"}));
  auto unlimited = store_->list_repositories("library/zeta", -1, false);
  ASSERT_TRUE(unlimited.ok());
  EXPECT_EQ(*unlimited, (std::vector<std::string>{"team/api", "team/svc"}));
  auto none = store_->list_repositories("", 0, false);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// ---------------------------------------------------------------- blobs

TEST_F(SqliteStoreTest, LinkAndUnlinkBlobs) {
  auto other = store_->ensure_repository(project_.id, "library/other");
  ASSERT_TRUE(other.ok());
  std::string d = sha256("layer");

  EXPECT_FALSE(store_->repository_blob(repo_.id, d)->has_value());
  EXPECT_FALSE(store_->known_blob(d)->has_value());

  int calls = 0;
  ASSERT_TRUE(store_->link_blob(repo_.id, d, 5, ok_op(&calls)).ok());
  EXPECT_EQ(calls, 1);
  auto rb = store_->repository_blob(repo_.id, d);
  ASSERT_TRUE(rb.ok() && rb->has_value());
  EXPECT_EQ((*rb)->size, 5);
  EXPECT_FALSE((*rb)->stored_inline);
  EXPECT_FALSE(store_->repository_blob(other->id, d)->has_value());
  auto kb = store_->known_blob(d);
  ASSERT_TRUE(kb.ok() && kb->has_value());
  EXPECT_EQ(**kb, 5);

  // Linking again (and from another repository) is fine; a different size is not.
  ASSERT_TRUE(store_->link_blob(repo_.id, d, 5, nullptr).ok());
  ASSERT_TRUE(store_->link_blob(other->id, d, 5, nullptr).ok());
  auto wrong = store_->link_blob(other->id, d, 6, nullptr);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::SizeInvalid);
  EXPECT_EQ(store_->link_blob(987654, sha256("x"), 1, nullptr).error().code, ErrorCode::NotFound);
  EXPECT_FALSE(store_->known_blob(sha256("x"))->has_value());

  auto un = store_->unlink_blob(repo_.id, d);
  ASSERT_TRUE(un.ok());
  EXPECT_TRUE(*un);
  EXPECT_FALSE(*store_->unlink_blob(repo_.id, d));
  EXPECT_FALSE(store_->repository_blob(repo_.id, d)->has_value());
  EXPECT_TRUE(store_->known_blob(d)->has_value()) << "still linked from library/other";
  EXPECT_TRUE(*store_->unlink_blob(other->id, d));
  EXPECT_FALSE(store_->known_blob(d)->has_value());
  EXPECT_EQ(*store_->all_blobs(), std::vector<std::string>{d}) << "the blob row stays until gc";
}

TEST_F(SqliteStoreTest, LinkBlobFileOpFailureRollsBack) {
  std::string d = sha256("doomed");
  int calls = 0;
  auto r = store_->link_blob(repo_.id, d, 6, [&]() -> Result<void> {
    ++calls;
    return core::make_error(ErrorCode::Io, "disk full");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Io);
  EXPECT_EQ(r.error().message, "disk full");
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(store_->repository_blob(repo_.id, d)->has_value());
  EXPECT_FALSE(store_->known_blob(d)->has_value());
  EXPECT_TRUE(store_->all_blobs()->empty());

  // The store is usable afterwards, and a throwing FileOp also rolls back.
  auto thrown = store_->link_blob(repo_.id, d, 6, []() -> Result<void> { throw std::runtime_error("boom"); });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().code, ErrorCode::Internal);
  EXPECT_TRUE(store_->all_blobs()->empty());
  ASSERT_TRUE(store_->link_blob(repo_.id, d, 6, nullptr).ok());
  EXPECT_TRUE(store_->repository_blob(repo_.id, d)->has_value());
}

TEST_F(SqliteStoreTest, FileOpRunsUnderTheDatabaseWriteLock) {
  // Another connection (as another process would) cannot start a write while
  // the FileOp runs, and sees nothing of the uncommitted link.
  auto other = raw(0);
  bool busy = false;
  int visible = -1;
  auto r = store_->link_blob(repo_.id, sha256("locked"), 6, [&]() -> Result<void> {
    try {
      *other << "BEGIN IMMEDIATE";
      *other << "ROLLBACK";
    } catch (const soci::soci_error&) {
      busy = true;
    }
    *other << "SELECT COUNT(*) FROM repository_blobs", soci::into(visible);
    return {};
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(busy);
  EXPECT_EQ(visible, 0);
  *other << "SELECT COUNT(*) FROM repository_blobs", soci::into(visible);
  EXPECT_EQ(visible, 1);
}

// ---------------------------------------------------------------- manifests and tags

TEST_F(SqliteStoreTest, PutManifestChecksBlobsAndStoresIt) {
  std::string config = sha256("config");
  std::string layer = sha256("layer");
  ManifestRecord m = manifest(R"({"schemaVersion":2,"config":1})", {config, layer});
  m.annotations_json = R"({"a":"b"})";

  auto missing = store_->put_manifest(repo_.id, m, std::string("v1"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::ManifestBlobUnknown);
  EXPECT_NE(missing.error().message.find(config), std::string::npos) << missing.error().message;

  link("config");
  missing = store_->put_manifest(repo_.id, m, std::string("v1"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::ManifestBlobUnknown);
  EXPECT_NE(missing.error().message.find(layer), std::string::npos) << missing.error().message;
  EXPECT_FALSE(store_->get_manifest(repo_.id, m.digest, false)->has_value()) << "nothing stored on failure";
  EXPECT_FALSE(store_->resolve_tag(repo_.id, "v1")->has_value());

  link("layer");
  ASSERT_TRUE(store_->put_manifest(repo_.id, m, std::string("v1")).ok());
  auto got = store_->get_manifest(repo_.id, m.digest, true);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_GT((*got)->id, 0);
  EXPECT_EQ((*got)->digest, m.digest);
  EXPECT_EQ((*got)->media_type, m.media_type);
  EXPECT_EQ((*got)->size, static_cast<std::int64_t>(m.content.size()));
  EXPECT_EQ((*got)->content, m.content);
  auto head = store_->get_manifest(repo_.id, m.digest, false);
  ASSERT_TRUE(head.ok() && head->has_value());
  EXPECT_EQ((*head)->id, (*got)->id);
  EXPECT_EQ((*head)->size, (*got)->size);
  EXPECT_TRUE((*head)->content.empty());
  EXPECT_EQ(**store_->resolve_tag(repo_.id, "v1"), m.digest);

  // The repository boundary holds: another repository has neither.
  auto other = store_->ensure_repository(project_.id, "library/other");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(store_->get_manifest(other->id, m.digest, true)->has_value());
  EXPECT_EQ(store_->put_manifest(other->id, m, std::nullopt).error().code, ErrorCode::ManifestBlobUnknown);
  EXPECT_EQ(store_->put_manifest(987654, m, std::nullopt).error().code, ErrorCode::NotFound);
}

TEST_F(SqliteStoreTest, PutManifestIsIdempotentAndMovesTags) {
  std::string l1 = link("l1");
  std::string l2 = link("l2");
  ManifestRecord a = manifest(R"({"a":1})", {l1});
  ManifestRecord b = manifest(R"({"b":2})", {l2});
  ASSERT_TRUE(store_->put_manifest(repo_.id, a, std::string("latest")).ok());
  auto first = store_->get_manifest(repo_.id, a.digest, false);
  ASSERT_TRUE(first.ok() && first->has_value());

  // Same digest again, with a tag: the row is kept, the references rebuilt.
  ManifestRecord a2 = a;
  a2.blob_refs = {l1, l2, l2};
  ASSERT_TRUE(store_->put_manifest(repo_.id, a2, std::string("stable")).ok());
  auto second = store_->get_manifest(repo_.id, a.digest, false);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->id, (*first)->id);
  EXPECT_EQ(*store_->list_tags(repo_.id, "", 100), (std::vector<std::string>{"latest", "stable"}));

  ASSERT_TRUE(store_->put_manifest(repo_.id, b, std::string("latest")).ok());
  EXPECT_EQ(**store_->resolve_tag(repo_.id, "latest"), b.digest);
  EXPECT_EQ(**store_->resolve_tag(repo_.id, "stable"), a.digest);
  EXPECT_FALSE(store_->resolve_tag(repo_.id, "nope")->has_value());

  // Untagged put leaves tags alone.
  ASSERT_TRUE(store_->put_manifest(repo_.id, a, std::nullopt).ok());
  EXPECT_EQ(**store_->resolve_tag(repo_.id, "latest"), b.digest);

  ManifestRecord bad = a;
  bad.content += " ";
  EXPECT_EQ(store_->put_manifest(repo_.id, bad, std::nullopt).error().code, ErrorCode::DigestInvalid);
  bad = a;
  bad.digest = "sha256:nothex";
  EXPECT_EQ(store_->put_manifest(repo_.id, bad, std::nullopt).error().code, ErrorCode::DigestInvalid);
}

TEST_F(SqliteStoreTest, IndexRequiresChildManifests) {
  std::string l = link("layer");
  ManifestRecord child = manifest(R"({"child":1})", {l});
  ManifestRecord index = manifest(R"({"manifests":["child"]})", {}, {child.digest});
  index.media_type = "application/vnd.oci.image.index.v1+json";
  auto r = store_->put_manifest(repo_.id, index, std::string("multi"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::ManifestBlobUnknown);
  EXPECT_NE(r.error().message.find(child.digest), std::string::npos);
  ASSERT_TRUE(store_->put_manifest(repo_.id, child, std::nullopt).ok());
  ASSERT_TRUE(store_->put_manifest(repo_.id, index, std::string("multi")).ok());
  EXPECT_EQ(**store_->resolve_tag(repo_.id, "multi"), index.digest);
  EXPECT_EQ((*store_->get_manifest(repo_.id, index.digest, false))->media_type, index.media_type);
}

TEST_F(SqliteStoreTest, ManifestBytesAreExact) {
  // One session only, so every read goes through the same cached statement
  // and the same blob buffer, with sizes going up and down.
  store_.reset();
  auto s = open_sqlite(db_, 1);
  ASSERT_TRUE(s.ok());
  store_ = std::move(*s);

  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::vector<std::string> contents = {
      all_bytes,
      std::string("{\"x\":\"\0\0\0\"}", 12),
      "\xff\xfe\xfd invalid utf-8 \xc3\x28 and a lone \x80",
      big,
      "a",
      std::string("\0", 1),
      "{\"schemaVersion\":2}\r\n\t ",
  };
  for (const auto& c : contents) ASSERT_TRUE(store_->put_manifest(repo_.id, manifest(c), std::nullopt).ok());
  for (int round = 0; round < 2; ++round) {
    for (const auto& c : contents) {
      auto got = store_->get_manifest(repo_.id, sha256(c), true);
      ASSERT_TRUE(got.ok()) << got.error().message;
      ASSERT_TRUE(got->has_value());
      EXPECT_EQ((*got)->size, static_cast<std::int64_t>(c.size()));
      EXPECT_TRUE((*got)->content == c) << "content of " << c.size() << " bytes differs";
      EXPECT_EQ(sha256((*got)->content), sha256(c));
    }
  }
  // Stored as a BLOB, not text.
  auto sql = raw();
  std::string type;
  std::string d = sha256(all_bytes);
  *sql << "SELECT typeof(content) FROM manifests WHERE digest = :d", soci::use(d), soci::into(type);
  EXPECT_EQ(type, "blob");
}

TEST_F(SqliteStoreTest, DeleteManifestRemovesTagsAndReferences) {
  std::string l = link("layer");
  ManifestRecord m = manifest(R"({"m":1})", {l});
  ASSERT_TRUE(store_->put_manifest(repo_.id, m, std::string("one")).ok());
  ASSERT_TRUE(store_->put_manifest(repo_.id, m, std::string("two")).ok());
  EXPECT_TRUE(store_->unreferenced_links(now() + 10)->empty());

  auto del = store_->delete_manifest(repo_.id, m.digest);
  ASSERT_TRUE(del.ok());
  EXPECT_TRUE(*del);
  EXPECT_FALSE(*store_->delete_manifest(repo_.id, m.digest));
  EXPECT_FALSE(store_->get_manifest(repo_.id, m.digest, true)->has_value());
  EXPECT_FALSE(store_->resolve_tag(repo_.id, "one")->has_value());
  EXPECT_TRUE(store_->list_tags(repo_.id, "", 10)->empty());
  auto links = store_->unreferenced_links(now() + 10);
  ASSERT_TRUE(links.ok());
  ASSERT_EQ(links->size(), 1u) << "the layer is unreferenced once its manifest is gone";
  EXPECT_EQ((*links)[0].digest, l);
  auto sql = raw();
  int refs = -1;
  *sql << "SELECT COUNT(*) FROM manifest_references", soci::into(refs);
  EXPECT_EQ(refs, 0);
}

TEST_F(SqliteStoreTest, TagsDeleteAndList) {
  ManifestRecord m = manifest("{}");
  for (const char* t : {"v2", "v10", "latest", "V1", "a_b", "a.b", "a-b"})
    ASSERT_TRUE(store_->put_manifest(repo_.id, m, std::string(t)).ok());
  auto all = store_->list_tags(repo_.id, "", 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<std::string>{"V1", "a-b", "a.b", "a_b", "latest", "v10", "v2"}));
  EXPECT_EQ(*store_->list_tags(repo_.id, "a_b", 2), (std::vector<std::string>{"latest", "v10"}));
  EXPECT_EQ(*store_->list_tags(repo_.id, "v10", -1), (std::vector<std::string>{"v2"}));
  EXPECT_TRUE(store_->list_tags(repo_.id, "v2", 10)->empty());

  auto del = store_->delete_tag(repo_.id, "latest");
  ASSERT_TRUE(del.ok());
  EXPECT_TRUE(*del);
  EXPECT_FALSE(*store_->delete_tag(repo_.id, "latest"));
  EXPECT_FALSE(store_->resolve_tag(repo_.id, "latest")->has_value());
  EXPECT_TRUE(store_->get_manifest(repo_.id, m.digest, false)->has_value()) << "deleting a tag keeps the manifest";

  auto other = store_->ensure_repository(project_.id, "library/other");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(store_->list_tags(other->id, "", 100)->empty());
}

TEST_F(SqliteStoreTest, Referrers) {
  ManifestRecord subject = manifest(R"({"subject":true})");
  ASSERT_TRUE(store_->put_manifest(repo_.id, subject, std::string("v1")).ok());
  std::vector<ManifestRecord> refs;
  for (int i = 0; i < 4; ++i) {
    ManifestRecord r = manifest("{\"ref\":" + std::to_string(i) + "}");
    r.subject = subject.digest;
    r.artifact_type = i % 2 ? "application/vnd.example.sbom" : "application/vnd.example.sig";
    r.annotations_json = "{\"i\":\"" + std::to_string(i) + "\"}";
    refs.push_back(r);
    ASSERT_TRUE(store_->put_manifest(repo_.id, r, std::nullopt).ok());
  }
  ASSERT_TRUE(store_->put_manifest(repo_.id, manifest(R"({"unrelated":1})"), std::nullopt).ok());

  auto all = store_->referrers(repo_.id, subject.digest, "");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end(),
                             [](const Referrer& a, const Referrer& b) { return a.digest < b.digest; }));
  for (const auto& r : *all) {
    auto it = std::find_if(refs.begin(), refs.end(), [&](const ManifestRecord& m) { return m.digest == r.digest; });
    ASSERT_NE(it, refs.end());
    EXPECT_EQ(r.media_type, it->media_type);
    EXPECT_EQ(r.artifact_type, it->artifact_type);
    EXPECT_EQ(r.size, static_cast<std::int64_t>(it->content.size()));
    EXPECT_EQ(r.annotations_json, it->annotations_json);
  }
  auto sboms = store_->referrers(repo_.id, subject.digest, "application/vnd.example.sbom");
  ASSERT_TRUE(sboms.ok());
  ASSERT_EQ(sboms->size(), 2u);
  for (const auto& r : *sboms) EXPECT_EQ(r.artifact_type, "application/vnd.example.sbom");
  EXPECT_TRUE(store_->referrers(repo_.id, sha256("nothing"), "")->empty());
  EXPECT_TRUE(store_->referrers(repo_.id, subject.digest, "application/none")->empty());
}

// ---------------------------------------------------------------- uploads

TEST_F(SqliteStoreTest, Uploads) {
  ASSERT_TRUE(store_->create_upload("u1", repo_.id).ok());
  EXPECT_EQ(store_->create_upload("u1", repo_.id).error().code, ErrorCode::Conflict);
  EXPECT_EQ(store_->create_upload("u2", 987654).error().code, ErrorCode::NotFound);

  auto u = store_->find_upload("u1");
  ASSERT_TRUE(u.ok() && u->has_value());
  EXPECT_EQ((*u)->id, "u1");
  EXPECT_EQ((*u)->repository_id, repo_.id);
  EXPECT_LE(std::abs((*u)->created_at - now()), 5);
  EXPECT_EQ((*u)->updated_at, (*u)->created_at);
  EXPECT_FALSE(store_->find_upload("u2")->has_value());

  // Age the upload, then touch it back to now.
  {
    auto sql = raw();
    *sql << "UPDATE uploads SET created_at = 100, updated_at = 100 WHERE id = 'u1'";
  }
  auto stale = store_->stale_uploads(1000);
  ASSERT_TRUE(stale.ok());
  ASSERT_EQ(stale->size(), 1u);
  EXPECT_EQ((*stale)[0].id, "u1");
  EXPECT_TRUE(store_->stale_uploads(100)->empty()) << "strictly before";
  ASSERT_TRUE(store_->touch_upload("u1").ok());
  EXPECT_TRUE(store_->stale_uploads(1000)->empty());
  EXPECT_GE((*store_->find_upload("u1"))->updated_at, now() - 5);
  EXPECT_EQ((*store_->find_upload("u1"))->created_at, 100);
  EXPECT_EQ(store_->touch_upload("nope").error().code, ErrorCode::NotFound);

  auto del = store_->delete_upload("u1");
  ASSERT_TRUE(del.ok());
  EXPECT_TRUE(*del);
  EXPECT_FALSE(*store_->delete_upload("u1"));
  EXPECT_FALSE(store_->find_upload("u1")->has_value());
}

// ---------------------------------------------------------------- principals

TEST_F(SqliteStoreTest, Users) {
  EXPECT_EQ(*store_->count_users(), 0);
  EXPECT_FALSE(store_->find_user("admin")->has_value());
  User u;
  u.name = "admin";
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  u.is_admin = true;
  u.can_create_projects = true;
  auto created = store_->create_user(u);
  ASSERT_TRUE(created.ok());
  EXPECT_GT(created->id, 0);
  User dev;
  dev.name = "dev";
  dev.password_hash = "x";
  ASSERT_TRUE(store_->create_user(dev).ok());
  EXPECT_EQ(store_->create_user(u).error().code, ErrorCode::Conflict);
  EXPECT_EQ(*store_->count_users(), 2);

  auto found = store_->find_user("admin");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, created->id);
  EXPECT_EQ((*found)->password_hash, u.password_hash);
  EXPECT_TRUE((*found)->is_admin);
  EXPECT_TRUE((*found)->can_create_projects);
  auto d = store_->find_user("dev");
  ASSERT_TRUE(d.ok() && d->has_value());
  EXPECT_FALSE((*d)->is_admin);
  EXPECT_FALSE((*d)->can_create_projects);
  EXPECT_FALSE(store_->find_user("Admin")->has_value()) << "names are case-sensitive";
}

// ---------------------------------------------------------------- garbage collection

TEST_F(SqliteStoreTest, UnreferencedLinks) {
  std::string used = link("used");
  std::string loose = link("loose");
  ManifestRecord m = manifest(R"({"gc":1})", {used});
  ASSERT_TRUE(store_->put_manifest(repo_.id, m, std::string("t")).ok());
  // A link under the manifest's own digest counts as referenced.
  ASSERT_TRUE(store_->link_blob(repo_.id, m.digest, static_cast<std::int64_t>(m.content.size()), nullptr).ok());
  auto other = store_->ensure_repository(project_.id, "library/other");
  ASSERT_TRUE(other.ok());
  link("used", other->id);  // referenced in library/app, not in library/other

  auto links = store_->unreferenced_links(now() + 10);
  ASSERT_TRUE(links.ok());
  std::set<std::pair<std::int64_t, std::string>> got;
  for (const auto& l : *links) got.insert({l.repository_id, l.digest});
  std::set<std::pair<std::int64_t, std::string>> want = {{repo_.id, loose}, {other->id, used}};
  EXPECT_EQ(got, want);
  EXPECT_TRUE(store_->unreferenced_links(now() - 10)->empty()) << "links newer than `before` are left alone";

  // The conditional unlink re-checks inside its transaction.
  EXPECT_FALSE(*store_->unlink_blob_if_unreferenced(repo_.id, used, now() + 10)) << "referenced";
  EXPECT_FALSE(*store_->unlink_blob_if_unreferenced(repo_.id, loose, now() - 10)) << "too new";
  EXPECT_TRUE(*store_->unlink_blob_if_unreferenced(repo_.id, loose, now() + 10));
  EXPECT_FALSE(store_->repository_blob(repo_.id, loose)->has_value());
  EXPECT_TRUE(store_->repository_blob(repo_.id, used)->has_value());
}

TEST_F(SqliteStoreTest, DeleteBlobIfUnreferencedRespectsLinksAndTime) {
  std::string d = link("blob");
  int removed = 0;
  auto r = store_->delete_blob_if_unreferenced(d, now() + 10, ok_op(&removed));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r) << "still linked";
  EXPECT_EQ(removed, 0);

  ASSERT_TRUE(*store_->unlink_blob(repo_.id, d));
  r = store_->delete_blob_if_unreferenced(d, now() - 10, ok_op(&removed));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r) << "linked too recently";
  EXPECT_EQ(removed, 0);

  // A failing remove keeps the row.
  r = store_->delete_blob_if_unreferenced(d, now() + 10,
                                          []() -> Result<void> { return core::make_error(ErrorCode::Io, "EIO"); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Io);
  EXPECT_EQ(*store_->all_blobs(), std::vector<std::string>{d});

  r = store_->delete_blob_if_unreferenced(d, now() + 10, ok_op(&removed));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_EQ(removed, 1);
  EXPECT_TRUE(store_->all_blobs()->empty());
  r = store_->delete_blob_if_unreferenced(d, now() + 10, ok_op(&removed));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r) << "already gone";
  EXPECT_EQ(removed, 1);

  // Relinking after deletion records the blob afresh.
  link("blob");
  EXPECT_EQ(*store_->all_blobs(), std::vector<std::string>{d});
}

TEST_F(SqliteStoreTest, AllBlobsSorted) {
  std::vector<std::string> ds;
  for (const char* c : {"c", "a", "b", "d"}) ds.push_back(link(c));
  std::sort(ds.begin(), ds.end());
  EXPECT_EQ(*store_->all_blobs(), ds);
}

// ---------------------------------------------------------------- inline blobs

TEST_F(SqliteStoreTest, InlineBlobStoredLinkedAndRead) {
  static constexpr char kRaw[] = "config \0 with a NUL and \xff bytes";
  const std::string content(kRaw, sizeof kRaw - 1);
  const std::string d = sha256(content);
  EXPECT_FALSE(store_->inline_blob(d)->has_value());

  ASSERT_TRUE(store_->link_inline_blob(repo_.id, d, content).ok());
  auto rb = store_->repository_blob(repo_.id, d);
  ASSERT_TRUE(rb.ok() && rb->has_value());
  EXPECT_EQ((*rb)->size, static_cast<std::int64_t>(content.size()));
  EXPECT_TRUE((*rb)->stored_inline);
  auto bytes = store_->inline_blob(d);
  ASSERT_TRUE(bytes.ok() && bytes->has_value());
  EXPECT_EQ(**bytes, content) << "bytes are exact";
  EXPECT_EQ(**store_->known_blob(d), static_cast<std::int64_t>(content.size()));

  // Linking again, from another repository, inline or as a file: one copy.
  auto other = store_->ensure_repository(project_.id, "library/other");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(store_->link_inline_blob(other->id, d, content).ok());
  int placed = 0;
  ASSERT_TRUE(store_->link_blob(repo_.id, d, static_cast<std::int64_t>(content.size()), ok_op(&placed)).ok());
  EXPECT_EQ(placed, 0) << "no file is placed for a blob held inline";
  EXPECT_TRUE((*store_->repository_blob(other->id, d))->stored_inline);
  EXPECT_EQ(store_->link_inline_blob(repo_.id, d, content + "x").error().code, ErrorCode::SizeInvalid);
  EXPECT_EQ(store_->link_inline_blob(987654, sha256("y"), "y").error().code, ErrorCode::NotFound);
  EXPECT_FALSE(store_->inline_blob(sha256("y"))->has_value()) << "a failed link stores nothing";

  // The empty blob.
  const std::string empty_d = sha256("");
  ASSERT_TRUE(store_->link_inline_blob(repo_.id, empty_d, "").ok());
  auto empty = store_->inline_blob(empty_d);
  ASSERT_TRUE(empty.ok() && empty->has_value());
  EXPECT_EQ(**empty, "");
  EXPECT_TRUE((*store_->repository_blob(repo_.id, empty_d))->stored_inline);

  // Too large for inline storage.
  std::string big(static_cast<std::size_t>(kInlineBlobMaxBytes) + 1, 'b');
  EXPECT_EQ(store_->link_inline_blob(repo_.id, sha256(big), big).error().code, ErrorCode::InvalidArgument);
  std::string max(static_cast<std::size_t>(kInlineBlobMaxBytes), 'm');
  ASSERT_TRUE(store_->link_inline_blob(repo_.id, sha256(max), max).ok());
  EXPECT_EQ(**store_->inline_blob(sha256(max)), max);
}

TEST_F(SqliteStoreTest, BlobStoredAsFileStaysAFile) {
  const std::string content = "layer as a file";
  const std::string d = link(content);
  ASSERT_TRUE(store_->link_inline_blob(repo_.id, d, content).ok());
  EXPECT_FALSE((*store_->repository_blob(repo_.id, d))->stored_inline);
  EXPECT_FALSE(store_->inline_blob(d)->has_value()) << "not duplicated into the database";
}

TEST_F(SqliteStoreTest, InlineBlobCollectedLikeAFile) {
  const std::string content = "small layer";
  const std::string d = sha256(content);
  ASSERT_TRUE(store_->link_inline_blob(repo_.id, d, content).ok());
  int removed = 0;
  auto r = store_->delete_blob_if_unreferenced(d, now() + 10, ok_op(&removed));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(*r) << "still linked";
  EXPECT_TRUE(store_->inline_blob(d)->has_value());

  ASSERT_TRUE(*store_->unlink_blob(repo_.id, d));
  r = store_->delete_blob_if_unreferenced(d, now() - 10, ok_op(&removed));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r) << "linked too recently";
  EXPECT_TRUE(store_->inline_blob(d)->has_value());

  r = store_->delete_blob_if_unreferenced(d, now() + 10, ok_op(&removed));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(*r);
  EXPECT_EQ(removed, 1) << "the file operation still runs (removing no file is a no-op)";
  EXPECT_FALSE(store_->inline_blob(d)->has_value());
  EXPECT_TRUE(store_->all_blobs()->empty());
  auto sql = raw();
  int rows = -1;
  *sql << "SELECT COUNT(*) FROM blob_contents", soci::into(rows);
  EXPECT_EQ(rows, 0);

  // Pushed again after collection: stored afresh, as a file this time.
  int placed = 0;
  ASSERT_TRUE(store_->link_blob(repo_.id, d, static_cast<std::int64_t>(content.size()), ok_op(&placed)).ok());
  EXPECT_EQ(placed, 1);
  EXPECT_FALSE((*store_->repository_blob(repo_.id, d))->stored_inline);
}

TEST_F(SqliteStoreTest, InlineBlobSurvivesReopen) {
  const std::string content = "durable config";
  const std::string d = sha256(content);
  ASSERT_TRUE(store_->link_inline_blob(repo_.id, d, content).ok());
  store_.reset();
  auto again = open_sqlite(db_, 2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(**(*again)->inline_blob(d), content);
}

// A database written by a build that knew only migration 1 is upgraded in
// place: its blobs stay files, and small blobs can be stored inline after.
TEST(SqliteMigration, UpgradesAVersionOneDatabase) {
  TempDir dir;
  const std::string db = dir.path() + "/v1.db";
  const std::string file_blob = sha256("an old layer");
  {
    soci::session sql(*soci::factory_sqlite3(), "db=\"" + db + "\"");
    sql << std::string(kCreateMigrationsTable);
    const auto& m1 = sqlite_migrations().front();
    ASSERT_EQ(m1.version, 1);
    for (auto stmt : m1.statements) sql << std::string(stmt);
    sql << "INSERT INTO schema_migrations(version, applied_at) VALUES(1, 0)";
    sql << "INSERT INTO projects(id, name, is_public, created_at) VALUES(1, 'library', 1, 0)";
    sql << "INSERT INTO repositories(id, project_id, name, created_at) VALUES(1, 1, 'library/old', 0)";
    sql << "INSERT INTO blobs(digest, size, created_at, last_linked_at) VALUES(:d, 12, 0, 0)", soci::use(file_blob);
    sql << "INSERT INTO repository_blobs(repository_id, digest, created_at) VALUES(1, :d, 0)", soci::use(file_blob);
  }
  auto s = open_sqlite(db, 2);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto& store = **s;
  {
    soci::session sql(*soci::factory_sqlite3(), "db=\"" + db + "\"");
    int max = 0;
    sql << "SELECT MAX(version) FROM schema_migrations", soci::into(max);
    EXPECT_EQ(max, sqlite_migrations().back().version);
    EXPECT_GE(max, 2);
  }
  auto old = store.repository_blob(1, file_blob);
  ASSERT_TRUE(old.ok() && old->has_value()) << "data survives the upgrade";
  EXPECT_EQ((*old)->size, 12);
  EXPECT_FALSE((*old)->stored_inline);

  const std::string content = "new config";
  ASSERT_TRUE(store.link_inline_blob(1, sha256(content), content).ok());
  EXPECT_EQ(**store.inline_blob(sha256(content)), content);
  EXPECT_TRUE((*store.repository_blob(1, sha256(content)))->stored_inline);
}

// ---------------------------------------------------------------- concurrency

TEST_F(SqliteStoreTest, TagMovedFromEightThreadsEndsConsistent) {
  constexpr int kThreads = 8, kRounds = 25;
  std::vector<ManifestRecord> ms;
  std::set<std::string> digests;
  for (int i = 0; i < kThreads; ++i) {
    ms.push_back(manifest("{\"thread\":" + std::to_string(i) + "}"));
    digests.insert(ms.back().digest);
  }
  std::atomic<int> failures{0}, bad_reads{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < kRounds; ++k)
        if (!store_->put_manifest(repo_.id, ms[i], std::string("latest")).ok()) ++failures;
    });
  }
  // A reader that must only ever see a whole answer.
  std::thread reader([&] {
    while (!done) {
      auto r = store_->resolve_tag(repo_.id, "latest");
      if (!r.ok() || (r->has_value() && !digests.count(**r))) ++bad_reads;
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(bad_reads, 0);
  auto final_digest = store_->resolve_tag(repo_.id, "latest");
  ASSERT_TRUE(final_digest.ok() && final_digest->has_value());
  EXPECT_TRUE(digests.count(**final_digest));
  EXPECT_EQ(*store_->list_tags(repo_.id, "", 100), std::vector<std::string>{"latest"});
  auto sql = raw();
  int tags = 0, manifests = 0;
  *sql << "SELECT COUNT(*) FROM tags", soci::into(tags);
  *sql << "SELECT COUNT(*) FROM manifests", soci::into(manifests);
  EXPECT_EQ(tags, 1);
  EXPECT_EQ(manifests, kThreads);
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileSerialiseWrites) {
  // Two MetaStore objects stand in for two processes: no shared mutex, only
  // SQLite's write lock (BEGIN IMMEDIATE, busy wait and retry).
  auto second = open_sqlite(db_, 2);
  ASSERT_TRUE(second.ok()) << second.error().message;
  MetaStore* stores[2] = {store_.get(), second->get()};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      MetaStore* s = stores[i % 2];
      for (int k = 0; k < 20; ++k) {
        std::string content = "{\"t\":" + std::to_string(i) + ",\"k\":" + std::to_string(k) + "}";
        std::string d = sha256(content);
        if (!s->link_blob(repo_.id, d, static_cast<std::int64_t>(content.size()), nullptr).ok()) ++failures;
        if (!s->put_manifest(repo_.id, manifest(content, {d}), std::string("shared")).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(store_->all_blobs()->size(), 80u);
  auto a = store_->resolve_tag(repo_.id, "shared");
  auto b = (*second)->resolve_tag(repo_.id, "shared");
  ASSERT_TRUE(a.ok() && b.ok() && a->has_value());
  EXPECT_EQ(**a, **b);
}

TEST_F(SqliteStoreTest, CachedLookupsDoNotPinOldSnapshots) {
  // With one session, a cached lookup that returned a row must not leave a
  // read transaction open: later reads on that session see later commits.
  store_.reset();
  auto s = open_sqlite(db_, 1);
  ASSERT_TRUE(s.ok());
  store_ = std::move(*s);
  auto writer = open_sqlite(db_, 1);
  ASSERT_TRUE(writer.ok());

  ASSERT_TRUE(store_->find_project("library")->has_value());      // cached statement, one row
  ASSERT_TRUE(store_->find_repository("library/app")->has_value());  // another one
  ManifestRecord m = manifest("{\"snap\":1}");
  ASSERT_TRUE(store_->put_manifest(repo_.id, m, std::string("snap")).ok());
  ASSERT_TRUE(store_->resolve_tag(repo_.id, "snap")->has_value());

  User u;
  u.name = "later";
  u.password_hash = "h";
  ASSERT_TRUE((*writer)->create_user(u).ok());
  ASSERT_TRUE((*writer)->delete_tag(repo_.id, "snap").ok());
  EXPECT_TRUE(store_->find_user("later")->has_value());
  EXPECT_EQ(*store_->count_users(), 1);
  EXPECT_FALSE(store_->resolve_tag(repo_.id, "snap")->has_value());
}

}  // namespace
}  // namespace portcullis::meta
