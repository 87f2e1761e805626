#include "scan/sources/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace portcullis::scan {
namespace {

using core::ErrorCode;
using core::make_error;

class FileReader : public ByteReader {
 public:
  FileReader(int fd, std::string path, std::uint64_t offset, std::uint64_t length)
      : fd_(fd), path_(std::move(path)), offset_(offset), remaining_(length) {}
  ~FileReader() override { ::close(fd_); }

  core::Result<std::size_t> read(char* buffer, std::size_t size) override {
    if (remaining_ == 0 || size == 0) return std::size_t{0};
    if (size > remaining_) size = static_cast<std::size_t>(remaining_);
    while (true) {
      ssize_t n = ::pread(fd_, buffer, size, static_cast<off_t>(offset_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return make_error(ErrorCode::Io, path_ + ": " + std::strerror(errno));
      if (n == 0 && remaining_ != UINT64_MAX)
        return make_error(ErrorCode::Io, path_ + ": file ends before the expected length");
      offset_ += static_cast<std::uint64_t>(n);
      if (remaining_ != UINT64_MAX) remaining_ -= static_cast<std::uint64_t>(n);
      return static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::string path_;
  std::uint64_t offset_;
  std::uint64_t remaining_;
};

}  // namespace

core::Result<std::unique_ptr<ByteReader>> open_file_reader(const std::string& path, std::uint64_t offset,
                                                           std::uint64_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(errno == ENOENT ? ErrorCode::NotFound : ErrorCode::Io, path + ": " + std::strerror(errno));
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<ByteReader>(std::make_unique<FileReader>(fd, path, offset, length));
}

core::Result<std::string> read_small_file(const std::string& path, std::uint64_t max_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(errno == ENOENT ? ErrorCode::NotFound : ErrorCode::Io, path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::Io, path + ": not a regular file");
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_size) {
    ::close(fd);
    return make_error(ErrorCode::InvalidArgument, path + ": larger than " + std::to_string(max_size) + " bytes");
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  return out;
}

}  // namespace portcullis::scan
