// The applier: layer results merged in order, honouring whiteouts.
#include <gtest/gtest.h>

#include "scan/inventory.h"

namespace portcullis::scan {
namespace {

FileResult file(std::string path, std::vector<std::string> names, std::string analyzer = "test") {
  FileResult r;
  r.path = std::move(path);
  r.analyzer = std::move(analyzer);
  for (auto& n : names) r.packages.push_back(Package{"deb", n, "1.0"});
  return r;
}

LayerResult layer(std::string diff_id, std::vector<FileResult> files, std::vector<std::string> whiteouts = {},
                  std::vector<std::string> opaque = {}) {
  LayerResult l;
  l.diff_id = std::move(diff_id);
  l.files = std::move(files);
  l.whiteouts = std::move(whiteouts);
  l.opaque_dirs = std::move(opaque);
  return l;
}

std::vector<std::string> names(const Inventory& inv) {
  std::vector<std::string> out;
  for (const auto& p : inv.packages) out.push_back(p.name + "@" + p.layer + ":" + p.path);
  return out;
}

TEST(Merge, ALaterResultForTheSameFileReplacesTheLowerOne) {
  Inventory inv;
  merge_layers({layer("L1", {file("var/lib/dpkg/status", {"a", "b"})}),
                layer("L2", {file("var/lib/dpkg/status", {"a"})})},
               inv);
  EXPECT_EQ(names(inv), (std::vector<std::string>{"a@L2:var/lib/dpkg/status"}));
}

TEST(Merge, AWhiteoutOfTheFileOrOfAParentDeletesIt) {
  Inventory inv;
  merge_layers({layer("L1", {file("app/node_modules/x/package.json", {"x"}), file("app/node_modules/y/package.json", {"y"}),
                             file("other/p.json", {"o"})}),
                layer("L2", {}, {"app/node_modules/x", "other/p.json"})},
               inv);
  EXPECT_EQ(names(inv), (std::vector<std::string>{"y@L1:app/node_modules/y/package.json"}));
}

TEST(Merge, AWhiteoutNamesAPathNotAPrefix) {
  Inventory inv;
  merge_layers({layer("L1", {file("lib/ab/f", {"ab"})}), layer("L2", {}, {"lib/a"})}, inv);
  EXPECT_EQ(names(inv).size(), 1u);
}

TEST(Merge, AnOpaqueDirectoryHidesLowerContentButKeepsItsOwnLayersFiles) {
  Inventory inv;
  merge_layers({layer("L1", {file("opt/app/old", {"old"}), file("opt/keep", {"keep"})}),
                layer("L2", {file("opt/app/new", {"new"})}, {}, {"opt/app"})},
               inv);
  EXPECT_EQ(names(inv), (std::vector<std::string>{"keep@L1:opt/keep", "new@L2:opt/app/new"}));
}

TEST(Merge, AWhiteoutAppliesOnlyToLowerLayers) {
  // A layer that deletes and re-creates a path keeps its own new file.
  Inventory inv;
  merge_layers({layer("L1", {file("etc/db", {"old"})}), layer("L2", {file("etc/db", {"new"})}, {"etc/db"})}, inv);
  EXPECT_EQ(names(inv), (std::vector<std::string>{"new@L2:etc/db"}));
}

TEST(Merge, PackagesComeInLayerOrderThenPathOrder) {
  Inventory inv;
  merge_layers({layer("L1", {file("z", {"z1"}), file("a", {"a1"})}), layer("L2", {file("b", {"b2"})})}, inv);
  EXPECT_EQ(names(inv), (std::vector<std::string>{"a1@L1:a", "z1@L1:z", "b2@L2:b"}));
}

TEST(Merge, ALanguagePackageFoundTwiceIsListedOnce) {
  FileResult lock = file("app/package-lock.json", {});
  lock.packages.push_back(Package{"npm", "lodash", "4.17.4"});
  FileResult installed = file("app/node_modules/lodash/package.json", {});
  installed.packages.push_back(Package{"npm", "lodash", "4.17.4"});
  Inventory inv;
  merge_layers({layer("L1", {lock, installed})}, inv);
  ASSERT_EQ(inv.packages.size(), 1u);
  EXPECT_EQ(inv.packages[0].path, "app/node_modules/lodash/package.json");
}

TEST(Merge, WarningsSayWhereTheyComeFrom) {
  FileResult f = file("var/lib/dpkg/status", {"a"});
  f.warnings.push_back("paragraph 3: no Version");
  LayerResult l = layer("sha256:abc", {f});
  l.warnings.push_back("2 entries with \"..\" in their path were skipped");
  Inventory inv;
  merge_layers({l}, inv);
  ASSERT_EQ(inv.warnings.size(), 2u);
  EXPECT_EQ(inv.warnings[0], "sha256:abc: 2 entries with \"..\" in their path were skipped");
  EXPECT_EQ(inv.warnings[1], "var/lib/dpkg/status: paragraph 3: no Version");
}

}  // namespace
}  // namespace portcullis::scan

namespace portcullis::scan {
namespace {

TEST(Merge, ALockFilePackageGoesWhenAllItsInstalledCopiesAreDeleted) {
  FileResult lock = file("app/package-lock.json", {});
  Package once{"npm", "lodash", "4.17.4"};
  once.properties = {{"location", "app/node_modules/lodash"}};
  Package twice{"npm", "ms", "2.0.0"};
  twice.properties = {{"location", "app/node_modules/ms"}, {"location", "app/node_modules/debug/node_modules/ms"}};
  lock.packages = {once, twice};
  Inventory inv;
  merge_layers({layer("L1", {lock}), layer("L2", {}, {"app/node_modules/lodash", "app/node_modules/ms"})}, inv);
  ASSERT_EQ(inv.packages.size(), 1u);
  EXPECT_EQ(inv.packages[0].name, "ms");  // its nested copy is still there

  Inventory opaque;
  merge_layers({layer("L1", {lock}), layer("L2", {}, {}, {"app/node_modules"})}, opaque);
  EXPECT_TRUE(opaque.packages.empty());
}

}  // namespace
}  // namespace portcullis::scan
