// dir:ROOTFS — an unpacked root filesystem, walked in place. Symbolic links
// are not followed (a rootfs's absolute links point into the host), other
// file systems are not crossed, and files are read only when an analyzer
// wants them, through the same FileDispatch as tar layers.
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "scan/file_dispatch.h"
#include "scan/sources/sources.h"

namespace portcullis::scan {
namespace {

using core::ErrorCode;
using core::make_error;

class RootfsSource : public ImageSource {
 public:
  explicit RootfsSource(std::string dir) : dir_(std::move(dir)) {}
  core::Result<ResolvedImage> resolve(const Platform&) override {
    struct stat st {};
    if (::stat(dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return make_error(ErrorCode::NotFound, dir_ + " is not a directory");
    return ResolvedImage{};
  }
  core::Result<std::unique_ptr<ByteReader>> open_layer(const LayerInfo&) override {
    return make_error(ErrorCode::Unsupported, "a dir: source has no layers");
  }
  std::string rootfs() const override { return dir_; }

 private:
  std::string dir_;
};

// nftw passes no user pointer: the walk in progress lives here (one per thread).
struct Walk {
  std::size_t root_len = 0;
  FileDispatch* dispatch = nullptr;
  LayerResult* out = nullptr;
  const ScanLimits* limits = nullptr;
  std::optional<core::Error> error;
};
thread_local Walk* current = nullptr;

int visit(const char* fpath, const struct stat* st, int type, FTW*) {
  Walk& w = *current;
  if (type == FTW_DNR) {
    w.out->warnings.push_back(std::string("cannot read directory ") + (fpath + w.root_len));
    return FTW_CONTINUE;
  }
  if (type != FTW_F || !S_ISREG(st->st_mode)) return FTW_CONTINUE;
  if (++w.out->entries > w.limits->max_layer_entries) {
    w.error = make_error(ErrorCode::InvalidArgument, "more than " + std::to_string(w.limits->max_layer_entries) + " files");
    return FTW_STOP;
  }
  std::string_view rel(fpath + w.root_len);
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  FileInfo info{rel, static_cast<std::uint64_t>(st->st_size), static_cast<std::uint32_t>(st->st_mode & 07777)};
  if (!w.dispatch->wanted(info)) return FTW_CONTINUE;
  int fd = ::open(fpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    w.out->warnings.push_back(std::string(rel) + ": " + std::strerror(errno));
    return FTW_CONTINUE;
  }
  auto fed = w.dispatch->feed(info, [&](char* buf, std::size_t n) -> core::Result<std::size_t> {
    ssize_t got = ::read(fd, buf, n);
    if (got < 0) return make_error(ErrorCode::Io, std::string(rel) + ": " + std::strerror(errno));
    w.out->bytes += static_cast<std::uint64_t>(got);
    return static_cast<std::size_t>(got);
  });
  ::close(fd);
  if (!fed) w.out->warnings.push_back(fed.error().message);
  return FTW_CONTINUE;
}

}  // namespace

core::Result<std::unique_ptr<ImageSource>> make_rootfs_source(std::string_view path) {
  if (path.empty()) return make_error(ErrorCode::InvalidArgument, "dir: needs a directory (dir:ROOTFS)");
  std::string dir(path);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return std::unique_ptr<ImageSource>(std::make_unique<RootfsSource>(dir));
}

core::Result<LayerResult> read_rootfs(const std::string& dir, const AnalyzerList& analyzers, const ScanLimits& limits) {
  LayerResult out;
  FileDispatch dispatch(analyzers, limits, out);
  Walk walk{dir.size(), &dispatch, &out, &limits, std::nullopt};
  current = &walk;
  int rc = ::nftw(dir.c_str(), visit, 64, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
  current = nullptr;
  if (walk.error) return *walk.error;
  if (rc == -1) return make_error(ErrorCode::Io, dir + ": " + std::strerror(errno));
  return out;
}

}  // namespace portcullis::scan
