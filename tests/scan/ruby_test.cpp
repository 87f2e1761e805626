// The gemspec analyzer, driven through the Analyzer interface, against
// shared/fixtures/lang/ruby/trivy-gemspec. Expectations are Trivy's gemspec
// parser tests (parse_test.go), restated per fixture.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scan/analyzers/analyzers.h"
#include "analyzer_test_support.h"

namespace portcullis::scan {
namespace {

using testing::read_fixture;

const std::string kFixtures = "lang/ruby/trivy-gemspec/";

constexpr std::string_view kPath = "usr/local/bundle/specifications/x.gemspec";

FileResult run(std::string_view content, std::string_view path = kPath) {
  return testing::run_analyzer(*make_ruby_analyzer(), path, content);
}

TEST(RubyAnalyzer, WantsInstalledSpecificationsOnly) {
  auto a = make_ruby_analyzer();
  auto wants = [&](std::string_view p) { return a->wants(FileInfo{p, 100, 0644}); };
  EXPECT_EQ(wants("usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.3.gemspec"), Want::whole);
  EXPECT_EQ(wants("usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"), Want::whole);
  EXPECT_EQ(wants("specifications/a.gemspec"), Want::whole);

  EXPECT_EQ(wants("app/rake.gemspec"), Want::no);  // a project's own gemspec is Ruby to run, not an install record
  EXPECT_EQ(wants("usr/lib/ruby/gems/3.1.0/gems/rake-13.0.3/rake.gemspec"), Want::no);
  EXPECT_EQ(wants("usr/lib/ruby/gems/3.1.0/specifications/.gemspec"), Want::no);
  EXPECT_EQ(wants("usr/lib/ruby/gems/3.1.0/specifications/rake.gemspec.bak"), Want::no);
  EXPECT_EQ(wants("usr/lib/ruby/gems/3.1.0/myspecifications/rake.gemspec"), Want::no);
}

struct Case {
  const char* file;
  const char* name;
  const char* version;
  std::vector<std::string> licenses;
};

TEST(RubyGemspec, TrivyFixtures) {
  const Case cases[] = {
      {"normal00.gemspec", "rake", "13.0.3", {"MIT"}},
      // `licenses = "MIT"` is not an array literal (the fixture calls it invalid): no license.
      {"normal01.gemspec", "async", "1.25.0", {}},
      {"license.gemspec", "async", "1.25.0", {"MIT"}},
      {"multiple_licenses.gemspec", "test-unit", "3.3.7", {"Ruby", "BSDL", "PSFL"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    FileResult r = run(read_fixture(kFixtures + c.file));
    ASSERT_EQ(r.packages.size(), 1u);
    EXPECT_EQ(r.packages[0].ecosystem, ecosystem::kGem);
    EXPECT_EQ(r.packages[0].name, c.name);
    EXPECT_EQ(r.packages[0].version, c.version);
    EXPECT_EQ(r.packages[0].licenses, c.licenses);
    EXPECT_EQ(r.packages[0].path, kPath);
    EXPECT_TRUE(r.warnings.empty());
  }
}

TEST(RubyGemspec, MalformedFixturesWarn) {
  for (const char* f : {"malformed00.gemspec", "malformed01.gemspec"}) {  // wrong block variable; no version
    SCOPED_TRACE(f);
    FileResult r = run(read_fixture(kFixtures + f));
    EXPECT_TRUE(r.packages.empty());
    EXPECT_EQ(r.warnings.size(), 1u);
  }
}

TEST(RubyGemspec, VersionObjectsQuotingAndMultiLineLicenses) {
  FileResult r = run(
      "Gem::Specification.new do |s|\n"
      "  s.name = %q<nokogiri>\n"
      "  s.version = Gem::Version.new(\"1.15.4\")\n"
      "  s.licenses = [\"MIT\".freeze,\n"
      "    'Apache-2.0']\n"
      "  s.homepage = \"x\"\n"
      "end\n");
  ASSERT_EQ(r.packages.size(), 1u);
  EXPECT_EQ(r.packages[0].name, "nokogiri");
  EXPECT_EQ(r.packages[0].version, "1.15.4");
  EXPECT_EQ(r.packages[0].licenses, (std::vector<std::string>{"MIT", "Apache-2.0"}));

  FileResult c = run("Gem::Specification.new do |spec|\r\n  spec.name = 'rack'\r\n  spec.version = '2.2.8'.freeze\r\n");
  ASSERT_EQ(c.packages.size(), 1u);
  EXPECT_EQ(c.packages[0].name, "rack");
  EXPECT_EQ(c.packages[0].version, "2.2.8");
}

TEST(RubyMalformed, TruncatedAndJunk) {
  std::string text = read_fixture(kFixtures + "normal00.gemspec");
  FileResult cut = run(std::string_view(text).substr(0, text.find("s.version")));
  EXPECT_TRUE(cut.packages.empty());
  EXPECT_EQ(cut.warnings.size(), 1u);

  for (std::string_view junk :
       {std::string_view(""), std::string_view("Gem::Specification.new do |s|\n s.name = \"unterminated\n s.version = \n"),
        std::string_view("Gem::Specification.new do ||\n"), std::string_view("Gem::Specification.new do |s|\n s.licenses = [\"a\",\n"),
        std::string_view("\0\0\0|\0|", 6)}) {
    FileResult j = run(junk);
    EXPECT_TRUE(j.packages.empty());
    EXPECT_EQ(j.warnings.size(), 1u);
  }

  // An array that never closes stops being read after a bounded number of lines.
  std::string open = "Gem::Specification.new do |s|\n s.name = \"a\"\n s.version = \"1\"\n s.licenses = [\n";
  for (int i = 0; i < 100000; ++i) open += "\"L\",\n";
  FileResult big = run(open);
  ASSERT_EQ(big.packages.size(), 1u);
  EXPECT_LE(big.packages[0].licenses.size(), 100u);
}

}  // namespace
}  // namespace portcullis::scan
