// The Composer analyzer, driven through the Analyzer interface, against
// shared/fixtures/lang/php/composer_happy.lock (Trivy's composer parser test
// data; expectations from its parse_test.go) and installed.json in both of
// Composer's layouts.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "scan/analyzers/analyzers.h"
#include "analyzer_test_support.h"

namespace portcullis::scan {
namespace {

using testing::find;
using testing::is_dev;
using testing::name_versions;
using testing::NameVersion;
using testing::read_fixture;

FileResult run(std::string_view path, std::string_view content) {
  return testing::run_analyzer(*make_php_analyzer(), path, content);
}

TEST(PhpAnalyzer, WantsLockAndInstalledJsonOnly) {
  auto a = make_php_analyzer();
  auto wants = [&](std::string_view p) { return a->wants(FileInfo{p, 100, 0644}); };
  EXPECT_EQ(wants("composer.lock"), Want::whole);
  EXPECT_EQ(wants("var/www/app/composer.lock"), Want::whole);
  EXPECT_EQ(wants("var/www/app/vendor/composer/installed.json"), Want::whole);
  EXPECT_EQ(wants("vendor/composer/installed.json"), Want::whole);

  EXPECT_EQ(wants("var/www/app/composer.json"), Want::no);
  EXPECT_EQ(wants("var/www/app/vendor/composer/installed.php"), Want::no);
  EXPECT_EQ(wants("var/www/app/myvendor/composer/installed.json"), Want::no);
  EXPECT_EQ(wants("var/www/app/composer.lock.old"), Want::no);
  EXPECT_EQ(wants("var/www/app/installed.json"), Want::no);
}

TEST(PhpComposerLock, TrivyHappyLock) {
  // Trivy's composerPkgs: versions keep their "v", licenses split.
  FileResult r = run("app/composer.lock", read_fixture("lang/php/composer_happy.lock"));
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(name_versions(r, ecosystem::kComposer), (std::set<NameVersion>{{"guzzlehttp/guzzle", "6.5.8"},
                                                     {"guzzlehttp/promises", "1.5.2"},
                                                     {"guzzlehttp/psr7", "1.9.0"},
                                                     {"pear/log", "1.13.3"},
                                                     {"pear/pear_exception", "v1.0.2"},
                                                     {"psr/http-message", "1.0.1"},
                                                     {"ralouphie/getallheaders", "3.0.3"},
                                                     {"symfony/polyfill-intl-idn", "v1.27.0"},
                                                     {"symfony/polyfill-intl-normalizer", "v1.27.0"},
                                                     {"symfony/polyfill-php72", "v1.27.0"}}));
  EXPECT_EQ(r.packages.size(), 10u);
  EXPECT_TRUE(is_dev(find(r, "pear/log")));
  EXPECT_TRUE(is_dev(find(r, "pear/pear_exception")));
  EXPECT_FALSE(is_dev(find(r, "guzzlehttp/guzzle")));
  EXPECT_EQ(find(r, "guzzlehttp/guzzle")->licenses, std::vector<std::string>{"MIT"});
  EXPECT_EQ(find(r, "symfony/polyfill-intl-normalizer")->licenses, std::vector<std::string>{"MIT"});  // a plain string
  EXPECT_EQ(find(r, "symfony/polyfill-php72")->licenses, (std::vector<std::string>{"MIT", "BSD-2-Clause"}));
  EXPECT_EQ(find(r, "pear/pear_exception")->licenses, std::vector<std::string>{"BSD-2-Clause"});
  EXPECT_EQ(find(r, "pear/log")->path, "app/composer.lock");
}

TEST(PhpInstalledJson, Composer1Array) {
  FileResult r = run("app/vendor/composer/installed.json",
                     R"([{"name":"monolog/monolog","version":"1.25.1","license":["MIT"]},
                         {"name":"psr/log","version":"1.1.0","license":"MIT"}])");
  EXPECT_EQ(name_versions(r, ecosystem::kComposer), (std::set<NameVersion>{{"monolog/monolog", "1.25.1"}, {"psr/log", "1.1.0"}}));
  EXPECT_FALSE(is_dev(find(r, "psr/log")));
  EXPECT_TRUE(r.warnings.empty());
}

TEST(PhpInstalledJson, Composer2ObjectWithDevNames) {
  FileResult r = run("app/vendor/composer/installed.json",
                     R"({"packages":[{"name":"laravel/framework","version":"v10.0.0","license":["MIT"]},
                                     {"name":"phpunit/phpunit","version":"10.0.1","license":["BSD-3-Clause"]}],
                         "dev":true,"dev-package-names":["phpunit/phpunit"]})");
  EXPECT_EQ(name_versions(r, ecosystem::kComposer), (std::set<NameVersion>{{"laravel/framework", "v10.0.0"}, {"phpunit/phpunit", "10.0.1"}}));
  EXPECT_TRUE(is_dev(find(r, "phpunit/phpunit")));
  EXPECT_FALSE(is_dev(find(r, "laravel/framework")));
}

TEST(PhpMalformed, TruncatedWrongTypesDeep) {
  std::string text = read_fixture("lang/php/composer_happy.lock");
  for (std::size_t cut : {std::size_t{0}, text.size() / 4, text.size() / 2, text.size() - 3}) {
    FileResult r = run("composer.lock", std::string_view(text).substr(0, cut));
    EXPECT_TRUE(r.packages.empty());
    EXPECT_EQ(r.warnings.size(), 1u) << cut;
  }
  FileResult wrong = run("composer.lock", R"({"packages":[1,"x",{"name":5,"version":"1"},{"name":"a/b"},
      {"name":"c/d","version":"2.0","license":{"x":1}}],"packages-dev":"nope"})");
  EXPECT_EQ(name_versions(wrong, ecosystem::kComposer), (std::set<NameVersion>{{"c/d", "2.0"}}));
  EXPECT_TRUE(find(wrong, "c/d")->licenses.empty());
  EXPECT_EQ(wrong.warnings.size(), 1u);

  for (std::string_view junk : {std::string_view("[]"), std::string_view("42"), std::string_view("{\"packages\":{}}")}) {
    FileResult j = run("composer.lock", junk);
    EXPECT_TRUE(j.packages.empty());
    EXPECT_EQ(j.warnings.size(), 1u) << junk;
  }
  EXPECT_EQ(run("vendor/composer/installed.json", "{\"x\":1}").warnings.size(), 1u);
  EXPECT_EQ(run("vendor/composer/installed.json", "[[[[1]]]]").warnings.size(), 1u);

  FileResult deep = run("composer.lock", std::string(100000, '{'));
  EXPECT_TRUE(deep.packages.empty());
  EXPECT_EQ(deep.warnings.size(), 1u);
}

}  // namespace
}  // namespace portcullis::scan
