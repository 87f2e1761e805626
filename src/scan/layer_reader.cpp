#include "scan/layer_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>
#include <vector>

#include "scan/decompress.h"

namespace portcullis::scan {
namespace {

using core::ErrorCode;
using core::make_error;

constexpr std::size_t kReadBuffer = 256 * 1024;
constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

// Feeds libarchive from the decompressing reader; remembers our own error so
// it, not libarchive's rewording of it, reaches the caller.
struct Feed {
  DecompressingReader* reader;
  const Progress* progress;
  std::vector<char> buffer = std::vector<char>(kReadBuffer);
  std::optional<core::Error> error;
  std::uint64_t last_report = 0;

  static la_ssize_t read(archive* a, void* self, const void** out) {
    auto* f = static_cast<Feed*>(self);
    auto n = f->reader->read(f->buffer.data(), f->buffer.size());
    if (!n) {
      f->error = n.error();
      archive_set_error(a, EIO, "%s", n.error().message.c_str());
      return -1;
    }
    *out = f->buffer.data();
    if (*f->progress && f->reader->compressed_bytes() - f->last_report >= (4u << 20)) {
      f->last_report = f->reader->compressed_bytes();
      (*f->progress)(f->last_report);
    }
    return static_cast<la_ssize_t>(*n);
  }
};

}  // namespace

std::string clean_layer_path(std::string_view raw, bool* absolute) {
  if (absolute) *absolute = !raw.empty() && raw.front() == '/';
  std::string out;
  std::size_t i = 0;
  while (i <= raw.size()) {
    std::size_t slash = raw.find('/', i);
    if (slash == std::string_view::npos) slash = raw.size();
    std::string_view part = raw.substr(i, slash - i);
    i = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return {};
    if (!out.empty()) out += '/';
    out.append(part);
  }
  return out;
}

core::Result<LayerResult> read_layer(std::unique_ptr<ByteReader> blob, std::string_view expected_diff_id,
                                     const AnalyzerList& analyzers, const ScanLimits& limits,
                                     const Progress& progress) {
  DecompressingReader reader(std::move(blob), limits.max_layer_bytes);
  Feed feed{&reader, &progress, std::vector<char>(kReadBuffer), std::nullopt, 0};
  std::unique_ptr<archive, ArchiveDeleter> ar(archive_read_new());
  if (!ar) return make_error(ErrorCode::Internal, "libarchive: out of memory");
  archive_read_support_format_tar(ar.get());
  archive_read_support_format_gnutar(ar.get());

  LayerResult result;
  result.diff_id = std::string(expected_diff_id);
  FileDispatch dispatch(analyzers, limits, result);
  auto fail = [&](std::string_view what) -> core::Error {
    if (feed.error) return *feed.error;
    const char* msg = archive_error_string(ar.get());
    return make_error(ErrorCode::InvalidArgument,
                      std::string(what) + ": " + (msg ? msg : "unreadable tar stream"));
  };
  if (archive_read_open(ar.get(), &feed, nullptr, &Feed::read, nullptr) != ARCHIVE_OK) return fail("layer");

  std::uint64_t unsafe = 0, absolute_paths = 0;
  while (true) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(ar.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc == ARCHIVE_FATAL) return fail("layer tar");
    if (rc == ARCHIVE_RETRY) continue;
    // ARCHIVE_WARN (e.g. an odd pax header) still gives a usable entry.
    if (++result.entries > limits.max_layer_entries)
      return make_error(ErrorCode::InvalidArgument,
                        "layer has more than " + std::to_string(limits.max_layer_entries) + " entries");
    const char* raw = archive_entry_pathname(entry);
    if (!raw) continue;
    bool absolute = false;
    std::string path = clean_layer_path(raw, &absolute);
    if (path.empty()) {
      if (std::string_view(raw).find("..") != std::string_view::npos) ++unsafe;
      continue;
    }
    if (absolute) ++absolute_paths;

    std::size_t slash = path.rfind('/');
    std::string_view base = slash == std::string::npos ? std::string_view(path) : std::string_view(path).substr(slash + 1);
    std::string_view dir = slash == std::string::npos ? std::string_view() : std::string_view(path).substr(0, slash);
    if (base.substr(0, kWhiteoutPrefix.size()) == kWhiteoutPrefix) {
      if (base == kOpaqueMarker) {
        result.opaque_dirs.emplace_back(dir);
      } else if (base.substr(0, 2 * kWhiteoutPrefix.size()) != ".wh..wh.") {  // other .wh..wh. names are AUFS metadata
        std::string target(dir);
        if (!target.empty()) target += '/';
        target.append(base.substr(kWhiteoutPrefix.size()));
        result.whiteouts.push_back(std::move(target));
      }
      continue;
    }
    if (archive_entry_filetype(entry) != AE_IFREG || archive_entry_hardlink(entry) != nullptr) continue;
    FileInfo info;
    info.path = path;
    info.size = archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0
                    ? static_cast<std::uint64_t>(archive_entry_size(entry)) : 0;
    info.mode = archive_entry_perm(entry);
    if (!dispatch.wanted(info)) continue;  // libarchive skips the data on the next header
    auto fed = dispatch.feed(info, [&](char* buf, std::size_t n) -> core::Result<std::size_t> {
      la_ssize_t got = archive_read_data(ar.get(), buf, n);
      if (got < 0) return fail(path);
      return static_cast<std::size_t>(got);
    });
    if (!fed) return fed.error();
  }
  // Read what follows the end-of-archive marker too: the diffID covers it.
  std::vector<char> rest(64 * 1024);
  while (true) {
    auto n = reader.read(rest.data(), rest.size());
    if (!n) return n.error();
    if (*n == 0) break;
  }
  result.bytes = reader.uncompressed_bytes();
  if (progress) progress(reader.compressed_bytes());

  if (unsafe) result.warnings.push_back(std::to_string(unsafe) + " entries with \"..\" in their path were skipped");
  if (absolute_paths)
    result.warnings.push_back(std::to_string(absolute_paths) + " entries with absolute paths were read relative to the root");
  std::string actual = reader.digest().str();
  if (!expected_diff_id.empty() && actual != expected_diff_id)
    return make_error(ErrorCode::InvalidArgument, "layer content has digest " + actual + " but the image config says diff_id " +
                                                      std::string(expected_diff_id));
  result.diff_id = actual;
  return result;
}

}  // namespace portcullis::scan
