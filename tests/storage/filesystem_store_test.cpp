#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "support/temp_dir.h"
#include "core/digest.h"
#include "storage/blob_store.h"

namespace portcullis::storage {
namespace {

namespace fs = std::filesystem;
using core::Digest;
using core::DigestAlgorithm;
using core::ErrorCode;

using portcullis::testing::TempDir;

std::string read_all(BlobReader& r) {
  std::string out;
  char buf[4096];
  std::uint64_t off = 0;
  for (;;) {
    auto n = r.read(off, buf, sizeof buf);
    EXPECT_TRUE(n.ok());
    if (!n.ok() || *n == 0) break;
    out.append(buf, *n);
    off += *n;
  }
  return out;
}

std::size_t count_files(const fs::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file()) ++n;
  return n;
}

class FilesystemStoreTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::unique_ptr<BlobStore> store_ = make_filesystem_store(dir_.path());
  fs::path root() const { return dir_.path(); }
};

TEST_F(FilesystemStoreTest, UploadSealPlaceRoundTrip) {
  std::string content;
  for (int i = 0; i < 100000; ++i) content.push_back(static_cast<char>(i * 31 + 7));
  Digest d = Digest::of(DigestAlgorithm::Sha256, content);

  auto up = store_->create_upload("upload-1");
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ((*up)->id(), "upload-1");
  // Odd-sized chunks, including an empty one.
  std::size_t off = 0;
  for (std::size_t chunk : {1u, 0u, 4095u, 65536u}) {
    ASSERT_TRUE((*up)->append(content.data() + off, chunk).ok());
    off += chunk;
  }
  ASSERT_TRUE((*up)->append(content.data() + off, content.size() - off).ok());
  EXPECT_EQ((*up)->size(), content.size());
  EXPECT_EQ((*up)->sha256(), d);

  EXPECT_EQ(store_->stat(d).error().code, ErrorCode::NotFound);
  auto info = store_->seal_upload(**up, d);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size, content.size());
  EXPECT_EQ(store_->stat(d).error().code, ErrorCode::NotFound) << "sealed but not placed must stay invisible";
  ASSERT_TRUE(store_->place(std::move(*up), d).ok());

  auto st = store_->stat(d);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size, content.size());
  EXPECT_GT(st->modified, 0);
  EXPECT_TRUE(fs::is_regular_file(root() / "blobs/sha256" / d.hex().substr(0, 2) / d.hex()));
  EXPECT_EQ(count_files(root() / "uploads"), 0u);

  auto reader = store_->open(d);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), content.size());
  EXPECT_GE((*reader)->fd(), 0);
  EXPECT_EQ(read_all(**reader), content);
  char buf[10];
  auto n = (*reader)->read(content.size() - 3, buf, sizeof buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(std::string(buf, 3), content.substr(content.size() - 3));
  n = (*reader)->read(content.size() + 100, buf, sizeof buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);

  std::map<std::string, std::uint64_t> seen;
  ASSERT_TRUE(store_->walk_blobs([&](const Digest& dg, const BlobInfo& bi) { seen[dg.str()] = bi.size; }).ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[d.str()], content.size());
}

TEST_F(FilesystemStoreTest, LargeUploadCrossesWritebackThreshold) {
  // More than the 32 MiB writeback interval, in 1 MiB + 1 chunks.
  std::string chunk((1 << 20) + 1, '\0');
  for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(i ^ (i >> 8));
  core::Hasher h;
  auto up = store_->create_upload("big");
  ASSERT_TRUE(up.ok());
  for (int i = 0; i < 34; ++i) {
    chunk[0] = static_cast<char>(i);
    h.update(chunk);
    ASSERT_TRUE((*up)->append(chunk.data(), chunk.size()).ok());
  }
  Digest d = h.digest();
  EXPECT_EQ((*up)->sha256(), d);
  ASSERT_TRUE(store_->seal_upload(**up, d).ok());
  ASSERT_TRUE(store_->place(std::move(*up), d).ok());
  auto st = store_->stat(d);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size, 34u * chunk.size());
}

TEST_F(FilesystemStoreTest, DigestMismatchLeavesNothingVisible) {
  auto up = store_->create_upload("u");
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE((*up)->append("hello", 5).ok());
  Digest wrong = Digest::of(DigestAlgorithm::Sha256, "hellO");
  auto sealed = store_->seal_upload(**up, wrong);
  ASSERT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.error().code, ErrorCode::DigestInvalid);
  // Placing an upload that was not sealed as that digest is refused.
  EXPECT_EQ(store_->place(std::move(*up), wrong).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(store_->stat(wrong).error().code, ErrorCode::NotFound);
  EXPECT_EQ(count_files(root() / "blobs"), 0u);
  int blobs = 0;
  ASSERT_TRUE(store_->walk_blobs([&](const Digest&, const BlobInfo&) { ++blobs; }).ok());
  EXPECT_EQ(blobs, 0);
  // The upload is left as it was.
  auto again = store_->resume_upload("u");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->size(), 5u);
  EXPECT_EQ((*again)->sha256(), Digest::of(DigestAlgorithm::Sha256, "hello"));
}

