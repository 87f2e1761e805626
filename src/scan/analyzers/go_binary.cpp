// Go binaries: the modules a Go executable was built from, read from the
// build-info blob the Go linker embeds (what `go version -m` prints).
//
// Contract:
//  - Wants executable regular files (some x bit, at least kMinSize bytes) as
//    a stream; files that do not start like an executable (ELF, PE, Mach-O,
//    XCOFF) are ignored after their first bytes. Nothing but a few bytes of
//    look-behind and the blob itself (at most kMaxBlob) is ever held.
//  - The blob is "\xff Go buildinf:" + pointer size + flags, 32 bytes, then,
//    for Go >= 1.18 (flag bit 2), two varint-length-prefixed strings: the Go
//    version and the module info. Older binaries store pointers instead; they
//    get the warning "unsupported Go build info format".
//  - Packages (ecosystem Go, path = the binary):
//      "stdlib", version = the toolchain without "go" and build suffixes
//        ("go1.19.8 X:boringcrypto" -> "1.19.8"), as OSV names the standard
//        library; property go.package = the main package path when known;
//      the main module ("mod" line), property go.main = "true"; a "(devel)"
//        version is reported as an empty version with go.version = "(devel)";
//      every "dep" as written ("v1.2.3"). A dep replaced by a module
//        ("=> path version") is reported as the replacement (that is the code
//        linked), with go.replaces = "original@version"; a dep replaced by a
//        local directory ("=> ../lib (devel)") keeps its name, has no version
//        and go.replaced_by = the directory.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scan/analyzers/analyzers.h"

namespace portcullis::scan {
namespace {

constexpr std::string_view kMagic("\xff Go buildinf:", 14);
constexpr std::size_t kHeaderSize = 32;
constexpr std::size_t kMaxBlob = 4u << 20;  // header + version + module info
constexpr std::size_t kMaxVersion = 256;     // "go1.22.3 X:boringcrypto"
constexpr std::size_t kProbe = 320;          // enough for the header, both lengths and the version
constexpr int kMaxCandidates = 64;           // magics that turned out not to be the blob
constexpr std::uint64_t kMinSize = 4096;

bool looks_executable(std::string_view head) {
  auto starts = [&](std::string_view m) { return head.substr(0, m.size()) == m; };
  return starts("\x7f" "ELF") || starts("MZ") || starts("\xfe\xed\xfa\xce") || starts("\xfe\xed\xfa\xcf") ||
         starts("\xce\xfa\xed\xfe") || starts("\xcf\xfa\xed\xfe") || starts(std::string_view("\x01\xdf", 2)) ||
         starts(std::string_view("\x01\xf7", 2));
}

// Decodes an unsigned LEB128 varint at `pos`. 0 bytes consumed: need more
// data; -1: malformed.
int uvarint(std::string_view s, std::size_t pos, std::uint64_t& value) {
  value = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos + i >= s.size()) return 0;
    auto b = static_cast<unsigned char>(s[pos + i]);
    value |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) return i + 1;
  }
  return -1;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) out.push_back(s.substr(start, i - start)), start = i + 1;
  return out;
}

struct Module {
  std::string path, version, replace_path, replace_version;
  bool replaced = false;
};

Package to_package(const Module& m, const std::string& file) {
  Package p;
  p.ecosystem = ecosystem::kGo;
  p.path = file;
  // A directory replacement has no version ("(devel)" since Go 1.18 or so).
  bool local = m.replace_version.empty() || m.replace_version == "(devel)";
  if (m.replaced && !local) {
    p.name = m.replace_path;
    p.version = m.replace_version;
    p.properties.emplace_back("go.replaces", m.path + "@" + m.version);
  } else if (m.replaced) {
    p.name = m.path;
    p.properties.emplace_back("go.replaced_by", m.replace_path);
  } else {
    p.name = m.path;
    p.version = m.version;
  }
  if (p.version == "(devel)") {
    p.version.clear();
    p.properties.emplace_back("go.version", "(devel)");
  }
  return p;
}

