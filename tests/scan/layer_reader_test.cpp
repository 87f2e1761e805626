// The layer reader on real tar streams written by libarchive: compression
// detection, whiteouts, unsafe paths, limits, diffID checks, corrupt input.
#include "scan/layer_reader.h"

#include <gtest/gtest.h>

#include "core/digest.h"
#include "scan/inventory.h"
#include "layer_test_support.h"

namespace portcullis::scan {
namespace {

using testing::Filter;
using testing::TarEntry;
using testing::make_tar;

std::string sha256(const std::string& s) { return core::Digest::of(core::DigestAlgorithm::Sha256, s).str(); }

const std::vector<TarEntry> kLayer = {
    {"etc/", "", TarEntry::dir},
    {"etc/app.pkg", "alpha 1.0\nbeta 2.0\n"},
    {"usr/bin/tool", std::string(300000, 'x')},
    {"opt/other.txt", "not wanted"},
};

TEST(LayerReader, ReadsUncompressedGzipAndZstdLayersAlike) {
  auto analyzers = testing::pkg_analyzers();
  std::string tar = make_tar(kLayer);
  for (Filter f : {Filter::none, Filter::gzip, Filter::zstd}) {
    std::string blob = make_tar(kLayer, f);
    auto r = read_layer(testing::reader_of(blob), sha256(tar), analyzers, ScanLimits{});
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->files.size(), 1u);
    EXPECT_EQ(r->files[0].path, "etc/app.pkg");
    ASSERT_EQ(r->files[0].packages.size(), 2u);
    EXPECT_EQ(r->files[0].packages[1].name, "beta");
    EXPECT_EQ(r->diff_id, sha256(tar));
    EXPECT_EQ(r->bytes, tar.size());
    EXPECT_EQ(r->entries, 4u);
  }
}

TEST(LayerReader, MultiMemberGzipIsOneStream) {
  // pigz and concatenated gzip files: every member counts.
  std::string tar = make_tar(kLayer);
  std::string half1 = tar.substr(0, 5000), half2 = tar.substr(5000);
  auto gz = [](const std::string& data) {
    archive* a = archive_write_new();
    archive_write_set_format_raw(a);
    archive_write_add_filter_gzip(a);
    std::vector<char> buf(4 << 20);
    size_t used = 0;
    archive_write_open_memory(a, buf.data(), buf.size(), &used);
    archive_entry* e = archive_entry_new();
    archive_entry_set_filetype(e, AE_IFREG);
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    return std::string(buf.data(), used);
  };
  auto analyzers = testing::pkg_analyzers();
  auto r = read_layer(testing::reader_of(gz(half1) + gz(half2)), sha256(tar), analyzers, ScanLimits{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->files.size(), 1u);
}

TEST(LayerReader, RecordsWhiteoutsAndOpaqueDirectoriesWithoutAnalyzingThem) {
  std::string tar = make_tar({
      {"var/lib/.wh.old.pkg", ""},
      {"opt/app/.wh..wh..opq", ""},
      {".wh.rootfile", ""},
      {"x/.wh..wh.plnk", ""},  // AUFS metadata, not a whiteout
      {"opt/app/new.pkg", "gamma 3\n"},
  });
  auto analyzers = testing::pkg_analyzers();
  auto r = read_layer(testing::reader_of(tar), "", analyzers, ScanLimits{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->whiteouts, (std::vector<std::string>{"var/lib/old.pkg", "rootfile"}));
  EXPECT_EQ(r->opaque_dirs, (std::vector<std::string>{"opt/app"}));
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].path, "opt/app/new.pkg");
}

TEST(LayerReader, SkipsDotDotPathsAndReadsAbsolutePathsFromTheRoot) {
  std::string tar = make_tar({
      {"../../etc/evil.pkg", "evil 1\n"},
      {"a/../../b.pkg", "evil 2\n"},
      {"/etc/abs.pkg", "abs 1\n"},
      {"./etc/./dot.pkg", "dot 1\n"},
  });
  auto analyzers = testing::pkg_analyzers();
  auto r = read_layer(testing::reader_of(tar), "", analyzers, ScanLimits{});
  ASSERT_TRUE(r) << r.error().message;
  std::vector<std::string> paths;
  for (const auto& f : r->files) paths.push_back(f.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"etc/abs.pkg", "etc/dot.pkg"}));
  ASSERT_EQ(r->warnings.size(), 2u);
  EXPECT_NE(r->warnings[0].find("2 entries with \"..\""), std::string::npos) << r->warnings[0];
  EXPECT_NE(r->warnings[1].find("absolute"), std::string::npos);
}

TEST(LayerReader, LinksAreNotFollowedAndHardLinkLoopsCostNothing) {
  std::string tar = make_tar({
      {"etc/real.pkg", "real 1\n"},
      {"etc/link.pkg", "", TarEntry::symlink, "/etc/real.pkg"},
      {"etc/hard.pkg", "", TarEntry::hardlink, "etc/real.pkg"},
      {"loop/a.pkg", "", TarEntry::hardlink, "loop/b.pkg"},
      {"loop/b.pkg", "", TarEntry::hardlink, "loop/a.pkg"},
  });
  auto analyzers = testing::pkg_analyzers();
  auto r = read_layer(testing::reader_of(tar), "", analyzers, ScanLimits{});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].path, "etc/real.pkg");
}