TEST_F(FilesystemStoreTest, AppendAfterSealRequiresNewSeal) {
  auto up = store_->create_upload("u");
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE((*up)->append("ab", 2).ok());
  Digest d = Digest::of(DigestAlgorithm::Sha256, "ab");
  ASSERT_TRUE(store_->seal_upload(**up, d).ok());
  ASSERT_TRUE((*up)->append("c", 1).ok());
  EXPECT_EQ(store_->place(std::move(*up), d).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(store_->stat(d).error().code, ErrorCode::NotFound);
}

TEST_F(FilesystemStoreTest, ResumeRehashesExistingBytes) {
  {
    auto up = store_->create_upload("resumable");
    ASSERT_TRUE(up.ok());
    ASSERT_TRUE((*up)->append("abc", 3).ok());
  }
  // A different store object, as after a restart.
  auto store2 = make_filesystem_store(dir_.path());
  auto up = store2->resume_upload("resumable");
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ((*up)->size(), 3u);
  EXPECT_EQ((*up)->sha256(), Digest::of(DigestAlgorithm::Sha256, "abc"));
  ASSERT_TRUE((*up)->append("def", 3).ok());
  Digest d = Digest::of(DigestAlgorithm::Sha256, "abcdef");
  EXPECT_EQ((*up)->sha256(), d);
  ASSERT_TRUE(store2->seal_upload(**up, d).ok());
  ASSERT_TRUE(store2->place(std::move(*up), d).ok());
  auto r = store_->open(d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(read_all(**r), "abcdef");

  EXPECT_EQ(store_->resume_upload("missing").error().code, ErrorCode::NotFound);
}

TEST_F(FilesystemStoreTest, Sha512VerifiedByRereading) {
  std::string content(300000, 'x');
  content[12345] = '\0';
  Digest d512 = Digest::of(DigestAlgorithm::Sha512, content);
  auto up = store_->create_upload("s512");
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE((*up)->append(content.data(), content.size()).ok());
  Digest wrong = Digest::of(DigestAlgorithm::Sha512, content + "y");
  EXPECT_EQ(store_->seal_upload(**up, wrong).error().code, ErrorCode::DigestInvalid);
  auto info = store_->seal_upload(**up, d512);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size, content.size());
  ASSERT_TRUE(store_->place(std::move(*up), d512).ok());
  EXPECT_TRUE(fs::is_regular_file(root() / "blobs/sha512" / d512.hex().substr(0, 2) / d512.hex()));
  auto r = store_->open(d512);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(read_all(**r), content);
  std::vector<std::string> seen;
  ASSERT_TRUE(store_->walk_blobs([&](const Digest& d, const BlobInfo&) { seen.push_back(d.str()); }).ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], d512.str());
}

TEST_F(FilesystemStoreTest, PathTraversalIdsRefused) {
  fs::create_directories(root() / "victim");
  std::vector<std::string> bad = {"",       "..",          "../x",     "a/b",         "/etc/passwd", "..%2f",
                                  "a b",    std::string("a\0b", 3), "uploads/../../victim/f", ".hidden",
                                  "x\n",    std::string(129, 'a')};
  for (const auto& id : bad) {
    auto c = store_->create_upload(id);
    ASSERT_FALSE(c.ok()) << id;
    EXPECT_EQ(c.error().code, ErrorCode::InvalidArgument) << id;
    EXPECT_EQ(store_->resume_upload(id).error().code, ErrorCode::InvalidArgument) << id;
    EXPECT_EQ(store_->remove_upload(id).error().code, ErrorCode::InvalidArgument) << id;
  }
  EXPECT_EQ(count_files(root()), 0u);
  // The longest valid id and every allowed character class work.
  EXPECT_TRUE(store_->create_upload(std::string(128, 'a')).ok());
  EXPECT_TRUE(store_->create_upload("AZaz09_-").ok());
}

TEST_F(FilesystemStoreTest, CreateExistingUploadIsConflict) {
  ASSERT_TRUE(store_->create_upload("dup").ok());
  auto again = store_->create_upload("dup");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::Conflict);
}

