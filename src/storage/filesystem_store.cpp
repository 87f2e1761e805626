// The filesystem BlobStore driver (see blob_store.h for the contract).
//
// Layout under ROOT:
//   blobs/<alg>/<first 2 hex>/<hex>   verified blobs, immutable
//   uploads/<id>                      uploads in progress (append-only files)
//
// Durability: an upload's data is fdatasync'ed when sealed, the rename into
// blobs/ is made durable by fsyncing the destination directory, and a newly
// created fan-out directory is made durable by fsyncing its parent. Removing a
// blob is not fsynced: a blob that reappears after a crash is an orphan that gc
// finds again.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "storage/blob_store.h"
#include "storage/background_hasher.h"

namespace portcullis::storage {
namespace {

using core::Digest;
using core::DigestAlgorithm;
using core::ErrorCode;
using core::make_error;
using core::Result;

// Fixed buffer for every pass over stored data (rehash, sha512 verification).
constexpr std::size_t kBufferSize = 1 << 20;
// Ask the kernel to start writeback after this many appended bytes, so the
// fdatasync at seal time only has the tail left to flush.
constexpr std::uint64_t kWritebackEvery = 32ull << 20;
// Upload ids are chosen by the registry; this bounds what a path may contain.
constexpr std::size_t kMaxUploadIdLength = 128;

bool valid_upload_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxUploadIdLength) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

core::Error io_error(std::string_view what, const std::string& path, int err) {
  std::string m(what);
  m += " ";
  m += path;
  m += ": ";
  m += std::strerror(err);
  return make_error(ErrorCode::Io, std::move(m));
}

Result<void> invalid_id(const std::string& id) {
  return make_error(ErrorCode::InvalidArgument,
                    "invalid upload id (only [A-Za-z0-9_-], at most 128 characters): " + id.substr(0, 64));
}

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

Result<void> fsync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return io_error("fsync directory", dir, errno);
  return {};
}

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// pread until `len` bytes or end of file; retries EINTR.
Result<std::size_t> pread_full(int fd, std::uint64_t offset, char* buf, std::size_t len) {
  std::size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd, buf + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::Io, std::string("read: ") + std::strerror(errno));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

// Hashes the first `limit` bytes of `fd` (all of it when limit is unset);
// returns the number of bytes hashed.
Result<std::uint64_t> hash_file(int fd, core::Hasher& h, std::uint64_t limit = UINT64_MAX) {
  auto buf = std::make_unique<char[]>(kBufferSize);
  std::uint64_t off = 0;
  while (off < limit) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kBufferSize, limit - off));
    auto n = pread_full(fd, off, buf.get(), want);
    if (!n) return n.error();
    if (*n == 0) break;
    h.update(buf.get(), *n);
    off += *n;
    if (*n < want) break;
  }
  return off;
}

class FileReader final : public BlobReader {
 public:
  FileReader(Fd fd, std::uint64_t size) : fd_(std::move(fd)), size_(size) {}
  std::uint64_t size() const override { return size_; }
  int fd() const override { return fd_.get(); }
  Result<std::size_t> read(std::uint64_t offset, char* buf, std::size_t len) override {
    if (offset >= size_) return std::size_t{0};
    len = static_cast<std::size_t>(std::min<std::uint64_t>(len, size_ - offset));
    return pread_full(fd_.get(), offset, buf, len);
  }

 private:
  Fd fd_;
  std::uint64_t size_;
};

class FileUpload final : public Upload {
 public:
  FileUpload(std::string id, std::string path, Fd fd, std::uint64_t size, core::Hasher hasher)
      : id_(std::move(id)), path_(std::move(path)), fd_(std::move(fd)), size_(size), synced_to_(size),
        sha256_(std::make_unique<BackgroundHasher>(std::move(hasher))) {}

  const std::string& id() const override { return id_; }
  std::uint64_t size() const override { return size_; }
  core::Digest sha256() const override { return sha256_->digest(); }
  bool still_stored() const override {
    struct stat st {};
    return fd_.get() >= 0 && ::fstat(fd_.get(), &st) == 0 && st.st_nlink > 0;
  }

