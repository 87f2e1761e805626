// Package URLs against the purls Trivy and grype print for the same
// packages (quoted from their goldens: Trivy integration/testdata/*.golden,
// grype grype/presenter/cyclonedx/testdata/snapshot/*.golden, at the commits
// listed in shared/fixtures/SOURCES.md), and against the purl spec's rules.
//
// One deliberate difference from Trivy: our distro qualifier carries the
// normalised release advisories are filed under ("debian-10"), Trivy's the
// full version ("debian-10.1", and for Alpine no family: "3.10.2"). Those
// cases quote Trivy's string and rewrite only that qualifier.
#include <gtest/gtest.h>

#include "scan/inventory.h"
#include "scan/purl.h"

namespace portcullis::scan {
namespace {

Package pkg(const char* eco, const char* name, const char* version, const char* arch = "") {
  Package p;
  p.ecosystem = eco;
  p.name = name;
  p.version = version;
  p.arch = arch;
  return p;
}

OsRelease os(const char* family, const char* version, const char* release) {
  OsRelease o;
  o.family = family;
  o.version = version;
  o.release = release;
  return o;
}

// `purl` with its distro qualifier's value replaced by `distro`.
std::string with_distro(std::string purl, const std::string& distro) {
  auto at = purl.find("distro=");
  auto end = purl.find('&', at);
  return purl.replace(at + 7, (end == std::string::npos ? purl.size() : end) - at - 7, distro);
}

TEST(PurlTest, DebMatchesTrivyDebianBuster) {
  // debian-buster.json.golden
  const std::string trivy = "pkg:deb/debian/bash@5.0-4?arch=amd64&distro=debian-10.1";
  EXPECT_EQ(make_purl(pkg("deb", "bash", "5.0-4", "amd64"), os("debian", "10.1", "10")),
            with_distro(trivy, "debian-10"));
  EXPECT_EQ(make_purl(pkg("deb", "libidn2-0", "2.0.5-1", "amd64"), os("debian", "10.1", "10")),
            with_distro("pkg:deb/debian/libidn2-0@2.0.5-1?arch=amd64&distro=debian-10.1", "debian-10"));
}

TEST(PurlTest, RpmEpochBecomesQualifierAsInTrivyCentos7) {
  // centos-7.json.golden: InstalledVersion "1:1.0.2k-16.el7"
  const std::string trivy =
      "pkg:rpm/centos/openssl-libs@1.0.2k-16.el7?arch=x86_64&distro=centos-7.6.1810&epoch=1";
  OsRelease centos = os("centos", "7.6.1810", "7");
  EXPECT_EQ(make_purl(pkg("rpm", "openssl-libs", "1:1.0.2k-16.el7", "x86_64"), centos),
            with_distro(trivy, "centos-7"));
  EXPECT_EQ(make_purl(pkg("rpm", "bash", "4.2.46-31.el7", "x86_64"), centos),
            with_distro("pkg:rpm/centos/bash@4.2.46-31.el7?arch=x86_64&distro=centos-7.6.1810", "centos-7"));
  // The epoch may come as a property instead; epoch 0 is rpm's default and is left out.
  Package p = pkg("rpm", "dbus", "1.12.8-12.el8", "aarch64");
  p.properties = {{"epoch", "1"}};
  EXPECT_EQ(make_purl(p, os("centos", "8", "8")), "pkg:rpm/centos/dbus@1.12.8-12.el8?arch=aarch64&distro=centos-8&epoch=1");
  EXPECT_EQ(make_purl(pkg("rpm", "zlib", "0:1.2.7-18.el7", "x86_64"), centos),
            "pkg:rpm/centos/zlib@1.2.7-18.el7?arch=x86_64&distro=centos-7");
}

TEST(PurlTest, ApkMatchesTrivyAlpine310) {
  // alpine-310.json.golden (quoted in shared/research/scanner.md §5.1)
  const std::string trivy = "pkg:apk/alpine/libcrypto1.1@1.1.1c-r0?arch=x86_64&distro=3.10.2";
  EXPECT_EQ(make_purl(pkg("apk", "libcrypto1.1", "1.1.1c-r0", "x86_64"), os("alpine", "3.10.2", "3.10")),
            with_distro(trivy, "alpine-3.10"));
  // No OS recognised: still the alpine namespace, no distro.
  EXPECT_EQ(make_purl(pkg("apk", "musl", "1.2.5-r10", "x86_64"), OsRelease{}), "pkg:apk/alpine/musl@1.2.5-r10?arch=x86_64");
}

TEST(PurlTest, DebWithoutOsMatchesGrypeSnapshot) {
  // TestCycloneDxPresenterImage.golden: a deb package with no distro known.
  EXPECT_EQ(make_purl(pkg("deb", "package-2", "2.2.2"), OsRelease{}), "pkg:deb/package-2@2.2.2");
}

TEST(PurlTest, NpmMatchesTrivyNpm) {
  // npm.json.golden
  EXPECT_EQ(make_purl(pkg("npm", "jquery", "3.3.9"), OsRelease{}), "pkg:npm/jquery@3.3.9");
  EXPECT_EQ(make_purl(pkg("npm", "symbol-observable", "1.2.0"), OsRelease{}), "pkg:npm/symbol-observable@1.2.0");
  // Scope is the namespace, its '@' percent-encoded (purl.h's own example).
  EXPECT_EQ(make_purl(pkg("npm", "@babel/core", "7.1.0"), OsRelease{}), "pkg:npm/%40babel/core@7.1.0");
  // The OS does not leak into language packages.
  EXPECT_EQ(make_purl(pkg("npm", "react", "16.8.6", "amd64"), os("debian", "12.4", "12")), "pkg:npm/react@16.8.6");
}

TEST(PurlTest, PypiNamesAreNormalisedAsInTrivyPip) {
  // pip.json.golden: "Flask" -> flask, "Jinja2" -> jinja2
  EXPECT_EQ(make_purl(pkg("PyPI", "Flask", "2.0.0"), OsRelease{}), "pkg:pypi/flask@2.0.0");
  EXPECT_EQ(make_purl(pkg("PyPI", "Jinja2", "3.0.0"), OsRelease{}), "pkg:pypi/jinja2@3.0.0");
  EXPECT_EQ(make_purl(pkg("PyPI", "oauth2-client", "4.0.0"), OsRelease{}), "pkg:pypi/oauth2-client@4.0.0");
  EXPECT_EQ(make_purl(pkg("PyPI", "typing_extensions", "4.7.1"), OsRelease{}), "pkg:pypi/typing-extensions@4.7.1");
}

TEST(PurlTest, GoModulePathSplitsIntoNamespaceAndName) {
  // gomod.json.golden's module; '+' in the version is percent-encoded.
  EXPECT_EQ(make_purl(pkg("Go", "github.com/docker/distribution", "v2.7.1+incompatible"), OsRelease{}),
            "pkg:golang/github.com/docker/distribution@v2.7.1%2Bincompatible");
  EXPECT_EQ(make_purl(pkg("Go", "golang.org/x/text", "v0.3.6"), OsRelease{}), "pkg:golang/golang.org/x/text@v0.3.6");
}

TEST(PurlTest, OtherLanguageEcosystems) {
  EXPECT_EQ(make_purl(pkg("Maven", "org.apache:commons", "1.2"), OsRelease{}), "pkg:maven/org.apache/commons@1.2");
  EXPECT_EQ(make_purl(pkg("Maven", "com.fasterxml.jackson.core:jackson-databind", "2.13.2.2"), OsRelease{}),
            "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.2.2");
  EXPECT_EQ(make_purl(pkg("crates.io", "openssl", "0.10.55"), OsRelease{}), "pkg:cargo/openssl@0.10.55");
  EXPECT_EQ(make_purl(pkg("RubyGems", "rails", "7.0.0"), OsRelease{}), "pkg:gem/rails@7.0.0");
  EXPECT_EQ(make_purl(pkg("Packagist", "symfony/console", "v6.4.0"), OsRelease{}), "pkg:composer/symfony/console@v6.4.0");
  EXPECT_EQ(make_purl(pkg("something", "thing", "1"), OsRelease{}), "pkg:generic/thing@1");
}

TEST(PurlTest, VersionCharactersArePercentEncoded) {
  // purl.h's example: '+' in a Debian revision.
  EXPECT_EQ(make_purl(pkg("deb", "bash", "5.2.15-2+b2", "amd64"), os("debian", "12.4", "12")),
            "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12");
  // A dpkg epoch stays in the version, its ':' encoded.
  EXPECT_EQ(make_purl(pkg("deb", "zlib1g", "1:1.2.13.dfsg-1", "amd64"), os("debian", "12.4", "12")),
            "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12");
  EXPECT_EQ(make_purl(pkg("deb", "curl", "7.81.0-1ubuntu1.24", "amd64"), os("ubuntu", "22.04", "22.04")),
            "pkg:deb/ubuntu/curl@7.81.0-1ubuntu1.24?arch=amd64&distro=ubuntu-22.04");
  EXPECT_EQ(make_purl(pkg("npm", "odd", "1.0.0 beta#1?x"), OsRelease{}), "pkg:npm/odd@1.0.0%20beta%231%3Fx");
}

TEST(PurlTest, AssignPurlsKeepsExistingOnes) {
  Inventory inv;
  inv.os = os("debian", "12.4", "12");
  inv.packages.push_back(pkg("deb", "bash", "5.2.15-2+b2", "amd64"));
  inv.packages.push_back(pkg("npm", "left-pad", "1.3.0"));
  inv.packages[1].purl = "pkg:npm/left-pad@1.3.0?custom=1";
  assign_purls(inv);
  EXPECT_EQ(inv.packages[0].purl, "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12");
  EXPECT_EQ(inv.packages[1].purl, "pkg:npm/left-pad@1.3.0?custom=1");
}

}  // namespace
}  // namespace portcullis::scan
