// The rpm analyzer: installed packages from an rpm database.
//
// The container (SQLite, Berkeley DB hash, ndb) is recognised by its magic
// number and walked by our own bounded readers (rpmdb.h), because Debian 12's
// librpm cannot open ndb and opening a database through librpm needs files on
// disk, macros and process-global configuration. Each header blob is then
// parsed by librpm's headerImport(), Red Hat's own validating parser of the
// header format. headerImport/headerGet touch only the header they are given
// (tag tables are built once under pthread_once), so one analyzer instance is
// safe on many threads.
#include <rpm/header.h>
#include <rpm/rpmtag.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "scan/analyzers/analyzers.h"
#include "scan/analyzers/rpmdb.h"

namespace portcullis::scan {
namespace {

// A broken database can yield one complaint per page or slot; a few tell the
// story, thousands would only bloat the cached layer result.
constexpr std::size_t kMaxWarnings = 20;

// Where rpm keeps its database: the classic path, the /usr-merged path of
// rpm >= 4.16 (Fedora, openSUSE) and the read-only copy some images ship.
constexpr std::string_view kDirs[] = {"var/lib/rpm/", "usr/lib/sysimage/rpm/", "usr/share/rpm/"};
constexpr std::string_view kFiles[] = {"Packages", "Packages.db", "rpmdb.sqlite"};

bool is_rpmdb_path(std::string_view path) {
  for (std::string_view dir : kDirs) {
    if (path.substr(0, dir.size()) != dir) continue;
    std::string_view file = path.substr(dir.size());
    for (std::string_view name : kFiles)
      if (file == name) return true;
  }
  return false;
}

struct HeaderDeleter {
  void operator()(Header h) const { headerFree(h); }
};
using HeaderPtr = std::unique_ptr<std::remove_pointer_t<Header>, HeaderDeleter>;

std::uint32_t be32(std::string_view s, std::size_t at) {
  auto b = [&](std::size_t i) { return std::uint32_t(std::uint8_t(s[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

// librpm wants the exact blob size (8 + 16 * entries + data); containers may
// pad, so the size is taken from the blob's own intro. 0 when implausible.
std::size_t header_size(std::string_view blob) {
  if (blob.size() < 8) return 0;
  std::uint64_t il = be32(blob, 0), dl = be32(blob, 4);
  if (il == 0 || il > 0xffff || dl > 0x0fffffff) return 0;  // librpm's HEADER_TAGS_MAX / HEADER_DATA_MAX
  std::uint64_t size = 8 + 16 * il + dl;
  return size <= blob.size() ? static_cast<std::size_t>(size) : 0;
}

std::string get_string(Header h, rpmTagVal tag) {
  const char* s = headerGetString(h, tag);
  return s ? std::string(s) : std::string();
}

// "name-version-release.src.rpm" -> {name, "version-release"}; empty when the
// file name has another shape.
std::pair<std::string, std::string> split_source_rpm(std::string_view srpm) {
  for (std::string_view suffix : {std::string_view(".src.rpm"), std::string_view(".nosrc.rpm")}) {
    if (srpm.size() > suffix.size() && srpm.substr(srpm.size() - suffix.size()) == suffix) {
      srpm.remove_suffix(suffix.size());
      break;
    }
  }
  std::size_t rel = srpm.rfind('-');
  if (rel == std::string_view::npos || rel == 0) return {};
  std::size_t ver = srpm.rfind('-', rel - 1);
  if (ver == std::string_view::npos || ver == 0 || ver + 1 == rel || rel + 1 == srpm.size()) return {};
  return {std::string(srpm.substr(0, ver)), std::string(srpm.substr(ver + 1))};
}

class Collector {
 public:
  Collector(const FileInfo& file, FileResult& out) : file_(file), out_(out) {}

  void warn(std::string message) {
    if (warnings_++ < kMaxWarnings)
      out_.warnings.push_back("rpm: " + std::move(message));
    else if (warnings_ == kMaxWarnings + 1)
      out_.warnings.push_back("rpm: further warnings about this database omitted");
  }

  void blob(std::string_view blob) {
    ++blobs_;
    std::size_t size = header_size(blob);
    if (size == 0) {
      warn("record " + std::to_string(blobs_) + ": not an rpm header");
      return;
    }
    // COPY: librpm owns (and may free) a blob it imports without it; ours is const.
    HeaderPtr h(headerImport(const_cast<char*>(blob.data()), static_cast<unsigned>(size), HEADERIMPORT_COPY));
    if (!h) {
      warn("record " + std::to_string(blobs_) + ": malformed rpm header");
      return;
    }
    add(h.get());
  }

 private:
  void add(Header h) {
    Package p;
    p.ecosystem = ecosystem::kRpm;
    p.name = get_string(h, RPMTAG_NAME);
    if (p.name == "gpg-pubkey") return;  // imported signing keys, not software
    std::string version = get_string(h, RPMTAG_VERSION);
    std::string release = get_string(h, RPMTAG_RELEASE);
    if (p.name.empty() || version.empty()) {
      warn("record " + std::to_string(blobs_) + ": header without NAME or VERSION");
      return;
    }
    p.version = version;
    if (!release.empty()) p.version += "-" + release;
    if (headerIsEntry(h, RPMTAG_EPOCH)) {
      std::string epoch = std::to_string(headerGetNumber(h, RPMTAG_EPOCH));
      p.version = epoch + ":" + p.version;
      p.properties.emplace_back("epoch", epoch);
    }
    if (!release.empty()) p.properties.emplace_back("release", release);
    p.arch = get_string(h, RPMTAG_ARCH);
    std::string srpm = get_string(h, RPMTAG_SOURCERPM);
    if (!srpm.empty() && srpm != "(none)") {
      std::tie(p.source_name, p.source_version) = split_source_rpm(srpm);
      p.properties.emplace_back("sourcerpm", srpm);
    }
    if (std::string license = get_string(h, RPMTAG_LICENSE); !license.empty())
      p.licenses.push_back(std::move(license));
    if (std::string label = get_string(h, RPMTAG_MODULARITYLABEL); !label.empty())
      p.properties.emplace_back("modularitylabel", std::move(label));
    if (std::string vendor = get_string(h, RPMTAG_VENDOR); !vendor.empty())
      p.properties.emplace_back("vendor", std::move(vendor));
    p.path = std::string(file_.path);
    out_.packages.push_back(std::move(p));
  }

  const FileInfo& file_;
  FileResult& out_;
  std::size_t warnings_ = 0;
  std::size_t blobs_ = 0;
};

class RpmAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "rpm"; }
  int version() const override { return 1; }
  Want wants(const FileInfo& file) const override { return is_rpmdb_path(file.path) ? Want::whole : Want::no; }
  // rpmdbs of big images reach a few hundred MiB (file lists, changelogs);
  // the layer reader holds the file and the SQLite reader one copy of it.
  std::uint64_t size_limit() const override { return 512u << 20; }

  void analyze(const FileInfo& file, std::string_view content, FileResult& out) const override {
    Collector c(file, out);
    rpmdb::Sinks sinks{[&](std::string_view b) { c.blob(b); }, [&](std::string m) { c.warn(std::move(m)); }};
    switch (rpmdb::sniff(content)) {
      case rpmdb::Format::sqlite: rpmdb::read_sqlite(content, sinks); break;
      case rpmdb::Format::bdb_hash: rpmdb::read_bdb_hash(content, sinks); break;
      case rpmdb::Format::ndb: rpmdb::read_ndb(content, sinks); break;
      case rpmdb::Format::unknown:
        // An empty Packages is what rpm >= 4.16 leaves behind after converting the db.
        if (!content.empty()) c.warn("not a known rpm database format (sqlite, bdb, ndb)");
        break;
    }
  }
};

}  // namespace

rpmdb::Format rpmdb::sniff(std::string_view c) {
  if (c.substr(0, 16) == std::string_view("SQLite format 3\0", 16)) return Format::sqlite;
  if (c.substr(0, 4) == "RpmP") return Format::ndb;
  // Berkeley DB: the hash magic 0x061561 at offset 12, in either byte order.
  if (c.size() >= 512 && (c.substr(12, 4) == std::string_view("\x61\x15\x06\x00", 4) ||
                          c.substr(12, 4) == std::string_view("\x00\x06\x15\x61", 4)))
    return Format::bdb_hash;
  return Format::unknown;
}

std::unique_ptr<Analyzer> make_rpm_analyzer() { return std::make_unique<RpmAnalyzer>(); }

}  // namespace portcullis::scan
