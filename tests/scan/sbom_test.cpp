// SBOM writers: content of the CycloneDX and SPDX documents, the table's
// layout, and the Portcullis JSON form's round trip and error handling.
// Schema validity of the same documents is checked against the published
// schemas by tests/integration/test_sbom_schema.py.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "scan/sbom.h"

namespace portcullis::scan {
namespace {

using nlohmann::json;

const char* kSerial = "3e671687-395b-41f5-a30f-a58921a69b79";
const char* kTime = "2024-05-06T07:08:09Z";

Package pkg(const char* eco, const char* name, const char* version, std::vector<std::string> licenses = {}) {
  Package p;
  p.ecosystem = eco;
  p.name = name;
  p.version = version;
  p.licenses = std::move(licenses);
  p.layer = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  return p;
}

Inventory sample() {
  Inventory inv;
  inv.image = "registry.example:5000/team/app:1.0";
  inv.manifest_digest = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
  inv.config_digest = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
  inv.platform = "linux/amd64";
  inv.repo_tags = {"team/app:1.0"};
  inv.os = {"debian", "12.4", "12", "Debian GNU/Linux 12 (bookworm)", "bookworm", false};
  inv.layers = {{"sha256:aaaa", "sha256:1111111111111111111111111111111111111111111111111111111111111111",
                 "application/vnd.oci.image.layer.v1.tar+gzip", 1234}};
  Package bash = pkg("deb", "bash", "5.2.15-2+b2", {"GPL-3.0-or-later"});
  bash.arch = "amd64";
  bash.path = "var/lib/dpkg/status";
  bash.source_name = "bash";
  bash.source_version = "5.2.15-2";
  inv.packages.push_back(bash);
  Package libc = pkg("deb", "libc6", "2.36-9+deb12u4", {"GPL-2.0+", "Artistic", "LGPL-2.1"});
  libc.arch = "amd64";
  libc.source_name = "glibc";
  inv.packages.push_back(libc);
  inv.packages.push_back(pkg("npm", "@babel/core", "7.1.0", {"MIT"}));
  inv.packages.back().path = "app/package-lock.json";
  inv.packages.push_back(pkg("npm", "@babel/core", "7.1.0", {"MIT"}));  // same package found twice
  inv.packages.back().path = "other/package-lock.json";
  inv.packages.push_back(pkg("PyPI", "Jinja2", "3.0.0", {"BSD-3-Clause OR MIT"}));
  inv.packages.push_back(pkg("Maven", "org.apache.commons:commons-lang3", "3.12.0", {"Apache License, Version 2.0"}));
  inv.packages.push_back(pkg("Go", "github.com/docker/distribution", "v2.7.1+incompatible"));
  inv.packages.back().properties = {{"main", "false"}};
  return inv;
}

json render(const Inventory& inv, SbomFormat f, SbomOptions opts = {}) {
  if (opts.timestamp.empty()) opts.timestamp = kTime;
  if (opts.serial.empty()) opts.serial = kSerial;
  opts.tool_version = "1.2.3";
  std::ostringstream out;
  write_sbom(inv, f, opts, out);
  return json::parse(out.str());
}

TEST(SbomFormatTest, ParsesNamesAndAliases) {
  EXPECT_EQ(*parse_sbom_format("table"), SbomFormat::table);
  EXPECT_EQ(*parse_sbom_format("json"), SbomFormat::json);
  EXPECT_EQ(*parse_sbom_format("cyclonedx-json"), SbomFormat::cyclonedx_json);
  EXPECT_EQ(*parse_sbom_format("cyclonedx"), SbomFormat::cyclonedx_json);
  EXPECT_EQ(*parse_sbom_format("spdx-json"), SbomFormat::spdx_json);
  EXPECT_EQ(*parse_sbom_format("spdx"), SbomFormat::spdx_json);
  auto bad = parse_sbom_format("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, core::ErrorCode::InvalidArgument);
  EXPECT_NE(bad.error().message.find("xml"), std::string::npos);
}

TEST(SbomCycloneDxTest, DocumentAndImage) {
  json doc = render(sample(), SbomFormat::cyclonedx_json);
  EXPECT_EQ(doc["bomFormat"], "CycloneDX");
  EXPECT_EQ(doc["specVersion"], "1.5");
  EXPECT_EQ(doc["serialNumber"], std::string("urn:uuid:") + kSerial);
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["metadata"]["timestamp"], kTime);
  const json& tool = doc["metadata"]["tools"]["components"][0];
  EXPECT_EQ(tool["name"], "portcullis");
  EXPECT_EQ(tool["version"], "1.2.3");
  const json& image = doc["metadata"]["component"];
  EXPECT_EQ(image["type"], "container");
  EXPECT_EQ(image["name"], "registry.example:5000/team/app:1.0");
  EXPECT_EQ(image["version"], sample().manifest_digest);
  EXPECT_EQ(image["purl"],
            "pkg:oci/app@sha256%3A2222222222222222222222222222222222222222222222222222222222222222"
            "?arch=amd64&repository_url=registry.example%3A5000/team/app&tag=1.0");
}

TEST(SbomCycloneDxTest, ComponentsRefsLicencesAndDependencies) {
  Inventory inv = sample();
  json doc = render(inv, SbomFormat::cyclonedx_json);
  const json& comps = doc["components"];
  ASSERT_EQ(comps.size(), inv.packages.size() + 1);
  EXPECT_EQ(comps[0]["type"], "operating-system");
  EXPECT_EQ(comps[0]["name"], "debian");
  EXPECT_EQ(comps[0]["version"], "12.4");

  std::set<std::string> refs{doc["metadata"]["component"]["bom-ref"].get<std::string>()};
  for (const json& c : comps) EXPECT_TRUE(refs.insert(c["bom-ref"].get<std::string>()).second) << c.dump();

  const json& bash = comps[1];
  EXPECT_EQ(bash["type"], "library");
  EXPECT_EQ(bash["name"], "bash");
  EXPECT_EQ(bash["version"], "5.2.15-2+b2");
  EXPECT_EQ(bash["purl"], "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12");
  EXPECT_EQ(bash["licenses"], json::parse(R"([{"license":{"id":"GPL-3.0-or-later"}}])"));
  json props = json::object();
  for (const json& p : bash["properties"]) props[p["name"].get<std::string>()] = p["value"];
  EXPECT_EQ(props["portcullis:package:ecosystem"], "deb");
  EXPECT_EQ(props["portcullis:layer:diff_id"], inv.packages[0].layer);
  EXPECT_EQ(props["portcullis:package:path"], "var/lib/dpkg/status");
  EXPECT_EQ(props["portcullis:package:source_name"], "bash");

  // Known ids (even deprecated "GPL-2.0+") as id, unknown text as name.
  EXPECT_EQ(comps[2]["licenses"], json::parse(R"([{"license":{"id":"GPL-2.0+"}},{"license":{"name":"Artistic"}},
                                                 {"license":{"id":"LGPL-2.1"}}])"));
  // npm scope is the CycloneDX group; the duplicate gets its own bom-ref.
  EXPECT_EQ(comps[3]["group"], "@babel");
  EXPECT_EQ(comps[3]["name"], "core");
  EXPECT_EQ(comps[3]["purl"], "pkg:npm/%40babel/core@7.1.0");
  EXPECT_EQ(comps[4]["purl"], comps[3]["purl"]);
  EXPECT_NE(comps[4]["bom-ref"], comps[3]["bom-ref"]);
  // A compound expression stays an expression.
  EXPECT_EQ(comps[5]["licenses"], json::parse(R"([{"expression":"BSD-3-Clause OR MIT"}])"));
  EXPECT_EQ(comps[5]["purl"], "pkg:pypi/jinja2@3.0.0");
  EXPECT_EQ(comps[6]["group"], "org.apache.commons");
  EXPECT_EQ(comps[6]["licenses"], json::parse(R"([{"license":{"name":"Apache License, Version 2.0"}}])"));
  EXPECT_FALSE(comps[7].contains("licenses"));

  ASSERT_EQ(doc["dependencies"].size(), 1u);
  EXPECT_EQ(doc["dependencies"][0]["ref"], doc["metadata"]["component"]["bom-ref"]);
  EXPECT_EQ(doc["dependencies"][0]["dependsOn"].size(), comps.size());
}

TEST(SbomCycloneDxTest, CompoundLicenceWithUnknownIdFallsBackToNames) {
  Inventory inv;
  inv.packages.push_back(pkg("npm", "x", "1", {"MIT OR Frobnicate-1.0"}));
  inv.packages.push_back(pkg("npm", "y", "1", {"(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0", "ISC"}));
  json doc = render(inv, SbomFormat::cyclonedx_json);
  EXPECT_EQ(doc["components"][0]["licenses"], json::parse(R"([{"license":{"name":"MIT OR Frobnicate-1.0"}}])"));
  EXPECT_EQ(doc["components"][1]["licenses"],
            json::parse(R"([{"expression":"((MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0) AND ISC"}])"));
}

TEST(SbomCycloneDxTest, DeterministicGivenTimeAndSerial) {
  SbomOptions o{"1.2.3", kTime, kSerial};
  std::ostringstream a, b;
  write_sbom(sample(), SbomFormat::cyclonedx_json, o, a);
  write_sbom(sample(), SbomFormat::cyclonedx_json, o, b);
  EXPECT_EQ(a.str(), b.str());
  // Without them: now and a fresh random version 4 UUID each time.
  std::ostringstream c, e;
  write_sbom(sample(), SbomFormat::cyclonedx_json, SbomOptions{}, c);
  write_sbom(sample(), SbomFormat::cyclonedx_json, SbomOptions{}, e);
  std::string s1 = json::parse(c.str())["serialNumber"], s2 = json::parse(e.str())["serialNumber"];
  std::regex v4("urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(s1, v4)) << s1;
  EXPECT_NE(s1, s2);
  std::string ts = json::parse(c.str())["metadata"]["timestamp"];
  EXPECT_TRUE(std::regex_match(ts, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << ts;
  // A serial that is not a UUID still yields a fixed, valid one.
  SbomOptions named{"1", kTime, "build-42"};
  std::string n1 = render(sample(), SbomFormat::cyclonedx_json, named)["serialNumber"];
  EXPECT_TRUE(std::regex_match(n1, v4)) << n1;
  EXPECT_EQ(n1, render(sample(), SbomFormat::cyclonedx_json, named)["serialNumber"]);
}

TEST(SbomSpdxTest, DocumentPackagesAndRelationships) {
  Inventory inv = sample();
  json doc = render(inv, SbomFormat::spdx_json);
  EXPECT_EQ(doc["spdxVersion"], "SPDX-2.3");
  EXPECT_EQ(doc["dataLicense"], "CC0-1.0");
  EXPECT_EQ(doc["SPDXID"], "SPDXRef-DOCUMENT");
  EXPECT_EQ(doc["name"], inv.image);
  std::string ns = doc["documentNamespace"];
  EXPECT_EQ(ns.rfind("https://", 0), 0u);
  EXPECT_NE(ns.find(kSerial), std::string::npos);
  EXPECT_EQ(ns.find('#'), std::string::npos);
  EXPECT_EQ(doc["creationInfo"]["created"], kTime);
  EXPECT_EQ(doc["creationInfo"]["creators"], json::parse(R"(["Tool: portcullis-1.2.3"])"));

  const json& pkgs = doc["packages"];
  ASSERT_EQ(pkgs.size(), inv.packages.size() + 2);  // + image + OS
  std::regex id_re("SPDXRef-[A-Za-z0-9.-]+");
  std::set<std::string> ids;
  for (const json& p : pkgs) {
    std::string id = p["SPDXID"];
    EXPECT_TRUE(std::regex_match(id, id_re)) << id;
    EXPECT_TRUE(ids.insert(id).second) << id;
    EXPECT_EQ(p["downloadLocation"], "NOASSERTION");
    EXPECT_EQ(p["filesAnalyzed"], false);
    EXPECT_EQ(p["licenseConcluded"], "NOASSERTION");
  }
  EXPECT_EQ(pkgs[0]["primaryPackagePurpose"], "CONTAINER");
  EXPECT_EQ(pkgs[0]["externalRefs"][0]["referenceLocator"].get<std::string>().rfind("pkg:oci/app@", 0), 0u);
  EXPECT_EQ(pkgs[1]["primaryPackagePurpose"], "OPERATING-SYSTEM");
  const json& bash = pkgs[2];
  EXPECT_EQ(bash["name"], "bash");
  EXPECT_EQ(bash["versionInfo"], "5.2.15-2+b2");
  EXPECT_EQ(bash["licenseDeclared"], "GPL-3.0-or-later");
  EXPECT_EQ(bash["externalRefs"], json::parse(R"([{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl",
      "referenceLocator":"pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12"}])"));
  EXPECT_NE(bash["sourceInfo"].get<std::string>().find("var/lib/dpkg/status"), std::string::npos);
  EXPECT_NE(bash["sourceInfo"].get<std::string>().find(inv.packages[0].layer), std::string::npos);
  // Free text becomes a LicenseRef defined in hasExtractedLicensingInfos.
  EXPECT_EQ(pkgs[3]["licenseDeclared"], "GPL-2.0+ AND LicenseRef-Artistic AND LGPL-2.1");
  EXPECT_EQ(pkgs[6]["licenseDeclared"], "BSD-3-Clause OR MIT");
  EXPECT_EQ(pkgs[8]["licenseDeclared"], "NOASSERTION");
  std::set<std::string> defined;
  for (const json& e : doc["hasExtractedLicensingInfos"]) defined.insert(e["licenseId"].get<std::string>());
  EXPECT_EQ(defined, (std::set<std::string>{"LicenseRef-Artistic", "LicenseRef-Apache-License--Version-2.0"}));
  EXPECT_EQ(pkgs[7]["licenseDeclared"], "LicenseRef-Apache-License--Version-2.0");

  const json& rel = doc["relationships"];
  ASSERT_EQ(rel.size(), pkgs.size());  // DESCRIBES + one CONTAINS per other package
  EXPECT_EQ(rel[0], json::parse(R"({"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES",
                                    "relatedSpdxElement":"SPDXRef-Image"})"));
  for (std::size_t i = 1; i < rel.size(); ++i) {
    EXPECT_EQ(rel[i]["relationshipType"], "CONTAINS");
    EXPECT_EQ(rel[i]["relatedSpdxElement"], pkgs[i]["SPDXID"]);
  }
}

TEST(SbomSpdxTest, EmptyInventoryStillDescribesTheImage) {
  Inventory inv;
  json doc = render(inv, SbomFormat::spdx_json);
  EXPECT_EQ(doc["packages"].size(), 1u);
  EXPECT_EQ(doc["packages"][0]["name"], "portcullis-sbom");
  EXPECT_FALSE(doc.contains("hasExtractedLicensingInfos"));
}

TEST(SbomTableTest, HeaderAndAlignedColumns) {
  Inventory inv = sample();
  std::ostringstream out;
  write_sbom(inv, SbomFormat::table, SbomOptions{}, out);
  std::istringstream in(out.str());
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), inv.packages.size() + 2);
  EXPECT_NE(lines[0].find("debian 12.4"), std::string::npos);
  EXPECT_NE(lines[0].find(inv.image), std::string::npos);
  const std::string& head = lines[1];
  EXPECT_EQ(head.rfind("NAME", 0), 0u);
  std::size_t vcol = head.find("VERSION"), tcol = head.find("TYPE"), scol = head.find("SOURCE");
  ASSERT_NE(scol, std::string::npos);
  for (std::size_t i = 0; i < inv.packages.size(); ++i) {
    const std::string& row = lines[i + 2];
    const Package& p = inv.packages[i];
    EXPECT_EQ(row.substr(0, p.name.size()), p.name);
    EXPECT_EQ(row.substr(vcol, p.version.size()), p.version) << row;
    EXPECT_EQ(row.substr(tcol, p.ecosystem.size()), p.ecosystem) << row;
    EXPECT_NE(row.back(), ' ') << row;
  }
  EXPECT_EQ(lines[2].substr(scol), "bash@5.2.15-2");
  EXPECT_EQ(lines[3].substr(scol), "glibc");
}

void expect_same(const Inventory& a, const Inventory& b) {
  EXPECT_EQ(a.image, b.image);
  EXPECT_EQ(a.manifest_digest, b.manifest_digest);
  EXPECT_EQ(a.config_digest, b.config_digest);
  EXPECT_EQ(a.platform, b.platform);
  EXPECT_EQ(a.repo_tags, b.repo_tags);
  EXPECT_EQ(a.os.family, b.os.family);
  EXPECT_EQ(a.os.version, b.os.version);
  EXPECT_EQ(a.os.release, b.os.release);
  EXPECT_EQ(a.os.name, b.os.name);
  EXPECT_EQ(a.os.codename, b.os.codename);
  EXPECT_EQ(a.os.extended, b.os.extended);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    EXPECT_EQ(a.layers[i].digest, b.layers[i].digest);
    EXPECT_EQ(a.layers[i].diff_id, b.layers[i].diff_id);
    EXPECT_EQ(a.layers[i].media_type, b.layers[i].media_type);
    EXPECT_EQ(a.layers[i].size, b.layers[i].size);
  }
  ASSERT_EQ(a.packages.size(), b.packages.size());
  for (std::size_t i = 0; i < a.packages.size(); ++i) {
    const Package &x = a.packages[i], &y = b.packages[i];
    EXPECT_EQ(x.ecosystem, y.ecosystem);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.version, y.version);
    EXPECT_EQ(x.source_name, y.source_name);
    EXPECT_EQ(x.source_version, y.source_version);
    EXPECT_EQ(x.arch, y.arch);
    EXPECT_EQ(x.licenses, y.licenses);
    EXPECT_EQ(x.purl, y.purl);
    EXPECT_EQ(x.layer, y.layer);
    EXPECT_EQ(x.path, y.path);
    EXPECT_EQ(x.properties, y.properties);
  }
  EXPECT_EQ(a.warnings, b.warnings);
}

TEST(SbomJsonTest, RoundTripsEveryField) {
  Inventory inv = sample();
  inv.os.extended = true;
  inv.layers[0].size = 18446744073709551615ull;  // the largest size survives
  inv.packages[0].purl = "pkg:deb/debian/bash@5.2.15-2%2Bb2";
  inv.packages[1].properties = {{"k", "1"}, {"k", "2"}, {"empty", ""}};  // order and repeats kept
  inv.packages[2].name = std::string("quote\" backslash\\ tab\t é nul") + std::string("\0x", 2);
  inv.warnings = {"layer sha256:aaaa: unsafe path ../x", "ünïcode"};
  Inventory back = *inventory_from_json(inventory_to_json(inv));
  expect_same(inv, back);
  EXPECT_EQ(inventory_to_json(back), inventory_to_json(inv));
  expect_same(Inventory{}, *inventory_from_json(inventory_to_json(Inventory{})));
  // Through write_sbom too.
  std::ostringstream out;
  write_sbom(inv, SbomFormat::json, SbomOptions{}, out);
  expect_same(inv, *inventory_from_json(out.str()));
}

TEST(SbomJsonTest, InvalidUtf8IsReplacedNotThrown) {
  Inventory inv;
  inv.packages.push_back(pkg("deb", "bad\xff\xfename", "1"));
  std::string text;
  ASSERT_NO_THROW(text = inventory_to_json(inv));
  auto back = inventory_from_json(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->packages[0].name, "bad\xEF\xBF\xBD\xEF\xBF\xBDname");
  std::ostringstream out;
  EXPECT_NO_THROW(write_sbom(inv, SbomFormat::cyclonedx_json, SbomOptions{}, out));
  EXPECT_NO_THROW(write_sbom(inv, SbomFormat::spdx_json, SbomOptions{}, out));
}

TEST(SbomJsonTest, BadInputIsAClearError) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "parse"},
      {"{", "parse"},
      {"[]", "inventory"},
      {R"({"image": 5})", "image"},
      {R"({"os": []})", "os"},
      {R"({"os": {"extended": "yes"}})", "os.extended"},
      {R"({"layers": {}})", "layers"},
      {R"({"layers": [{"size": -1}]})", "layers[0].size"},
      {R"({"layers": [{"size": 1.5}]})", "layers[0].size"},
      {R"({"packages": [1]})", "packages[0]"},
      {R"({"packages": [{"licenses": [1]}]})", "packages[0].licenses"},
      {R"({"packages": [{}, {"properties": [["k"]]}]})", "packages[1].properties"},
      {R"({"repo_tags": "x"})", "repo_tags"},
      {R"({"format_version": 99})", "format_version"},
  };
  for (const auto& [text, where] : cases) {
    auto r = inventory_from_json(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, core::ErrorCode::InvalidArgument);
    EXPECT_NE(r.error().message.find(where), std::string::npos) << text << " -> " << r.error().message;
  }
  // Deep nesting must not exhaust the stack.
  std::string deep(200000, '[');
  EXPECT_FALSE(inventory_from_json(deep).ok());
  EXPECT_FALSE(inventory_from_json(deep + std::string(200000, ']')).ok());
  std::string deep_obj = R"({"packages": )" + deep + std::string(200000, ']') + "}";
  EXPECT_FALSE(inventory_from_json(deep_obj).ok());
}

}  // namespace
}  // namespace portcullis::scan