// The module info text, framing already removed: tab-separated lines.
void parse_modinfo(std::string_view info, const std::string& go_version, const std::string& file, FileResult& out) {
  std::string main_package;
  Module main;
  bool has_main = false;
  std::vector<Module> deps;
  Module* last = nullptr;
  for (std::string_view line : split(info, '\n')) {
    auto f = split(line, '\t');
    if (f.size() < 2) continue;
    if (f[0] == "path") {
      main_package = f[1];
    } else if (f[0] == "mod" || f[0] == "dep") {
      Module m;
      m.path = f[1];
      if (f.size() > 2) m.version = f[2];
      if (f[0] == "mod") {
        main = std::move(m);
        has_main = true;
        last = &main;
      } else {
        deps.push_back(std::move(m));
        last = &deps.back();  // valid until the next push_back, which also moves `last` on
      }
    } else if (f[0] == "=>" && last) {
      last->replaced = true;
      last->replace_path = f[1];
      last->replace_version = f.size() > 2 ? std::string(f[2]) : std::string();
      last = nullptr;
    }
  }
  // "go1.19.8 X:boringcrypto" -> "1.19.8"; "devel go1.23-abc" names no release.
  std::string_view v(go_version);
  if (v.starts_with("go") && v.size() > 2 && v[2] >= '0' && v[2] <= '9') {
    Package std;
    std.ecosystem = ecosystem::kGo;
    std.name = "stdlib";
    std.version = std::string(v.substr(2, v.find(' ') == std::string_view::npos ? v.npos : v.find(' ') - 2));
    std.path = file;
    if (!main_package.empty()) std.properties.emplace_back("go.package", main_package);
    out.packages.push_back(std::move(std));
  } else {
    out.warnings.push_back("Go toolchain version \"" + go_version + "\" is not a release; no stdlib package");
  }
  if (has_main && !main.path.empty()) {
    out.packages.push_back(to_package(main, file));
    out.packages.back().properties.emplace_back("go.main", "true");
  }
  for (const Module& d : deps)
    if (!d.path.empty()) out.packages.push_back(to_package(d, file));
}

class GoBuildInfoReader final : public StreamConsumer {
 public:
  explicit GoBuildInfoReader(std::string path) : path_(std::move(path)) {}

  void feed(std::string_view chunk) override { process(chunk); }

  void finish(bool complete, FileResult& out) override {
    if (state_ == State::found) {
      parse_modinfo(modinfo_, go_version_, path_, out);
    } else if (state_ == State::capturing && header_ok_) {
      out.warnings.push_back("Go build info cut short" + std::string(complete ? "" : " (file truncated)"));
    } else if (old_format_) {
      out.warnings.push_back("unsupported Go build info format (Go before 1.18)");
    } else if (candidates_ > kMaxCandidates) {
      out.warnings.push_back("too many Go build info look-alikes; gave up");
    }
  }

 private:
  enum class State { head, searching, capturing, found, ignored };

  void process(std::string_view data) {
    while (!data.empty()) {
      switch (state_) {
        case State::found:
        case State::ignored:
          return;
        case State::head: {
          // Decide from the first bytes whether this is an executable at all.
          std::size_t take = std::min(data.size(), 4 - window_.size());
          window_.append(data.substr(0, take));
          if (window_.size() < 4) return;
          state_ = looks_executable(window_) ? State::searching : State::ignored;
          data.remove_prefix(take);
          std::string head = std::move(window_);
          window_.clear();
          if (state_ == State::searching) process(head);
          break;
        }
        case State::searching:
          data = search(data);
          break;
        case State::capturing:
          data = capture(data);
          break;
      }
    }
  }

  // Looks for the magic, also where a chunk boundary splits it. Returns what
  // follows the magic (state capturing) or nothing (keeps a look-behind).
  std::string_view search(std::string_view data) {
    if (!window_.empty()) {
      // Boundary: the magic may start in the look-behind and end in `data`.
      std::string joined = window_ + std::string(data.substr(0, kMagic.size() - 1));
      auto at = joined.find(kMagic);
      if (at != std::string::npos && at < window_.size()) {
        std::size_t used = at + kMagic.size() - window_.size();
        window_.clear();
        return start_capture(data.substr(used));
      }
    }
    auto* hit = static_cast<const char*>(memmem(data.data(), data.size(), kMagic.data(), kMagic.size()));
    if (hit) {
      window_.clear();
      return start_capture(data.substr(hit - data.data() + kMagic.size()));
    }
    // Keep the last magic-length-minus-one bytes seen, across small chunks too.
    window_.append(data.substr(data.size() > kMagic.size() ? data.size() - kMagic.size() : 0));
    if (window_.size() >= kMagic.size()) window_.erase(0, window_.size() - (kMagic.size() - 1));
    return {};
  }

