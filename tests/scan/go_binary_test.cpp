// The Go binary analyzer, driven only through the Analyzer interface and fed
// in small odd-sized chunks (so the build-info magic falls across chunk
// boundaries). The oracle is the Go toolchain itself: `go version -m BIN` on
// Go binaries that Debian packages put on PATH, and on a module built here
// offline with a local `replace`.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "scan/analyzers/analyzers.h"
#include "analyzer_test_support.h"
#include "support/temp_dir.h"

namespace portcullis::scan {
namespace {

namespace fs = std::filesystem;
using Row = std::tuple<std::string, std::string>;  // name, version
using testing::find;

std::string on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    fs::path p = fs::path(dir) / name;
    if (!dir.empty() && ::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return {};
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  ::pclose(f);
  return out;
}

// Streams `file` through the analyzer, cycling through chunk sizes that
// split the 14-byte magic at every offset over a long enough file.
FileResult scan_file(const std::string& path, const std::string& image_path) {
  auto analyzer = make_go_binary_analyzer();
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  FileInfo info{image_path, static_cast<std::uint64_t>(st.st_size), st.st_mode & 07777u};
  EXPECT_EQ(analyzer->wants(info), Want::stream) << path;
  auto consumer = analyzer->open_stream(info);
  std::ifstream in(path, std::ios::binary);
  static const std::size_t sizes[] = {1, 7, 13, 3, 4093, 65521, 11, 131071};
  std::vector<char> buf(131071);
  for (std::size_t i = 0; in; ++i) {
    in.read(buf.data(), static_cast<std::streamsize>(sizes[i % std::size(sizes)]));
    if (in.gcount() > 0) consumer->feed({buf.data(), static_cast<std::size_t>(in.gcount())});
  }
  FileResult out;
  consumer->finish(true, out);
  return out;
}

FileResult scan_bytes(const std::string& bytes, std::size_t chunk) {
  auto analyzer = make_go_binary_analyzer();
  FileInfo info{"usr/bin/x", bytes.size(), 0755};
  auto consumer = analyzer->open_stream(info);
  for (std::size_t at = 0; at < bytes.size(); at += chunk)
    consumer->feed(std::string_view(bytes).substr(at, chunk));
  FileResult out;
  consumer->finish(true, out);
  return out;
}

// The packages `go version -m` says the analyzer must report, by the rules in
// go_binary.cpp's header: stdlib "1.19.8"; "(devel)" -> no version; a module
// replacement reported as the replacement; a directory replacement keeps the
// required path without a version.
struct GoVersionM {
  std::set<Row> rows;
  std::string main_package;
  std::string local_replacement;  // "example.com/lib=>../lib"
};

GoVersionM go_version_m(const std::string& binary) {
  GoVersionM g;
  std::stringstream out(run("go version -m '" + binary + "' 2>&1"));
  std::string line;
  std::getline(out, line);
  auto go = line.rfind(": go");
  EXPECT_NE(go, std::string::npos) << line;
  if (go != std::string::npos) g.rows.emplace("stdlib", line.substr(go + 4, line.find(' ', go + 2) - go - 4));
  Row last;
  bool have_last = false;
  auto flush = [&] {
    if (have_last) g.rows.insert(last);
    have_last = false;
  };
  while (std::getline(out, line)) {
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string x; std::getline(fields, x, '\t');) f.push_back(x);
    if (f.size() < 3) continue;  // f[0] is the empty text before the leading tab
    std::string version = f.size() > 3 && f[3] != "(devel)" ? f[3] : "";
    if (f[1] == "path") {
      g.main_package = f[2];
    } else if (f[1] == "mod" || f[1] == "dep") {
      flush();
      last = {f[2], version};
      have_last = true;
    } else if (f[1] == "=>") {
      if (version.empty()) {
        g.local_replacement = std::get<0>(last) + "=>" + f[2];
        last = {std::get<0>(last), ""};
      } else {
        last = {f[2], version};
      }
    }
  }
  flush();
  return g;
}

std::set<Row> rows(const FileResult& r) {
  std::set<Row> s;
  for (const Package& p : r.packages) {
    EXPECT_EQ(p.ecosystem, ecosystem::kGo);
    s.emplace(p.name, p.version);
  }
  return s;
}

TEST(GoBinaryAnalyzer, WantsExecutablesOnly) {
  auto a = make_go_binary_analyzer();
  EXPECT_EQ(a->wants({"usr/bin/app", 5u << 20, 0755}), Want::stream);
  EXPECT_EQ(a->wants({"usr/bin/app", 5u << 20, 0700}), Want::stream);
  EXPECT_EQ(a->wants({"usr/share/doc/x", 5u << 20, 0644}), Want::no);
  EXPECT_EQ(a->wants({"usr/bin/tiny", 100, 0755}), Want::no);
}

// Real binaries built by Debian. scripts/deps installs them; none found is a
// broken test machine, not a reason to skip.
TEST(GoBinaryAnalyzer, MatchesGoVersionOnBinariesOnPath) {
  ASSERT_FALSE(on_path("go").empty()) << "golang-go is not installed";
  std::vector<std::string> binaries;
  for (const char* name : {"skopeo", "umoci", "ctr", "podman", "go"})
    if (std::string p = on_path(name); !p.empty()) binaries.push_back(fs::canonical(p).string());
  ASSERT_GE(binaries.size(), 2u) << "no Go binaries on PATH besides go itself (skopeo, umoci, ctr, podman)";
  for (const std::string& bin : binaries) {
    GoVersionM want = go_version_m(bin);
    FileResult r = scan_file(bin, "usr/bin/" + fs::path(bin).filename().string());
    EXPECT_EQ(rows(r), want.rows) << bin;
    EXPECT_TRUE(r.warnings.empty()) << bin << ": " << (r.warnings.empty() ? "" : r.warnings[0]);
    const Package* std = find(r, "stdlib");
    ASSERT_NE(std, nullptr) << bin;
    ASSERT_NE(std->property("go.package"), nullptr) << bin;
    EXPECT_EQ(*std->property("go.package"), want.main_package) << bin;
    EXPECT_EQ(std->path, "usr/bin/" + fs::path(bin).filename().string());
  }
}

TEST(GoBinaryAnalyzer, ModuleBuiltOfflineWithALocalReplacement) {
  ASSERT_FALSE(on_path("go").empty()) << "golang-go is not installed";
  portcullis::testing::TempDir tmp("pc-gobin");
  fs::path root(tmp.path());
  fs::create_directories(root / "app");
  fs::create_directories(root / "lib");
  std::ofstream(root / "lib" / "go.mod") << "module example.com/lib\n\ngo 1.19\n";
  std::ofstream(root / "lib" / "lib.go") << "package lib\n\nfunc Hello() string { return \"hi\" }\n";
  std::ofstream(root / "app" / "go.mod") << "module example.com/app\n\ngo 1.19\n\nrequire example.com/lib v1.2.3\n\n"
                                            "replace example.com/lib => ../lib\n";
  std::ofstream(root / "app" / "main.go") << "package main\n\nimport \"example.com/lib\"\n\n"
                                             "func main() { println(lib.Hello()) }\n";
  std::string t = root.string();
  std::string cmd = "cd '" + t + "/app' && env HOME='" + t + "' GOPATH='" + t + "/gopath' GOCACHE='" + t +
                    "/cache' GOFLAGS=-mod=mod GOPROXY=off CGO_ENABLED=0 GOTOOLCHAIN=local "
                    "go build -buildvcs=false -o '" + t + "/app.bin' . 2>&1";
  std::string log = run(cmd);
  ASSERT_TRUE(fs::exists(root / "app.bin")) << log;

  GoVersionM want = go_version_m(t + "/app.bin");
  EXPECT_EQ(want.local_replacement, "example.com/lib=>../lib");
  FileResult r = scan_file(t + "/app.bin", "app/server");
  EXPECT_EQ(rows(r), want.rows);
  EXPECT_TRUE(r.warnings.empty());

  const Package* app = find(r, "example.com/app");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->version, "");
  EXPECT_EQ(*app->property("go.version"), "(devel)");
  EXPECT_EQ(*app->property("go.main"), "true");
  const Package* lib = find(r, "example.com/lib");
  ASSERT_NE(lib, nullptr);
  EXPECT_EQ(lib->version, "");
  EXPECT_EQ(*lib->property("go.replaced_by"), "../lib");
  std::string go_version = run("go env GOVERSION");
  EXPECT_EQ("go" + find(r, "stdlib")->version, go_version.substr(0, go_version.find_first_of(" \n")));
}

