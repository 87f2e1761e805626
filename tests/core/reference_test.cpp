#include "core/reference.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace portcullis::core {
namespace {

const std::string kDigest = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(RepositoryName, AcceptsGrammar) {
  for (std::string_view n : {"a", "0", "library/nginx", "a/b/c/d/e", "my-project/my_app", "a.b", "a_b", "a__b",
                             "a-b", "a---b", "a-b-c.d_e__f", "0123/456", "team/sub.team/app-v2",
                             "x9/y8/z7"}) {
    EXPECT_TRUE(is_valid_repository_name(n)) << n;
  }
}

TEST(RepositoryName, RejectsOutsideGrammar) {
  for (std::string_view n : {"", "A", "Library/nginx", "library/Nginx", "/a", "a/", "a//b", ".a", "a.", "_a", "a_",
                             "-a", "a-", "a..b", "a.-b", "a___b", "a._b", "a_-b", "a-.b", "a b", "a:b", "a@b",
                             "a/.b", "a/b_", "a/-b", "é", "a\nb", "a/b/", "a\\b", "a+b", "a%2fb"}) {
    EXPECT_FALSE(is_valid_repository_name(n)) << n;
  }
  EXPECT_FALSE(is_valid_repository_name(std::string_view("a\0b", 3)));
}

TEST(RepositoryName, LengthLimit) {
  std::string max(255, 'a');
  EXPECT_TRUE(is_valid_repository_name(max));
  EXPECT_FALSE(is_valid_repository_name(max + "a"));
  // 255 with separators and components.
  std::string parts;
  while (parts.size() + 2 <= 255) parts += parts.empty() ? "a" : "/a";
  EXPECT_TRUE(is_valid_repository_name(parts)) << parts.size();
  EXPECT_FALSE(is_valid_repository_name(parts + "/aa"));
}

TEST(Tag, AcceptsGrammar) {
  for (std::string_view t : {"latest", "v1.2.3", "1", "_", "_hidden", "UPPER", "a-b_c.d", "sha256-abc.sig",
                             "1.25-alpine3.18"}) {
    EXPECT_TRUE(is_valid_tag(t)) << t;
  }
  EXPECT_TRUE(is_valid_tag(std::string(128, 'x')));
}

TEST(Tag, RejectsOutsideGrammar) {
  for (std::string_view t : {"", ".latest", "-latest", "a:b", "a/b", "a@b", "a b", "a+b", "tag\n", "é"}) {
    EXPECT_FALSE(is_valid_tag(t)) << t;
  }
  EXPECT_FALSE(is_valid_tag(std::string(129, 'x')));
}

TEST(ProjectOf, FirstComponentOrLibrary) {
  EXPECT_EQ(project_of("nginx"), "library");
  EXPECT_EQ(project_of("team/app"), "team");
  EXPECT_EQ(project_of("team/sub/app"), "team");
  EXPECT_EQ(project_of("library/nginx"), "library");
}

struct RefCase {
  std::string_view input;
  std::string_view registry, repository, tag, digest;
};

TEST(ImageReferenceParse, NormalisesAndSplits) {
  const RefCase cases[] = {
      {"nginx", "docker.io", "library/nginx", "", ""},
      {"nginx:1.25", "docker.io", "library/nginx", "1.25", ""},
      {"bitnami/redis", "docker.io", "bitnami/redis", "", ""},
      {"bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", ""},
      {"docker.io/nginx", "docker.io", "library/nginx", "", ""},
      {"docker.io/library/nginx:latest", "docker.io", "library/nginx", "latest", ""},
      {"index.docker.io/nginx", "docker.io", "library/nginx", "", ""},
      {"index.docker.io/bitnami/redis", "docker.io", "bitnami/redis", "", ""},
      {"ghcr.io/owner/app:v1", "ghcr.io", "owner/app", "v1", ""},
      {"quay.io/prometheus/node-exporter", "quay.io", "prometheus/node-exporter", "", ""},
      {"registry.k8s.io/pause", "registry.k8s.io", "pause", "", ""},  // no library/ off Docker Hub
      {"localhost/app", "localhost", "app", "", ""},
      {"localhost:5000/app:dev", "localhost:5000", "app", "dev", ""},
      {"LOCALHOST/app", "localhost", "app", "", ""},
      {"Registry.Example.COM:8443/team/app", "registry.example.com:8443", "team/app", "", ""},
      {"10.0.0.1:5000/a/b/c", "10.0.0.1:5000", "a/b/c", "", ""},
      {"[::1]:5000/app", "[::1]:5000", "app", "", ""},
      {"[2001:DB8::1]/app", "[2001:db8::1]", "app", "", ""},
      {"my-registry.local/app", "my-registry.local", "app", "", ""},
      {"example:5000/app", "example:5000", "app", "", ""},
      {"example.com", "docker.io", "library/example.com", "", ""},  // no slash: a Docker Hub name
      {"localhost:5000", "docker.io", "library/localhost", "5000", ""},
      {"a__b/c---d.e", "docker.io", "a__b/c---d.e", "", ""},
  };
  for (const auto& c : cases) {
    auto r = parse_image_reference(c.input);
    ASSERT_TRUE(r.ok()) << c.input << ": " << r.error().message;
    EXPECT_EQ(r->registry, c.registry) << c.input;
    EXPECT_EQ(r->repository, c.repository) << c.input;
    EXPECT_EQ(r->tag, c.tag) << c.input;
    EXPECT_EQ(r->digest, c.digest) << c.input;
  }
}

TEST(ImageReferenceParse, Digests) {
  auto r = parse_image_reference("nginx@" + kDigest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->repository, "library/nginx");
  EXPECT_EQ(r->tag, "");
  EXPECT_EQ(r->digest, kDigest);

  r = parse_image_reference("ghcr.io/o/a:v1@" + kDigest);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->tag, "v1");
  EXPECT_EQ(r->digest, kDigest);