  // The file descriptor is opened with O_APPEND: every write lands at the
  // end. The hash and the size follow exactly the bytes that reached the
  // file, so a failed append leaves a consistent (shorter) upload behind.
  Result<void> append(const char* data, std::size_t len) override {
    sealed_.reset();
    while (len > 0) {
      ssize_t n = ::write(fd_.get(), data, len);
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("write upload", path_, errno);
      }
      if (n == 0) return make_error(ErrorCode::Io, "write upload " + path_ + ": no progress");
      sha256_->update(data, static_cast<std::size_t>(n));
      size_ += static_cast<std::uint64_t>(n);
      data += n;
      len -= static_cast<std::size_t>(n);
    }
    if (size_ - synced_to_ >= kWritebackEvery) {
      // Only a hint to start writeback; failure is harmless (the fdatasync at
      // seal time is what makes the data durable).
      (void)::sync_file_range(fd_.get(), static_cast<off_t>(synced_to_), static_cast<off_t>(size_ - synced_to_),
                              SYNC_FILE_RANGE_WRITE);
      synced_to_ = size_;
    }
    return {};
  }

  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }
  const std::optional<core::Digest>& sealed() const { return sealed_; }
  void set_sealed(const core::Digest& d) { sealed_ = d; }

 private:
  std::string id_;
  std::string path_;
  Fd fd_;
  std::uint64_t size_;
  std::uint64_t synced_to_;
  // Hashes on a helper thread for large uploads, overlapping the writes.
  std::unique_ptr<BackgroundHasher> sha256_;
  std::optional<core::Digest> sealed_;  // the digest seal_upload verified, until the next append
};

class FilesystemStore final : public BlobStore {
 public:
  explicit FilesystemStore(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    // Best effort: a failure shows up, with its reason, on first use.
    (void)mkdirs(root_ + "/uploads");
    (void)mkdirs(root_ + "/blobs");
  }

