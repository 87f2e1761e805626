#include "registry/route.h"

#include <vector>

namespace portcullis::registry {

Route parse_route(std::string_view path) {
  Route r;
  if (path == "/v2" || path == "/v2/") {
    r.resource = Resource::Base;
    return r;
  }
  constexpr std::string_view prefix = "/v2/";
  if (path.substr(0, prefix.size()) != prefix) return r;
  std::string_view rest = path.substr(prefix.size());
  if (rest == "_catalog") {
    r.resource = Resource::Catalog;
    return r;
  }
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    auto slash = rest.find('/', start);
    parts.push_back(rest.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  auto n = parts.size();
  // The name is everything before the resource's components.
  auto name_of = [&](std::size_t count) {
    std::string s;
    for (std::size_t i = 0; i < count; ++i) {
      if (i) s += '/';
      s += parts[i];
    }
    return s;
  };
  if (n >= 4 && parts[n - 3] == "blobs" && parts[n - 2] == "uploads") {
    r.resource = Resource::Upload;
    r.name = name_of(n - 3);
    r.reference = std::string(parts[n - 1]);
  } else if (n >= 3 && parts[n - 2] == "tags" && parts[n - 1] == "list") {
    r.resource = Resource::Tags;
    r.name = name_of(n - 2);
  } else if (n >= 3 && parts[n - 2] == "manifests") {
    r.resource = Resource::Manifest;
    r.name = name_of(n - 2);
    r.reference = std::string(parts[n - 1]);
  } else if (n >= 3 && parts[n - 2] == "blobs") {
    r.resource = Resource::Blob;
    r.name = name_of(n - 2);
    r.reference = std::string(parts[n - 1]);
  } else if (n >= 3 && parts[n - 2] == "referrers") {
    r.resource = Resource::Referrers;
    r.name = name_of(n - 2);
    r.reference = std::string(parts[n - 1]);
  }
  return r;
}

}  // namespace portcullis::registry
