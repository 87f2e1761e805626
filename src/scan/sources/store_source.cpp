// The registry's own storage as an image source (image_source.h).
#include "scan/image_source.h"

namespace portcullis::scan {
namespace {

class StoreSource : public ImageSource {
 public:
  StoreSource(StoreAccess access, std::string reference) : access_(std::move(access)), reference_(std::move(reference)) {}

  core::Result<ResolvedImage> resolve(const Platform& platform) override {
    auto image = resolve_manifests(access_.manifest, access_.small_blob, reference_, platform);
    if (image && reference_.find(':') == std::string::npos) image->tags.push_back(reference_);
    return image;
  }

  core::Result<std::unique_ptr<ByteReader>> open_layer(const LayerInfo& layer) override {
    return access_.open_blob(layer.digest);
  }

 private:
  StoreAccess access_;
  std::string reference_;
};

}  // namespace

std::unique_ptr<ImageSource> make_store_source(StoreAccess access, std::string reference) {
  return std::make_unique<StoreSource>(std::move(access), std::move(reference));
}

}  // namespace portcullis::scan