// A hand-made blob: what a Go >= 1.18 linker writes, with a module
// replacement (which the offline build cannot make: it needs the module cache).
std::string varint(std::size_t n) {
  std::string s;
  for (; n >= 0x80; n >>= 7) s += static_cast<char>((n & 0x7f) | 0x80);
  return s + static_cast<char>(n);
}

std::string blob(std::uint8_t flags, const std::string& version, const std::string& modinfo) {
  std::string h("\xff Go buildinf:", 14);
  h += static_cast<char>(8);
  h += static_cast<char>(flags);
  h.append(16, '\0');
  const std::string sentinel(16, 'S');
  std::string framed = sentinel + modinfo + sentinel;
  return h + varint(version.size()) + version + varint(framed.size()) + framed;
}

std::string fake_elf(const std::string& payload, std::size_t pad) {
  std::string f("\x7f" "ELF", 4);
  f.append(pad, 'x');
  // A look-alike first, as in cmd/go's own rodata: magic followed by junk.
  f += std::string("\xff Go buildinf:", 14) + "not a header at all, just text";
  f.append(pad, '\xff');
  return f + payload + std::string(pad, '\0');
}

TEST(GoBinaryAnalyzer, ModuleReplacementAndEveryChunkSplit) {
  std::string info =
      "path\texample.com/cmd/tool\nmod\texample.com/tool\tv1.4.0\th1:abc=\n"
      "dep\tgolang.org/x/net\tv0.7.0\th1:def=\n=>\tgithub.com/fork/net\tv0.7.1-fork\th1:ghi=\n"
      "dep\tgolang.org/x/text\tv0.8.0\th1:jkl=\nbuild\tGOOS=linux\n";
  std::string file = fake_elf(blob(2, "go1.22.3 X:boringcrypto", info), 100);
  std::set<Row> want{{"stdlib", "1.22.3"},
                     {"example.com/tool", "v1.4.0"},
                     {"github.com/fork/net", "v0.7.1-fork"},
                     {"golang.org/x/text", "v0.8.0"}};
  for (std::size_t chunk = 1; chunk <= 40; ++chunk) {
    FileResult r = scan_bytes(file, chunk);
    EXPECT_EQ(rows(r), want) << "chunk " << chunk;
    EXPECT_TRUE(r.warnings.empty()) << "chunk " << chunk;
  }
  FileResult r = scan_bytes(file, 1 << 20);
  EXPECT_EQ(*find(r, "github.com/fork/net")->property("go.replaces"), "golang.org/x/net@v0.7.0");
  EXPECT_EQ(*find(r, "stdlib")->property("go.package"), "example.com/cmd/tool");
}

