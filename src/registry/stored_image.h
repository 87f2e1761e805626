// The scanner's view of an image in this registry: an ImageSource over the
// metadata database (manifests, tags, inline blobs) and the blob store
// (layers, streamed). Used by `portcullis sbom registry:NAME:TAG` and by
// scans inside the server. Reads only; safe while the server writes.
#pragma once
#include <memory>
#include <string>

#include "core/result.h"
#include "meta/meta_store.h"
#include "scan/image_source.h"
#include "storage/blob_store.h"

namespace portcullis::registry {

// `name` is a repository name ("library/debian", "team/app"); `reference` a
// tag or a digest. NotFound when the repository does not exist.
core::Result<std::unique_ptr<scan::ImageSource>> open_stored_image(meta::MetaStore& meta, storage::BlobStore& blobs,
                                                                    const std::string& name,
                                                                    const std::string& reference);

}  // namespace portcullis::registry
