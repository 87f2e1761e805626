#include "registry/stored_image.h"

#include "core/digest.h"

namespace portcullis::registry {
namespace {

using core::ErrorCode;
using core::make_error;

// Reads a stored blob front to back.
class StoredBlobReader : public scan::ByteReader {
 public:
  explicit StoredBlobReader(std::unique_ptr<storage::BlobReader> blob) : blob_(std::move(blob)) {}
  core::Result<std::size_t> read(char* buffer, std::size_t size) override {
    if (offset_ >= blob_->size()) return std::size_t{0};
    auto n = blob_->read(offset_, buffer, size);
    if (n) offset_ += *n;
    return n;
  }

 private:
  std::unique_ptr<storage::BlobReader> blob_;
  std::uint64_t offset_ = 0;
};

class StringBlobReader : public scan::ByteReader {
 public:
  explicit StringBlobReader(std::string bytes) : bytes_(std::move(bytes)) {}
  core::Result<std::size_t> read(char* buffer, std::size_t size) override {
    std::size_t n = std::min(size, bytes_.size() - pos_);
    std::copy_n(bytes_.data() + pos_, n, buffer);
    pos_ += n;
    return n;
  }

 private:
  std::string bytes_;
  std::size_t pos_ = 0;
};

}  // namespace

core::Result<std::unique_ptr<scan::ImageSource>> open_stored_image(meta::MetaStore& meta, storage::BlobStore& blobs,
                                                                    const std::string& name,
                                                                    const std::string& reference) {
  auto repo = meta.find_repository(name);
  if (!repo) return repo.error();
  if (!*repo) return make_error(ErrorCode::NameUnknown, "no repository " + name + " in this registry");
  const std::int64_t repo_id = (*repo)->id;

  scan::StoreAccess access;
  access.manifest = [&meta, repo_id, name](std::string_view ref) -> core::Result<scan::Fetched> {
    std::string digest(ref);
    if (!core::Digest::parse(ref)) {
      auto resolved = meta.resolve_tag(repo_id, std::string(ref));
      if (!resolved) return resolved.error();
      if (!*resolved) return make_error(ErrorCode::ManifestUnknown, name + ":" + std::string(ref) + " is not tagged");
      digest = **resolved;
    }
    auto stored = meta.get_manifest(repo_id, digest, true);
    if (!stored) return stored.error();
    if (!*stored) return make_error(ErrorCode::ManifestUnknown, "no manifest " + digest + " in " + name);
    return scan::Fetched{std::move((*stored)->content), (*stored)->media_type, digest};
  };
  // Small blobs may live in the database rather than in the blob store.
  auto open = [&meta, &blobs](std::string_view text) -> core::Result<std::unique_ptr<scan::ByteReader>> {
    auto d = core::Digest::parse(text);
    if (!d) return d.error();
    auto inline_bytes = meta.inline_blob(d->str());
    if (!inline_bytes) return inline_bytes.error();
    if (*inline_bytes) return std::unique_ptr<scan::ByteReader>(std::make_unique<StringBlobReader>(std::move(**inline_bytes)));
    auto blob = blobs.open(*d);
    if (!blob) return blob.error();
    return std::unique_ptr<scan::ByteReader>(std::make_unique<StoredBlobReader>(std::move(*blob)));
  };
  access.open_blob = open;
  access.small_blob = [open](std::string_view digest, std::uint64_t max) -> core::Result<std::string> {
    auto reader = open(digest);
    if (!reader) return reader.error();
    std::string out;
    char buf[65536];
    while (true) {
      auto n = (*reader)->read(buf, sizeof buf);
      if (!n) return n.error();
      if (*n == 0) break;
      out.append(buf, *n);
      if (out.size() > max) return make_error(ErrorCode::InvalidArgument, "blob " + std::string(digest) + " is too large");
    }
    return out;
  };
  return std::unique_ptr<scan::ImageSource>(scan::make_store_source(std::move(access), reference));
}

}  // namespace portcullis::registry