TEST(LayerReader, AWantedFileOverItsLimitIsSkippedWithAWarning) {
  std::string tar = make_tar({{"big.pkg", std::string(5000, 'a')}, {"small.pkg", "s 1\n"}});
  auto analyzers = testing::pkg_analyzers(/*limit=*/4096);
  auto r = read_layer(testing::reader_of(tar), "", analyzers, ScanLimits{});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->files.size(), 2u);
  EXPECT_EQ(r->files[0].path, "big.pkg");
  ASSERT_EQ(r->files[0].warnings.size(), 1u);
  EXPECT_NE(r->files[0].warnings[0].find("over the test-pkg analyzer's limit"), std::string::npos);
  EXPECT_EQ(r->files[1].packages.size(), 1u);
}

TEST(LayerReader, ATenGigabyteSparseEntryIsNeverMaterialised) {
  const long long ten_gb = 10LL << 30;
  std::string tar = make_tar({{"huge.pkg", "x 1\n", TarEntry::file, "", 0644, ten_gb},
                              {"huge.bin", "y", TarEntry::file, "", 0644, ten_gb},
                              {"after.pkg", "after 1\n"}});
  auto analyzers = testing::pkg_analyzers();
  auto r = read_layer(testing::reader_of(tar), "", analyzers, ScanLimits{});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->files.size(), 2u);
  EXPECT_FALSE(r->files[0].warnings.empty());   // huge.pkg: over the limit
  EXPECT_EQ(r->files[1].path, "after.pkg");     // the walk went on past it
  EXPECT_LT(r->bytes, 1u << 20);                // and read only what the tar holds
}

TEST(LayerReader, ADecompressionBombStopsAtTheLayerLimit) {
  std::string tar = make_tar({{"zeros", std::string(20 << 20, '\0')}}, Filter::gzip);
  ASSERT_LT(tar.size(), 200u << 10);  // > 100:1
  ScanLimits limits;
  limits.max_layer_bytes = 8 << 20;
  auto analyzers = testing::pkg_analyzers();
  auto r = read_layer(testing::reader_of(tar), "", analyzers, limits);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("uncompressed layer size limit"), std::string::npos) << r.error().message;
}

TEST(LayerReader, CorruptGzipIsAnError) {
  std::string gz = make_tar(kLayer, Filter::gzip);
  for (std::size_t i = gz.size() / 3; i < gz.size() / 3 + 64; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  auto analyzers = testing::pkg_analyzers();
  auto r = read_layer(testing::reader_of(gz), "", analyzers, ScanLimits{});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("gzip"), std::string::npos) << r.error().message;
}

TEST(LayerReader, TruncatedStreamsAreErrors) {
  auto analyzers = testing::pkg_analyzers();
  std::string tar = make_tar(kLayer);
  auto r = read_layer(testing::reader_of(tar.substr(0, tar.size() / 2)), "", analyzers, ScanLimits{});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("runcated"), std::string::npos) << r.error().message;
  std::string gz = make_tar(kLayer, Filter::gzip);
  r = read_layer(testing::reader_of(gz.substr(0, gz.size() - 100)), "", analyzers, ScanLimits{});
  ASSERT_FALSE(r);
  std::string zst = make_tar(kLayer, Filter::zstd);
  r = read_layer(testing::reader_of(zst.substr(0, zst.size() - 50)), "", analyzers, ScanLimits{});
  ASSERT_FALSE(r);
}

TEST(LayerReader, GarbageIsNotATar) {
  auto analyzers = testing::pkg_analyzers();
  auto r = read_layer(testing::reader_of(std::string(4096, 'G')), "", analyzers, ScanLimits{});
  ASSERT_FALSE(r);
}

TEST(LayerReader, ContentThatDoesNotMatchTheDiffIdIsRefused) {
  auto analyzers = testing::pkg_analyzers();
  std::string tar = make_tar(kLayer);
  auto r = read_layer(testing::reader_of(tar), sha256("something else"), analyzers, ScanLimits{});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("diff_id"), std::string::npos);
}

TEST(LayerReader, TooManyEntriesIsAnError) {
  std::vector<TarEntry> many;
  for (int i = 0; i < 50; ++i) many.push_back({"f" + std::to_string(i), "x"});
  ScanLimits limits;
  limits.max_layer_entries = 20;
  auto analyzers = testing::pkg_analyzers();
  auto r = read_layer(testing::reader_of(make_tar(many)), "", analyzers, limits);
  ASSERT_FALSE(r);
}

TEST(LayerPath, Cleaning) {
  EXPECT_EQ(clean_layer_path("./etc//os-release"), "etc/os-release");
  EXPECT_EQ(clean_layer_path("/usr/lib/"), "usr/lib");
  EXPECT_EQ(clean_layer_path("a/./b"), "a/b");
  EXPECT_EQ(clean_layer_path("a/../b"), "");
  EXPECT_EQ(clean_layer_path("./"), "");
}

}  // namespace
}  // namespace portcullis::scan
