#include "registry/route.h"

#include <gtest/gtest.h>

using namespace portcullis::registry;

TEST(Route, BaseAndCatalog) {
  EXPECT_EQ(parse_route("/v2/").resource, Resource::Base);
  EXPECT_EQ(parse_route("/v2").resource, Resource::Base);
  EXPECT_EQ(parse_route("/v2/_catalog").resource, Resource::Catalog);
  EXPECT_EQ(parse_route("/v3/").resource, Resource::Unknown);
  EXPECT_EQ(parse_route("/v2/name").resource, Resource::Unknown);
}

TEST(Route, ResourcesAreFoundFromTheRightSoNamesMayContainTheirWords) {
  auto m = parse_route("/v2/a/blobs/manifests/b/manifests/latest");
  EXPECT_EQ(m.resource, Resource::Manifest);
  EXPECT_EQ(m.name, "a/blobs/manifests/b");
  EXPECT_EQ(m.reference, "latest");

  auto b = parse_route("/v2/tags/list/blobs/sha256:abc");
  EXPECT_EQ(b.resource, Resource::Blob);
  EXPECT_EQ(b.name, "tags/list");
  EXPECT_EQ(b.reference, "sha256:abc");

  auto t = parse_route("/v2/library/nginx/tags/list");
  EXPECT_EQ(t.resource, Resource::Tags);
  EXPECT_EQ(t.name, "library/nginx");

  auto r = parse_route("/v2/x/referrers/sha256:1");
  EXPECT_EQ(r.resource, Resource::Referrers);
  EXPECT_EQ(r.name, "x");
}

TEST(Route, UploadsWithAndWithoutSessionId) {
  auto start = parse_route("/v2/team/app/blobs/uploads/");
  EXPECT_EQ(start.resource, Resource::Upload);
  EXPECT_EQ(start.name, "team/app");
  EXPECT_EQ(start.reference, "");
  auto session = parse_route("/v2/team/app/blobs/uploads/0123");
  EXPECT_EQ(session.resource, Resource::Upload);
  EXPECT_EQ(session.reference, "0123");
  // A repository literally named ".../blobs/uploads" is not an upload route
  // unless followed by the uploads endpoint.
  auto nested = parse_route("/v2/blobs/uploads/blobs/uploads/");
  EXPECT_EQ(nested.resource, Resource::Upload);
  EXPECT_EQ(nested.name, "blobs/uploads");
}

TEST(Route, MissingNameIsNotARoute) {
  // "/v2/manifests/x" has no repository name: the grammar needs one component.
  EXPECT_EQ(parse_route("/v2/manifests/x").resource, Resource::Unknown);
}