TEST_F(FilesystemStoreTest, PlaceOverExistingBlobDiscardsUpload) {
  Digest d = Digest::of(DigestAlgorithm::Sha256, "same");
  for (const char* id : {"first", "second"}) {
    auto up = store_->create_upload(id);
    ASSERT_TRUE(up.ok());
    ASSERT_TRUE((*up)->append("same", 4).ok());
    ASSERT_TRUE(store_->seal_upload(**up, d).ok());
    ASSERT_TRUE(store_->place(std::move(*up), d).ok()) << id;
  }
  EXPECT_EQ(count_files(root() / "uploads"), 0u);
  EXPECT_EQ(count_files(root() / "blobs"), 1u);
  auto r = store_->open(d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(read_all(**r), "same");
}

TEST_F(FilesystemStoreTest, RemoveBlobAndUpload) {
  Digest d = Digest::of(DigestAlgorithm::Sha256, "gone");
  auto up = store_->create_upload("r");
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE((*up)->append("gone", 4).ok());
  ASSERT_TRUE(store_->seal_upload(**up, d).ok());
  ASSERT_TRUE(store_->place(std::move(*up), d).ok());
  ASSERT_TRUE(store_->stat(d).ok());
  ASSERT_TRUE(store_->remove(d).ok());
  EXPECT_EQ(store_->stat(d).error().code, ErrorCode::NotFound);
  EXPECT_EQ(store_->open(d).error().code, ErrorCode::NotFound);
  EXPECT_TRUE(store_->remove(d).ok()) << "removing an absent blob is not an error";

  ASSERT_TRUE(store_->create_upload("u2").ok());
  EXPECT_TRUE(fs::exists(root() / "uploads/u2"));
  ASSERT_TRUE(store_->remove_upload("u2").ok());
  EXPECT_FALSE(fs::exists(root() / "uploads/u2"));
  EXPECT_TRUE(store_->remove_upload("u2").ok());
}

TEST_F(FilesystemStoreTest, WalksSkipGarbage) {
  Digest d = Digest::of(DigestAlgorithm::Sha256, "real");
  auto up = store_->create_upload("real-upload");
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE((*up)->append("real", 4).ok());
  ASSERT_TRUE(store_->seal_upload(**up, d).ok());
  ASSERT_TRUE(store_->place(std::move(*up), d).ok());
  ASSERT_TRUE(store_->create_upload("pending")->get()->append("12345", 5).ok());

  auto touch = [](const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "junk";
  };
  std::string other_hex(64, 'a');
  touch(root() / "blobs/sha256/zz" / std::string(64, 'z'));         // prefix not hex
  touch(root() / "blobs/sha256/ab/not-a-digest");                   // name not hex
  touch(root() / "blobs/sha256/ab" / other_hex);                    // prefix does not match the name
  touch(root() / "blobs/sha256/ab" / std::string(63, 'a'));         // wrong length
  touch(root() / "blobs/sha256" / d.hex().substr(0, 2) / "tmp.123");  // leftover next to a real blob
  touch(root() / "blobs/md5/ab" / std::string(32, 'a'));            // unknown algorithm
  fs::create_directories(root() / "blobs/sha256/aa" / other_hex);   // a directory, not a file
  touch(root() / "uploads/.tmp");                                  // not a valid id
  touch(root() / "uploads/with space");
  fs::create_directories(root() / "uploads/adir");                 // valid name, but a directory

  std::vector<std::string> blobs;
  ASSERT_TRUE(store_->walk_blobs([&](const Digest& dg, const BlobInfo&) { blobs.push_back(dg.str()); }).ok());
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0], d.str());

  std::map<std::string, std::uint64_t> uploads;
  ASSERT_TRUE(store_->walk_uploads([&](const std::string& id, const BlobInfo& bi) { uploads[id] = bi.size; }).ok());
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads["pending"], 5u);
}

TEST(FilesystemStoreEmpty, WalksOfAMissingRootAreEmpty) {
  TempDir dir;
  // A root whose parent is a regular file cannot be created: walks still
  // succeed (nothing stored), writes fail with an error rather than a crash.
  std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  auto store = make_filesystem_store(file + "/root");
  int n = 0;
  EXPECT_TRUE(store->walk_blobs([&](const Digest&, const BlobInfo&) { ++n; }).ok());
  EXPECT_TRUE(store->walk_uploads([&](const std::string&, const BlobInfo&) { ++n; }).ok());
  EXPECT_EQ(n, 0);
  auto up = store->create_upload("x");
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error().code, core::ErrorCode::Io);
}

}  // namespace
}  // namespace portcullis::storage