  Result<BlobInfo> stat(const core::Digest& d) override {
    if (d.empty()) return make_error(ErrorCode::InvalidArgument, "empty digest");
    std::string p = blob_path(d);
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return make_error(ErrorCode::NotFound, "blob not found: " + d.str());
      return io_error("stat", p, errno);
    }
    if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::Io, "not a regular file: " + p);
    return BlobInfo{static_cast<std::uint64_t>(st.st_size), st.st_mtime};
  }

  Result<std::unique_ptr<BlobReader>> open(const core::Digest& d) override {
    if (d.empty()) return make_error(ErrorCode::InvalidArgument, "empty digest");
    std::string p = blob_path(d);
    Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT || errno == ENOTDIR) return make_error(ErrorCode::NotFound, "blob not found: " + d.str());
      return io_error("open", p, errno);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return io_error("fstat", p, errno);
    if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::Io, "not a regular file: " + p);
    return std::unique_ptr<BlobReader>(new FileReader(std::move(fd), static_cast<std::uint64_t>(st.st_size)));
  }

  Result<std::unique_ptr<Upload>> create_upload(const std::string& id) override {
    if (!valid_upload_id(id)) return invalid_id(id).error();
    std::string p = upload_path(id);
    Fd fd(::open(p.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() < 0 && errno == ENOENT) {
      if (auto r = mkdirs(root_ + "/uploads"); !r) return r.error();
      fd = Fd(::open(p.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    }
    if (fd.get() < 0) {
      if (errno == EEXIST) return make_error(ErrorCode::Conflict, "upload exists already: " + id);
      return io_error("create upload", p, errno);
    }
    return std::unique_ptr<Upload>(new FileUpload(id, p, std::move(fd), 0, core::Hasher(DigestAlgorithm::Sha256)));
  }

  Result<std::unique_ptr<Upload>> resume_upload(const std::string& id) override {
    if (!valid_upload_id(id)) return invalid_id(id).error();
    std::string p = upload_path(id);
    Fd fd(::open(p.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT) return make_error(ErrorCode::NotFound, "upload not found: " + id);
      return io_error("open upload", p, errno);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return io_error("fstat", p, errno);
    if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::Io, "upload is not a regular file: " + p);
    core::Hasher h(DigestAlgorithm::Sha256);
    auto n = hash_file(fd.get(), h);
    if (!n) return n.error();
    // Writes go to the end (O_APPEND), so size and hash must cover the whole
    // file: a file that grew while we read would be inconsistent.
    if (::fstat(fd.get(), &st) != 0) return io_error("fstat", p, errno);
    if (static_cast<std::uint64_t>(st.st_size) != *n)
      return make_error(ErrorCode::Conflict, "upload changed while it was reopened: " + id);
    return std::unique_ptr<Upload>(new FileUpload(id, p, std::move(fd), *n, std::move(h)));
  }

  Result<BlobInfo> seal_upload(Upload& upload, const core::Digest& expected) override {
    auto* u = dynamic_cast<FileUpload*>(&upload);
    if (!u || u->fd() < 0) return make_error(ErrorCode::InvalidArgument, "not an open upload of this store");
    if (expected.empty()) return make_error(ErrorCode::DigestInvalid, "no digest to verify the upload against");
    core::Digest actual;
    if (expected.algorithm() == DigestAlgorithm::Sha256) {
      actual = u->sha256();
    } else {
      core::Hasher h(expected.algorithm());
      auto n = hash_file(u->fd(), h, u->size());
      if (!n) return n.error();
      if (*n != u->size()) return make_error(ErrorCode::Io, "upload shorter than written: " + u->path());
      actual = h.digest();
    }
    if (actual != expected)
      return make_error(ErrorCode::DigestInvalid,
                        "upload content digest " + actual.str() + " does not match " + expected.str());
    int rc;
    do rc = ::fdatasync(u->fd());
    while (rc != 0 && errno == EINTR);
    if (rc != 0) return io_error("fdatasync", u->path(), errno);
    struct stat st {};
    if (::fstat(u->fd(), &st) != 0) return io_error("fstat", u->path(), errno);
    u->set_sealed(expected);
    return BlobInfo{u->size(), st.st_mtime};
  }

  Result<void> place(std::unique_ptr<Upload> upload, const core::Digest& d) override {
    auto* u = dynamic_cast<FileUpload*>(upload.get());
    if (!u || u->fd() < 0) return make_error(ErrorCode::InvalidArgument, "not an open upload of this store");
    if (!u->sealed() || *u->sealed() != d)
      return make_error(ErrorCode::InvalidArgument, "upload " + u->id() + " was not sealed as " + d.str());
    u->close();
    std::string dir = blob_dir(d);
    std::string dest = dir + "/" + d.hex();
    for (int attempt = 0;; ++attempt) {
      if (auto r = ensure_dir(dir); !r) return r;
      struct stat st {};
      if (::stat(dest.c_str(), &st) == 0) {
        // Same digest, same bytes: keep the blob that is there.
        if (::unlink(u->path().c_str()) != 0 && errno != ENOENT) return io_error("unlink upload", u->path(), errno);
        return {};
      }
      if (::rename(u->path().c_str(), dest.c_str()) == 0) break;
      int err = errno;
      if (err == ENOENT && attempt == 0) {
        // The fan-out directory may have been removed behind the cache's back.
        forget_dir(dir);
        continue;
      }
      return io_error("rename upload to", dest, err);
    }
    return fsync_dir(dir);
  }

  Result<void> remove_upload(const std::string& id) override {
    if (!valid_upload_id(id)) return invalid_id(id);
    std::string p = upload_path(id);
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) return io_error("unlink upload", p, errno);
    return {};
  }

  Result<void> remove(const core::Digest& d) override {
    if (d.empty()) return make_error(ErrorCode::InvalidArgument, "empty digest");
    std::string p = blob_path(d);
    if (::unlink(p.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) return io_error("unlink blob", p, errno);
    return {};
  }

  Result<void> walk_blobs(const std::function<void(const core::Digest&, const BlobInfo&)>& fn) override {
    for (DigestAlgorithm alg : {DigestAlgorithm::Sha256, DigestAlgorithm::Sha512}) {
      std::string alg_dir = root_ + "/blobs/" + std::string(core::algorithm_name(alg));
      auto r = list_dir(alg_dir, [&](int alg_fd, const char* prefix) -> Result<void> {
        std::string_view pv(prefix);
        if (pv.size() != 2 || !is_lower_hex(pv)) return {};
        std::string pdir = alg_dir + "/" + prefix;
        return list_dir(pdir, [&](int dir_fd, const char* name) -> Result<void> {
          std::string_view nv(name);
          if (nv.size() != core::algorithm_hex_length(alg) || nv.substr(0, 2) != pv) return {};
          auto digest = core::Digest::parse(std::string(core::algorithm_name(alg)) + ":" + std::string(nv));
          if (!digest) return {};
          struct stat st {};
          if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return {};
          fn(*digest, BlobInfo{static_cast<std::uint64_t>(st.st_size), st.st_mtime});
          return {};
        });
      });
      if (!r) return r;
    }
    return {};
  }

  Result<void> walk_uploads(const std::function<void(const std::string& id, const BlobInfo&)>& fn) override {
    return list_dir(root_ + "/uploads", [&](int dir_fd, const char* name) -> Result<void> {
      if (!valid_upload_id(name)) return {};
      struct stat st {};
      if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return {};
      fn(std::string(name), BlobInfo{static_cast<std::uint64_t>(st.st_size), st.st_mtime});
      return {};
    });
  }

 private:
  std::string blob_dir(const core::Digest& d) const {
    return root_ + "/blobs/" + std::string(core::algorithm_name(d.algorithm())) + "/" + d.hex().substr(0, 2);
  }
  std::string blob_path(const core::Digest& d) const { return blob_dir(d) + "/" + d.hex(); }
  std::string upload_path(const std::string& id) const { return root_ + "/uploads/" + id; }

  // Calls fn(dir_fd, name) for each entry but "." and ".."; a missing
  // directory has no entries.
  template <class F>
  Result<void> list_dir(const std::string& path, F&& fn) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) return {};
      return io_error("open directory", path, errno);
    }
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
      int err = errno;
      ::close(fd);
      return io_error("fdopendir", path, err);
    }
    std::unique_ptr<DIR, int (*)(DIR*)> guard(dir, ::closedir);
    for (;;) {
      errno = 0;
      struct dirent* e = ::readdir(dir);
      if (!e) {
        if (errno != 0) return io_error("readdir", path, errno);
        break;
      }
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      if (auto r = fn(::dirfd(dir), e->d_name); !r) return r;
    }
    return {};
  }

  // mkdir -p; fsyncs the parent of every directory it creates so the new
  // entry survives a crash.
  Result<void> mkdirs(const std::string& path) {
    if (path.empty()) return {};
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return {};
      return make_error(ErrorCode::Io, "not a directory: " + path);
    }
    std::string parent = parent_of(path);
    if (parent != path) {
      if (auto r = mkdirs(parent); !r) return r;
    }
    if (::mkdir(path.c_str(), 0755) != 0) {
      if (errno == EEXIST) return {};
      return io_error("mkdir", path, errno);
    }
    return fsync_dir(parent);
  }

  Result<void> ensure_dir(const std::string& dir) {
    {
      std::lock_guard lk(mu_);
      if (dirs_.count(dir)) return {};
    }
    if (auto r = mkdirs(dir); !r) return r;
    std::lock_guard lk(mu_);
    dirs_.insert(dir);
    return {};
  }

  void forget_dir(const std::string& dir) {
    std::lock_guard lk(mu_);
    dirs_.erase(dir);
  }

  std::string root_;
  std::mutex mu_;
  std::unordered_set<std::string> dirs_;  // fan-out directories known to exist
};

}  // namespace

std::unique_ptr<BlobStore> make_filesystem_store(const std::string& root) {
  return std::make_unique<FilesystemStore>(root);
}

}  // namespace portcullis::storage