  std::string_view start_capture(std::string_view rest) {
    state_ = State::capturing;
    blob_.assign(kMagic);
    return rest;
  }

  // Accumulates the blob until it is complete or proves to be a look-alike.
  // Until the header and version are proven only kProbe bytes are taken, so
  // a rejected look-alike leaves little to re-scan.
  std::string_view capture(std::string_view data) {
    std::size_t room = (header_ok_ ? kMaxBlob : kProbe) - blob_.size();
    std::string_view taken = data.substr(0, room), rest = data.substr(taken.size());
    blob_.append(taken);
    Verdict v = check();
    if (v == Verdict::done) {
      state_ = State::found;
      return {};
    }
    if (v == Verdict::more && blob_.size() < (header_ok_ ? kMaxBlob : kProbe)) return rest;
    // Bytes after the rejected magic's first byte may hold the real one;
    // kMaxCandidates bounds this re-scan.
    std::string again = blob_.substr(1);
    reject();
    if (state_ == State::searching) process(again);
    return rest;
  }

  void reject() {
    state_ = ++candidates_ > kMaxCandidates ? State::ignored : State::searching;
    window_.clear();
    blob_.clear();
    header_ok_ = false;
  }

  enum class Verdict { more, done, bad };

  Verdict check() {
    std::string_view b(blob_);
    if (b.size() < kHeaderSize) return Verdict::more;
    auto ptr_size = static_cast<unsigned char>(b[14]);
    auto flags = static_cast<unsigned char>(b[15]);
    if (ptr_size != 4 && ptr_size != 8) return Verdict::bad;
    if (!(flags & 2)) {
      // Pointer format: only plausible with an endianness byte of 0 or 1.
      if (flags <= 1) old_format_ = true;
      return Verdict::bad;
    }
    std::uint64_t vlen = 0, mlen = 0;
    int n = uvarint(b, kHeaderSize, vlen);
    if (n == 0) return Verdict::more;
    if (n < 0 || vlen == 0 || vlen > kMaxVersion) return Verdict::bad;
    std::size_t pos = kHeaderSize + n;
    if (b.size() < pos + vlen) return Verdict::more;
    std::string_view version = b.substr(pos, vlen);
    if (!version.starts_with("go") && !version.starts_with("devel")) return Verdict::bad;
    pos += vlen;
    int m = uvarint(b, pos, mlen);
    if (m == 0) return Verdict::more;
    if (m < 0 || mlen > kMaxBlob) return Verdict::bad;
    pos += m;
    if (pos + mlen > kMaxBlob) return Verdict::bad;
    header_ok_ = true;
    if (b.size() < pos + mlen) return Verdict::more;
    go_version_ = version;
    std::string_view info = b.substr(pos, mlen);
    // 16-byte sentinels frame the module info; without them there is none
    // (a binary built outside module mode).
    if (info.size() >= 33 && info[info.size() - 17] == '\n') modinfo_ = info.substr(16, info.size() - 32);
    blob_.clear();
    blob_.shrink_to_fit();
    return Verdict::done;
  }

  std::string path_;
  State state_ = State::head;
  std::string window_;  // look-behind: the first bytes (head) or the last 13 bytes (searching)
  std::string blob_;
  std::string go_version_, modinfo_;
  int candidates_ = 0;
  bool header_ok_ = false;  // the blob being captured has a valid header and version
  bool old_format_ = false;
};

class GoBinaryAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "go-binary"; }
  int version() const override { return 1; }
  Want wants(const FileInfo& file) const override {
    return (file.mode & 0111) && file.size >= kMinSize ? Want::stream : Want::no;
  }
  std::unique_ptr<StreamConsumer> open_stream(const FileInfo& file) const override {
    return std::make_unique<GoBuildInfoReader>(std::string(file.path));
  }
};

}  // namespace

std::unique_ptr<Analyzer> make_go_binary_analyzer() { return std::make_unique<GoBinaryAnalyzer>(); }

}  // namespace portcullis::scan
