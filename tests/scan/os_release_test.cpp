// OS detection: the release-file analyzer over every fixture under
// fixtures/osrelease (expected outputs shipped with claircore's fixtures are
// read at test time; Trivy's and syft's are named here), and the merge rules
// of os_release.h.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "scan/analyzer.h"
#include "scan/analyzers/analyzers.h"
#include "analyzer_test_support.h"
#include "scan/os_release.h"

namespace portcullis::scan {
namespace {

namespace fs = std::filesystem;
const fs::path kRoot = fs::path(PORTCULLIS_FIXTURES) / "osrelease";

using testing::read_file;

FileResult run(std::string_view image_path, const std::string& content) {
  return testing::run_analyzer(*make_os_release_analyzer(), image_path, content);
}

// Treats `root` as an image's file system: every file the analyzer wants, in
// path order, then the merge.
OsRelease detect(const fs::path& root) {
  auto analyzer = make_os_release_analyzer();
  std::vector<std::string> paths;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) paths.push_back(fs::relative(e.path(), root).generic_string());
  std::sort(paths.begin(), paths.end());
  std::vector<OsFact> facts;
  for (const std::string& p : paths) {
    std::string content = read_file(root / p);
    FileInfo info{p, content.size(), 0644};
    if (analyzer->wants(info) != Want::whole) continue;
    FileResult out;
    analyzer->analyze(info, content, out);
    if (out.os) facts.push_back(*out.os);
  }
  return merge_os_facts(facts);
}

// Sections of a txtar archive ("-- name --" lines).
std::map<std::string, std::string> txtar(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line, current;
  while (std::getline(in, line)) {
    if (line.size() > 6 && line.rfind("-- ", 0) == 0 && line.substr(line.size() - 3) == " --") {
      current = line.substr(3, line.size() - 6);
      out[current];
    } else if (!current.empty()) {
      out[current] += line + "\n";
    }
  }
  return out;
}

std::string json_str(const nlohmann::json& j, const char* key) {
  return j.contains(key) ? j[key].get<std::string>() : std::string();
}

TEST(OsRelease, ClaircoreOsReleaseTxtarDistributions) {
  int checked = 0;
  for (const auto& e : fs::directory_iterator(kRoot / "claircore-osrelease")) {
    SCOPED_TRACE(e.path().filename().string());
    auto sections = txtar(read_file(e.path()));
    auto want = nlohmann::json::parse(sections.at("Distribution"));
    auto parsed = nlohmann::json::parse(sections.at("Parsed"));
    FileResult r = run("etc/os-release", sections.at("os-release"));
    ASSERT_TRUE(r.os.has_value());
    std::string did = json_str(want, "did");
    EXPECT_EQ(r.os->family, did == "rhel" ? "redhat" : did);
    EXPECT_EQ(r.os->version, json_str(want, "version_id"));
    EXPECT_EQ(r.os->codename, json_str(want, "version_code_name"));
    // Claircore rewrites pretty_name for some distributions; the file's own
    // PRETTY_NAME is what we report.
    EXPECT_EQ(r.os->name, json_str(parsed, "PRETTY_NAME"));
    EXPECT_EQ(r.os->source, "etc/os-release");
    ++checked;
  }
  EXPECT_EQ(checked, 11);
}

TEST(OsRelease, ClaircoreAlpineWantFiles) {
  int checked = 0;
  for (const auto& e : fs::directory_iterator(kRoot / "claircore-alpine")) {
    SCOPED_TRACE(e.path().filename().string());
    auto want = nlohmann::json::parse(read_file(e.path() / "want"));
    ASSERT_EQ(want.size(), 1u);
    OsRelease os = detect(e.path());
    EXPECT_EQ(os.family, json_str(want[0], "did"));
    EXPECT_EQ(os.release, json_str(want[0], "version"));
    EXPECT_EQ(os.name, json_str(want[0], "pretty_name"));
    ++checked;
  }
  EXPECT_EQ(checked, 17);
}

TEST(OsRelease, ClaircoreDebianAndUbuntuTrees) {
  int checked = 0;
  for (const char* dir : {"claircore-debian/dist", "claircore-debian/distroless_dist"}) {
    for (const auto& e : fs::directory_iterator(kRoot / dir)) {
      SCOPED_TRACE(e.path().string());
      OsRelease os = detect(e.path());
      std::string v = e.path().filename().string();
      EXPECT_EQ(os.family, "debian");
      EXPECT_EQ(os.version, v);
      EXPECT_EQ(os.release, v);
      ++checked;
    }
  }
  for (const auto& e : fs::directory_iterator(kRoot / "claircore-ubuntu/dist")) {
    SCOPED_TRACE(e.path().string());
    OsRelease os = detect(e.path());
    std::string v = e.path().filename().string();
    // ubuntu/dist/11 holds a Debian 11 os-release (claircore's negative case).
    EXPECT_EQ(os.family, v == "11" ? "debian" : "ubuntu");
    EXPECT_EQ(os.release, v);
    ++checked;
  }
  EXPECT_EQ(checked, 9 + 26);
}

TEST(OsRelease, ClaircoreRhelAndOracleReleaseFiles) {
  const std::map<std::string, std::pair<std::string, std::string>> want = {
      {"7", {"redhat", "7"}},       {"8", {"redhat", "8"}},           {"9", {"redhat", "9"}},
      {"atomichost-7", {"redhat", "7"}}, {"hummingbird", {"hummingbird", "20251124"}},
      {"oracle-6", {"oracle", "6"}}, {"oracle-7", {"oracle", "7"}}, {"oracle-8", {"oracle", "8"}},
      {"oracle-9", {"oracle", "9"}}};
  int checked = 0;
  for (const auto& e : fs::directory_iterator(kRoot / "claircore-rhel/releasefiles")) {
    std::string name = e.path().filename().string();
    SCOPED_TRACE(name);
    ASSERT_TRUE(want.count(name));
    OsRelease os = detect(e.path());
    EXPECT_EQ(os.family, want.at(name).first);
    EXPECT_EQ(os.release, want.at(name).second);
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(want.size()));
}

struct Case {
  std::string fixture;     // under osrelease/
  std::string image_path;  // where the file sits in an image
  std::string family, version, release;  // family empty: no fact
};

// Trivy's analyzer fixtures; expectations follow Trivy's own tests except
// where noted (Trivy ignores unknown IDs and os-release without VERSION_ID).
const std::vector<Case> kTrivyCases = {
    {"trivy-os-release/activestate", "etc/os-release", "activestate", "1.0", "1.0"},
    {"trivy-os-release/alma", "etc/os-release", "alma", "9.4", "9"},
    {"trivy-os-release/alpine", "etc/os-release", "alpine", "3.15.4", "3.15"},
    {"trivy-os-release/azurelinux-3.0", "etc/os-release", "azurelinux", "3.0", "3.0"},
    {"trivy-os-release/bottlerocket", "usr/lib/os-release", "bottlerocket", "1.34.0", "1.34.0"},
    {"trivy-os-release/centos", "etc/os-release", "centos", "7", "7"},
    {"trivy-os-release/centos-stream", "etc/os-release", "centos-stream", "8", "8"},
    {"trivy-os-release/coreos", "etc/os-release", "coreos", "3.15.4", "3.15.4"},
    {"trivy-os-release/echo", "etc/os-release", "echo", "1", "1"},
    {"trivy-os-release/fedora", "etc/os-release", "fedora", "42", "42"},
    {"trivy-os-release/mariner-1.0", "etc/os-release", "cbl-mariner", "1.0", "1.0"},
    {"trivy-os-release/mariner-2.0", "etc/os-release", "cbl-mariner", "2.0", "2.0"},
    {"trivy-os-release/minimos", "etc/os-release", "minimos", "20241031", "20241031"},
    {"trivy-os-release/no-id", "etc/os-release", "", "", ""},
    {"trivy-os-release/no-version", "etc/os-release", "alpine", "", ""},  // family known, release not
    {"trivy-os-release/opensuseleap-15.2.1", "etc/os-release", "opensuse-leap", "15.2.1", "15.2.1"},
    {"trivy-os-release/opensuseleap-42.3", "etc/os-release", "opensuse-leap", "42.3", "42.3"},
    {"trivy-os-release/opensusetumbleweed", "etc/os-release", "opensuse-tumbleweed", "20220412", "20220412"},
    {"trivy-os-release/oracle", "etc/os-release", "oracle", "8.10", "8"},
    {"trivy-os-release/photon", "etc/os-release", "photon", "4.0", "4.0"},
    {"trivy-os-release/rhel", "etc/os-release", "redhat", "9.4", "9"},
    {"trivy-os-release/rocky", "etc/os-release", "rocky", "9.3", "9"},
    {"trivy-os-release/slemicro", "etc/os-release", "slem", "5.3", "5.3"},
    {"trivy-os-release/slemicro-rancher", "etc/os-release", "slem", "5.4", "5.4"},
    {"trivy-os-release/slemicro6.0", "etc/os-release", "slem", "6.0", "6.0"},
    {"trivy-os-release/sles", "etc/os-release", "sles", "15.3", "15.3"},
    {"trivy-os-release/unknown", "etc/os-release", "unknown", "4.3.2", "4.3.2"},  // kept as named
    {"trivy-redhatbase/alma/almalinux-release", "etc/almalinux-release", "alma", "8.4", "8"},
    {"trivy-redhatbase/centos/centos-release", "etc/centos-release", "centos", "7.6.1810", "7"},
    {"trivy-redhatbase/fedora_29/fedora-release", "etc/fedora-release", "fedora", "29", "29"},
    {"trivy-redhatbase/oracle_7/oracle-release", "etc/oracle-release", "oracle", "7.6", "7"},
    {"trivy-redhatbase/redhat_6/redhat-release", "etc/redhat-release", "redhat", "6.2", "6"},
    {"trivy-redhatbase/rocky/rocky-release", "etc/rocky-release", "rocky", "8.4", "8"},
    {"trivy-redhatbase/not_redhatbase/empty", "etc/redhat-release", "", "", ""},
    {"trivy-debian/debian_9/etc/debian_version", "etc/debian_version", "debian", "9.8", "9"},
    {"trivy-debian/debian_sid/etc/debian_version", "etc/debian_version", "debian", "buster/sid", "10"},
    {"trivy-debian/empty", "etc/debian_version", "", "", ""},
    {"trivy-ubuntu/lsb-release", "etc/lsb-release", "ubuntu", "18.04", "18.04"},
    {"trivy-ubuntu/invalid", "etc/lsb-release", "", "", ""},
};

// syft's single-file fixtures and file-system trees (syft/linux tests).
const std::vector<Case> kSyftFiles = {
    {"syft-linux/bad-redhat-release", "etc/redhat-release", "centos", "5", "5"},
    {"syft-linux/bad-system-release-cpe", "etc/system-release-cpe", "", "", ""},
    {"syft-linux/centos-8", "etc/os-release", "centos", "8", "8"},
    {"syft-linux/debian-8", "etc/os-release", "debian", "8", "8"},
    {"syft-linux/rhel-8", "etc/os-release", "redhat", "8.1", "8"},
    {"syft-linux/ubuntu-20.04", "etc/os-release", "ubuntu", "20.04", "20.04"},
    {"syft-linux/unprintable", "etc/os-release", "debian", "8", "8"},  // CRLF line ends
};
const std::vector<Case> kSyftTrees = {
    {"syft-linux/os/almalinux/from-os-release", "", "alma", "8.4", "8"},
    {"syft-linux/os/almalinux/from-redhat-release", "", "alma", "8.10", "8"},
    {"syft-linux/os/alpine", "", "alpine", "3.11.6", "3.11"},
    {"syft-linux/os/amazon", "", "amazon", "2", "2"},
    {"syft-linux/os/arch", "", "arch", "", ""},
    {"syft-linux/os/busybox", "", "", "", ""},  // bin/busybox is not read
    {"syft-linux/os/centos", "", "centos", "8", "8"},
    {"syft-linux/os/centos5", "", "centos", "5.7", "5"},
    {"syft-linux/os/centos6", "", "centos", "6", "6"},  // from system-release-cpe
    {"syft-linux/os/custom", "", "scientific", "8", "8"},
    {"syft-linux/os/debian/from-debian_version", "", "debian", "10.8", "10"},
    {"syft-linux/os/debian/from-os-release", "", "debian", "8", "8"},
    {"syft-linux/os/debian/with-point-release", "", "debian", "13.5", "13"},
    {"syft-linux/os/empty", "", "", "", ""},
    {"syft-linux/os/fedora", "", "fedora", "36", "36"},
    {"syft-linux/os/mariner", "", "cbl-mariner", "1.0", "1.0"},
    {"syft-linux/os/opensuse-leap", "", "opensuse-leap", "15.2", "15.2"},
    {"syft-linux/os/oraclelinux", "", "oracle", "8.3", "8"},
    {"syft-linux/os/photon", "", "photon", "2.0", "2.0"},
    {"syft-linux/os/redhat/from-os-release", "", "redhat", "7.3", "7"},
    {"syft-linux/os/redhat/from-redhat-release", "", "redhat", "8.10", "8"},
    {"syft-linux/os/rockylinux/from-os-release", "", "rocky", "8.4", "8"},
    {"syft-linux/os/rockylinux/from-redhat-release", "", "rocky", "8.10", "8"},
    {"syft-linux/os/scientific/from-os-release", "", "scientific", "7.5", "7.5"},
    {"syft-linux/os/scientific/from-redhat-release", "", "scientific", "7.9", "7.9"},
    {"syft-linux/os/sles", "", "sles", "15.2", "15.2"},
    {"syft-linux/os/ubuntu", "", "ubuntu", "20.04", "20.04"},
    {"syft-linux/os/wolfi", "", "wolfi", "20220914", "20220914"},
    {"syft-linux/partial-fields/missing-id", "", "", "", ""},
    {"syft-linux/partial-fields/missing-version", "", "", "", ""},
    {"syft-linux/partial-fields/unknown-id", "", "my-awesome-distro", "8", "8"},
};

TEST(OsRelease, TrivyAndSyftSingleFiles) {
  for (const auto* cases : {&kTrivyCases, &kSyftFiles}) {
    for (const Case& c : *cases) {
      SCOPED_TRACE(c.fixture);
      ASSERT_TRUE(fs::is_regular_file(kRoot / c.fixture));
      FileResult r = run(c.image_path, read_file(kRoot / c.fixture));
      if (c.family.empty()) {
        EXPECT_FALSE(r.os.has_value());
        EXPECT_FALSE(r.warnings.empty());  // nothing recognised says why
        continue;
      }
      ASSERT_TRUE(r.os.has_value());
      EXPECT_EQ(r.os->family, c.family);
      EXPECT_EQ(r.os->version, c.version);
      OsRelease merged = merge_os_facts({*r.os});
      EXPECT_EQ(merged.release, c.release);
    }
  }
}

TEST(OsRelease, SyftFileSystemTrees) {
  for (const Case& c : kSyftTrees) {
    SCOPED_TRACE(c.fixture);
    ASSERT_TRUE(fs::is_directory(kRoot / c.fixture));
    OsRelease os = detect(kRoot / c.fixture);
    EXPECT_EQ(os.family, c.family);
    EXPECT_EQ(os.version, c.version);
    EXPECT_EQ(os.release, c.release);
  }
  // Every syft fixture file belongs to one of the cases above.
  for (const auto& e : fs::recursive_directory_iterator(kRoot / "syft-linux")) {
    if (!e.is_regular_file()) continue;
    std::string rel = fs::relative(e.path(), kRoot).generic_string();
    bool covered = false;
    for (const auto* cases : {&kSyftFiles, &kSyftTrees})
      for (const Case& c : *cases) covered = covered || rel == c.fixture || rel.rfind(c.fixture + "/", 0) == 0;
    EXPECT_TRUE(covered) << rel;
  }
}

TEST(OsRelease, UbuntuEsmStatus) {
  FileResult on = run("var/lib/ubuntu-advantage/status.json", read_file(kRoot / "trivy-ubuntu/esm_enabled_status.json"));
  ASSERT_TRUE(on.os.has_value());
  EXPECT_TRUE(on.os->extended);
  FileResult off = run("var/lib/ubuntu-advantage/status.json", read_file(kRoot / "trivy-ubuntu/esm_disabled_status.json"));
  EXPECT_FALSE(off.os.has_value());
  FileResult bad = run("var/lib/ubuntu-advantage/status.json", "{\"services\": [1, {\"name\": 2}]");
  EXPECT_FALSE(bad.os.has_value());
  EXPECT_FALSE(bad.warnings.empty());
}

TEST(OsRelease, MergeUbuntuOverridesDebianVersion) {
  OsFact deb{"etc/debian_version", "debian", "buster/sid", "", "buster"};
  OsFact lsb{"etc/lsb-release", "ubuntu", "18.04", "Ubuntu 18.04.2 LTS", "bionic"};
  OsFact osr{"etc/os-release", "ubuntu", "18.04", "Ubuntu 18.04.3 LTS", "bionic"};
  for (const auto& facts : {std::vector<OsFact>{deb, lsb, osr}, std::vector<OsFact>{osr, deb}}) {
    OsRelease os = merge_os_facts(facts);
    EXPECT_EQ(os.family, "ubuntu");
    EXPECT_EQ(os.version, "18.04");
    EXPECT_EQ(os.release, "18.04");
    EXPECT_EQ(os.codename, "bionic");
  }
}

TEST(OsRelease, MergeOracleOverridesRedhatRelease) {
  OsFact ol{"etc/oracle-release", "oracle", "7.9", "Oracle Linux Server release 7.9", ""};
  OsFact rh{"etc/redhat-release", "redhat", "7.9", "Red Hat Enterprise Linux Server release 7.9 (Maipo)", "Maipo"};
  for (const auto& facts : {std::vector<OsFact>{ol, rh}, std::vector<OsFact>{rh, ol}}) {
    OsRelease os = merge_os_facts(facts);
    EXPECT_EQ(os.family, "oracle");
    EXPECT_EQ(os.release, "7");
    EXPECT_EQ(os.name, "Oracle Linux Server release 7.9");
  }
}

TEST(OsRelease, MergeEsmIsOred) {
  OsFact osr{"etc/os-release", "ubuntu", "16.04", "Ubuntu 16.04.7 LTS", "xenial"};
  OsFact esm{"var/lib/ubuntu-advantage/status.json", "", "", "", "", true};
  OsRelease os = merge_os_facts({esm, osr});
  EXPECT_EQ(os.family, "ubuntu");
  EXPECT_EQ(os.release, "16.04");
  EXPECT_TRUE(os.extended);
  EXPECT_FALSE(merge_os_facts({osr}).extended);
}

TEST(OsRelease, MergeDebianPrefersTheNumericVersion) {
  OsFact point{"etc/debian_version", "debian", "12.4", "", ""};
  OsFact osr{"etc/os-release", "debian", "12", "Debian GNU/Linux 12 (bookworm)", "bookworm"};
  for (const auto& facts : {std::vector<OsFact>{point, osr}, std::vector<OsFact>{osr, point}}) {
    OsRelease os = merge_os_facts(facts);
    EXPECT_EQ(os.version, "12.4");
    EXPECT_EQ(os.release, "12");
    EXPECT_EQ(os.codename, "bookworm");
    EXPECT_EQ(os.name, "Debian GNU/Linux 12 (bookworm)");
  }
  // Testing: debian_version names a codename, os-release has no VERSION_ID.
  OsFact testing{"etc/debian_version", "debian", "trixie/sid", "", "trixie"};
  OsFact testing_osr{"etc/os-release", "debian", "", "Debian GNU/Linux trixie/sid", "trixie"};
  OsRelease os = merge_os_facts({testing, testing_osr});
  EXPECT_EQ(os.version, "trixie/sid");
  EXPECT_EQ(os.release, "13");
  OsFact old_sid{"etc/debian_version", "debian", "buster/sid", "", "buster"};
  EXPECT_EQ(merge_os_facts({old_sid, OsFact{"etc/os-release", "debian", "10", "", "buster"}}).version, "10");
  EXPECT_TRUE(merge_os_facts({}).family.empty());
}

TEST(OsRelease, NormalizeRelease) {
  EXPECT_EQ(normalize_release("debian", "10.3"), "10");
  EXPECT_EQ(normalize_release("debian", "bookworm/sid"), "12");
  EXPECT_EQ(normalize_release("debian", "sid"), "sid");
  EXPECT_EQ(normalize_release("alpine", "3.10.2"), "3.10");
  EXPECT_EQ(normalize_release("alpine", "3.19_alpha20230901"), "edge");
  EXPECT_EQ(normalize_release("ubuntu", "18.04"), "18.04");
  EXPECT_EQ(normalize_release("redhat", "8.10"), "8");
  EXPECT_EQ(normalize_release("centos", "7.6.1810"), "7");
  EXPECT_EQ(normalize_release("amazon", "2"), "2");
  EXPECT_EQ(normalize_release("amazon", "2023.3.20240108"), "2023");
  EXPECT_EQ(normalize_release("amazon", "2022"), "2022");
  EXPECT_EQ(normalize_release("amazon", "2018.03"), "1");
  EXPECT_EQ(normalize_release("opensuse-leap", "15.2"), "15.2");
}

TEST(OsRelease, AmazonSystemRelease) {
  FileResult al2 = run("etc/system-release", "Amazon Linux release 2 (Karoo)\n");
  ASSERT_TRUE(al2.os.has_value());
  EXPECT_EQ(al2.os->family, "amazon");
  EXPECT_EQ(merge_os_facts({*al2.os}).release, "2");
  FileResult al1 = run("etc/system-release", "Amazon Linux AMI release 2018.03\n");
  ASSERT_TRUE(al1.os.has_value());
  EXPECT_EQ(merge_os_facts({*al1.os}).release, "1");
  FileResult al2023 = run("usr/lib/system-release", "Amazon Linux release 2023.3.20240108 (Amazon Linux)\n");
  ASSERT_TRUE(al2023.os.has_value());
  EXPECT_EQ(merge_os_facts({*al2023.os}).release, "2023");
}

TEST(OsRelease, QuotingAndGarbage) {
  FileResult q = run("etc/os-release",
                     "ID='debian'\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Deb \\\"quoted\\\" \\$x\"\n"
                     "VERSION_CODENAME=book\\ worm\nNAME=\"unterminated\n");
  ASSERT_TRUE(q.os.has_value());
  EXPECT_EQ(q.os->family, "debian");
  EXPECT_EQ(q.os->name, "Deb \"quoted\" $x");
  EXPECT_EQ(q.os->codename, "book worm");
  FileResult ctl = run("etc/os-release", std::string("ID=alpine\nVERSION_ID=\"3.1\x01\x02\xff\x80" "9\"\n"));
  ASSERT_TRUE(ctl.os.has_value());
  EXPECT_EQ(ctl.os->version, "3.19");
  std::mt19937 rng(3);
  const char* paths[] = {"etc/os-release", "etc/lsb-release", "etc/debian_version", "etc/redhat-release",
                         "etc/system-release-cpe", "var/lib/ubuntu-advantage/status.json", "etc/alpine-release"};
  for (int round = 0; round < 300; ++round) {
    std::string s(rng() % 600, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 ? "ID=\"'\\\n ._-0123456789 release abc{}[]:,"[rng() % 40] : rng() % 256);
    FileResult r = run(paths[round % 7], s);
    if (r.os) {
      EXPECT_LE(r.os->name.size(), 256u);
    }
  }
}

}  // namespace
}  // namespace portcullis::scan
