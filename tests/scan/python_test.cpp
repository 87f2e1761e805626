// The Python analyzer, driven through the Analyzer interface, against the
// metadata files in shared/fixtures/lang/python/trivy-metadata. Expected
// names, versions and licenses are those of Trivy's packaging parser tests
// (parse_test.go), restated per fixture.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scan/analyzers/analyzers.h"
#include "analyzer_test_support.h"

namespace portcullis::scan {
namespace {

using testing::read_fixture;

const std::string kFixtures = "lang/python/trivy-metadata/";

FileResult run(std::string_view path, std::string_view content) {
  return testing::run_analyzer(*make_python_analyzer(), path, content);
}

TEST(PythonAnalyzer, WantsDistributionMetadataOnly) {
  auto a = make_python_analyzer();
  auto wants = [&](std::string_view p) { return a->wants(FileInfo{p, 100, 0644}); };
  EXPECT_EQ(wants("usr/lib/python3/dist-packages/zipp-3.12.1.dist-info/METADATA"), Want::whole);
  EXPECT_EQ(wants("usr/lib/python3.8/site-packages/setuptools-51.3.3-py3.8.egg-info/PKG-INFO"), Want::whole);
  EXPECT_EQ(wants("usr/lib/python3.9/site-packages/distlib-0.3.1-py3.9.egg-info"), Want::whole);
  EXPECT_EQ(wants("usr/lib/python2.7/site-packages/foo-1.0-py2.7.egg/EGG-INFO/PKG-INFO"), Want::whole);
  EXPECT_EQ(wants("x.dist-info/METADATA"), Want::whole);

  EXPECT_EQ(wants("usr/lib/python3/zipp-3.12.1.dist-info/RECORD"), Want::no);
  EXPECT_EQ(wants("usr/lib/python3/zipp/METADATA"), Want::no);
  EXPECT_EQ(wants("usr/lib/python3/.dist-info/METADATA"), Want::no);  // no distribution name
  EXPECT_EQ(wants("usr/lib/python3/foo.egg-info/SOURCES.txt"), Want::no);
  EXPECT_EQ(wants("src/PKG-INFO"), Want::no);
  EXPECT_EQ(wants("METADATA"), Want::no);
  EXPECT_EQ(wants("usr/share/doc/egg-info"), Want::no);
  EXPECT_EQ(wants("usr/lib/python3/foo.dist-info/METADATA.bak"), Want::no);
}

struct Case {
  const char* file;
  const char* path;
  const char* name;
  const char* version;
  std::vector<std::string> licenses;
};

TEST(PythonMetadata, TrivyFixtures) {
  const Case cases[] = {
      {"setuptools-51.3.3-py3.8.egg-info.PKG-INFO", "lib/setuptools-51.3.3-py3.8.egg-info/PKG-INFO", "setuptools",
       "51.3.3", {"UNKNOWN"}},
      // The classifier after the description is not metadata; License is.
      {"distlib-0.3.1-py3.9.egg-info", "lib/distlib-0.3.1-py3.9.egg-info", "distlib", "0.3.1", {"Python license"}},
      // Classifiers name the license; the License field only adds terms.
      {"distlib-0.3.1.METADATA", "lib/distlib-0.3.1.dist-info/METADATA", "distlib", "0.3.1",
       {"Python Software Foundation License"}},
      // Name written with a trailing blank.
      {"simple-0.1.0.METADATA", "lib/simple-0.1.0.dist-info/METADATA", "simple", "0.1.0", {}},
      // "License :: OSI Approved" names no license, so License counts.
      {"asyncssh-2.14.2.METADATA", "lib/asyncssh-2.14.2.dist-info/METADATA", "asyncssh", "2.14.2",
       {"Eclipse Public License v2.0"}},
      {"pyphen-0.14.0.METADATA", "lib/pyphen-0.14.0.dist-info/METADATA", "pyphen", "0.14.0",
       {"GNU General Public License v2 or later (GPLv2+)", "GNU Lesser General Public License v2 or later (LGPLv2+)",
        "Mozilla Public License 1.1 (MPL 1.1)"}},
      {"iniconfig-2.0.0.METADATA", "lib/iniconfig-2.0.0.dist-info/METADATA", "iniconfig", "2.0.0", {"MIT"}},
      {"zipp-3.12.1.METADATA", "lib/zipp-3.12.1.dist-info/METADATA", "zipp", "3.12.1", {"MIT License"}},
      // Description with bytes outside RFC 7230 after the header.
      {"unidecode-egg-info.PKG-INFO", "lib/Unidecode-0.4.1.egg-info/PKG-INFO", "Unidecode", "0.4.1", {"UNKNOWN"}},
      {"networkx-3.0.METADATA", "lib/networkx-3.0.dist-info/METADATA", "networkx", "3.0", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    FileResult r = run(c.path, read_fixture(kFixtures + c.file));
    ASSERT_EQ(r.packages.size(), 1u);
    const Package& p = r.packages[0];
    EXPECT_EQ(p.ecosystem, ecosystem::kPypi);
    EXPECT_EQ(p.name, c.name);
    EXPECT_EQ(p.version, c.version);
    EXPECT_EQ(p.licenses, c.licenses);
    EXPECT_EQ(p.path, c.path);
    EXPECT_TRUE(r.warnings.empty());
  }
}

TEST(PythonMetadata, LicenseFileNamedWhenNothingElseIs) {
  // Trivy reports "file://LICENSE.txt" as the license; we keep the pointer
  // as a property, since it is not a license name.
  FileResult r = run("lib/networkx-3.0.dist-info/METADATA", read_fixture(kFixtures + "networkx-3.0.METADATA"));
  ASSERT_EQ(r.packages.size(), 1u);
  ASSERT_NE(r.packages[0].property("license-file"), nullptr);
  EXPECT_EQ(*r.packages[0].property("license-file"), "LICENSE.txt");
}

TEST(PythonMetadata, CrLfFoldedAndLowercaseKeys) {
  FileResult r = run("a.dist-info/METADATA",
                     "\xEF\xBB\xBFmetadata-version: 2.1\r\nname: Foo\r\nversion: 1.0\r\nlicense: Apache 2.0\r\n"
                     "  full text line two\r\n\r\nName: ignored\r\n");
  ASSERT_EQ(r.packages.size(), 1u);
  EXPECT_EQ(r.packages[0].name, "Foo");
  EXPECT_EQ(r.packages[0].version, "1.0");
  EXPECT_EQ(r.packages[0].licenses, std::vector<std::string>{"Apache 2.0"});
}

TEST(PythonMalformed, InvalidAndTruncatedGiveWarnings) {
  FileResult r = run("a.dist-info/METADATA", read_fixture(kFixtures + "invalid.json"));  // "{}": Trivy's invalid case
  EXPECT_TRUE(r.packages.empty());
  EXPECT_EQ(r.warnings.size(), 1u);

  std::string text = read_fixture(kFixtures + "zipp-3.12.1.METADATA");
  FileResult cut = run("a.dist-info/METADATA", std::string_view(text).substr(0, 30));  // Name only
  EXPECT_TRUE(cut.packages.empty());
  EXPECT_EQ(cut.warnings.size(), 1u);

  for (std::string_view junk : {std::string_view(""), std::string_view("\n\n\n"), std::string_view("\0\0\0", 3),
                                std::string_view("Name:\nVersion:\n"), std::string_view(" leading continuation\nName: x\nVersion: 1\n")}) {
    FileResult j = run("a.dist-info/METADATA", junk);
    for (const Package& p : j.packages) EXPECT_FALSE(p.name.empty() || p.version.empty());
    EXPECT_FALSE(j.warnings.empty());
  }

  std::string huge(1 << 20, 'x');  // one enormous line without a colon
  FileResult h = run("a.dist-info/METADATA", huge);
  EXPECT_TRUE(h.packages.empty());
  EXPECT_FALSE(h.warnings.empty());
}

}  // namespace
}  // namespace portcullis::scan