TEST(GoBinaryAnalyzer, OldFormatTruncationAndNonBinaries) {
  // Go < 1.18: pointers instead of inline strings.
  std::string old("\xff Go buildinf:", 14);
  old += '\x08';
  old += '\x00';
  old.append(16, '\x10');
  FileResult r = scan_bytes(fake_elf(old, 64), 5);
  EXPECT_TRUE(r.packages.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("unsupported Go build info format"), std::string::npos);

  // Cut inside the module info.
  std::string full = fake_elf(blob(2, "go1.21.0", "path\tx\nmod\tx\tv1.0.0\t\n"), 64);
  std::string cut = full.substr(0, full.size() - 64 - 20);
  r = scan_bytes(cut, 9);
  EXPECT_TRUE(r.packages.empty());
  EXPECT_FALSE(r.warnings.empty());

  // A shell script with the magic in it, and a non-Go ELF: nothing, silently.
  r = scan_bytes("#!/bin/sh\necho '" + blob(2, "go1.21.0", "mod\tx\tv1\t\n") + "'\n", 3);
  EXPECT_TRUE(r.packages.empty());
  EXPECT_TRUE(r.warnings.empty());
  r = scan_bytes(fake_elf("", 5000), 777);
  EXPECT_TRUE(r.packages.empty());
  EXPECT_TRUE(r.warnings.empty());

  // A version length that claims megabytes: rejected, no huge allocation.
  std::string liar("\xff Go buildinf:", 14);
  liar += '\x08';
  liar += '\x02';
  liar.append(16, '\0');
  liar += varint(std::size_t(1) << 40);
  r = scan_bytes(fake_elf(liar, 64), 4096);
  EXPECT_TRUE(r.packages.empty());
}

}  // namespace
}  // namespace portcullis::scan