  r = parse_image_reference("localhost:5000/a@sha512:" + std::string(128, 'e'));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->registry, "localhost:5000");
  EXPECT_EQ(r->digest, "sha512:" + std::string(128, 'e'));
}

TEST(ImageReferenceParse, RejectsInvalid) {
  const std::string cases[] = {
      "",
      "Nginx",                     // upper case in the path
      "docker.io/Library/nginx",   // upper case in the path
      "ghcr.io/owner/App",
      "Team/app",                  // would be a host to distribution; lower-cased it would be a namespace
      "nginx:",                    // empty tag
      "nginx:.bad",
      "nginx:" + std::string(129, 't'),
      "nginx@",                    // empty digest
      "nginx@sha256:abc",          // short digest
      "nginx@" + kDigest.substr(0, 7) + std::string(64, 'A'),  // upper-case hex
      "nginx@md5:d41d8cd98f00b204e9800998ecf8427e",            // unregistered algorithm
      "nginx@sha384:" + std::string(96, 'a'),
      "nginx:1@" + kDigest + "@" + kDigest,
      "/nginx",
      "nginx/",
      "a//b",
      "docker.io/",
      "ghcr.io",  // parses as a name; but with a trailing slash nothing is left
      "ghcr.io/",
      "-bad.example.com/app",      // host component starting with '-'
      "bad-.example.com/app",
      "a_b.example.com/app",       // '_' is not a host character
      "example.com:/app",          // empty port
      "example.com:port/app",
      "example.com:50:00/app",
      "[::1/app",
      "[]/app",
      "[::g]/app",
      "[::1]x/app",
      "example..com/app",
      "nginx:1.0/app",             // tag-looking first component: a host with a non-numeric port
      "ngi nx",
      "nginx\n",
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",  // an image ID
      "a:b:c",
      "a@b@c",
  };
  for (const auto& c : cases) {
    if (c == "ghcr.io") continue;  // valid: docker.io/library/ghcr.io (checked below)
    auto r = parse_image_reference(c);
    EXPECT_FALSE(r.ok()) << "accepted: " << c;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::NameInvalid) << c;
    }
  }
  auto r = parse_image_reference("ghcr.io");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->str(), "docker.io/library/ghcr.io");
}

TEST(ImageReferenceParse, TotalLengthLimit) {
  // docker.io/ + library/ (18 chars) + 237 = 255
  std::string name(237, 'a');
  auto r = parse_image_reference(name);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->registry.size() + 1 + r->repository.size(), 255u);
  EXPECT_FALSE(parse_image_reference(name + "a").ok());
  std::string host = "example.com/";  // 12 chars
  EXPECT_TRUE(parse_image_reference(host + std::string(243, 'b')).ok());
  EXPECT_FALSE(parse_image_reference(host + std::string(244, 'b')).ok());
  // The tag and digest do not count toward the name's limit.
  EXPECT_TRUE(parse_image_reference(host + std::string(243, 'b') + ":" + std::string(128, 't') + "@" + kDigest).ok());
}

TEST(ImageReferenceParse, ErrorMessageIsBounded) {
  std::string huge(100000, '!');
  auto r = parse_image_reference(huge);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.error().message.size(), 500u);
  r = parse_image_reference("ng\xc3\xa9inx\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("ng??inx?"));
}

TEST(ImageReference, StrIsNormalisedAndRoundTrips) {
  const std::pair<std::string, std::string> cases[] = {
      {"nginx", "docker.io/library/nginx"},
      {"nginx:1.25", "docker.io/library/nginx:1.25"},
      {"Example.com:5000/a/b:t@" + kDigest, "example.com:5000/a/b:t@" + kDigest},
      {"index.docker.io/library/busybox@" + kDigest, "docker.io/library/busybox@" + kDigest},
      {"[::1]/x", "[::1]/x"},
      {"LocalHost/x", "localhost/x"},
  };
  for (const auto& [in, want] : cases) {
    auto r = parse_image_reference(in);
    ASSERT_TRUE(r.ok()) << in << ": " << r.error().message;
    EXPECT_EQ(r->str(), want);
    auto again = parse_image_reference(r->str());
    ASSERT_TRUE(again.ok()) << r->str();
    EXPECT_EQ(*again, *r);
  }
}

TEST(ImageReference, ParsedRepositoryIsAValidName) {
  for (std::string_view in : {"nginx", "a/b", "ghcr.io/x/y-z", "localhost:1/q.w_e"}) {
    auto r = parse_image_reference(in);
    ASSERT_TRUE(r.ok()) << in;
    EXPECT_TRUE(is_valid_repository_name(r->repository)) << in;
  }
}

}  // namespace
}  // namespace portcullis::core
