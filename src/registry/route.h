// Route: which Distribution API resource a request path names. Repository
// names contain slashes, so the resource is found from the right-hand end
// (".../manifests/<ref>", ".../blobs/uploads/<id>", ".../tags/list", ...).
#pragma once
#include <string>
#include <string_view>

namespace portcullis::registry {

enum class Resource { Base, Catalog, Manifest, Blob, Upload, Tags, Referrers, Unknown };

struct Route {
  Resource resource = Resource::Unknown;
  std::string name;       // repository name (not yet validated)
  std::string reference;  // tag or digest, blob digest, upload id, referrers subject
};

// `path` is the percent-decoded request path, e.g. "/v2/library/nginx/manifests/1.25".
Route parse_route(std::string_view path);

}  // namespace portcullis::registry
