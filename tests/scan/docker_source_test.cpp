// The docker:// source against real registries started here: portcullis serve
// (Basic auth for pushes, anonymous pulls from "library"), Debian's
// docker-registry behind a Docker token server (docker_test_server.py token),
// and a fake registry that misbehaves (docker_test_server.py hostile).
// Images are written as OCI layouts here and pushed with skopeo.
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/digest.h"
#include "scan/sources/docker_auth.h"
#include "scan/sources/registry_client.h"
#include "scan/sources/sources.h"
#include "support/temp_dir.h"

namespace portcullis::scan {
namespace {

using core::ErrorCode;
using json = nlohmann::json;
using testing::TempDir;

const std::string kServerScript = PORTCULLIS_SOURCE_DIR "/tests/scan/docker_test_server.py";

std::string sha256(std::string_view b) { return core::Digest::of(core::DigestAlgorithm::Sha256, b).str(); }

void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen());
  return s;
}

bool tool_exists(const std::string& name) { return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0; }

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A server process, stopped (SIGTERM, then SIGKILL) when the object goes.
// With `port_line`, its stdout's first line "PORT n" gives the port.
class Child {
 public:
  Child(std::vector<std::string> argv, const std::string& log, bool port_line = false,
        std::vector<std::string> env = {}) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      int logfd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(port_line ? fds[1] : logfd, 1);
      ::dup2(logfd, 2);
      for (auto& e : env) ::putenv(e.data());
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    if (port_line) {
      std::string line;
      char c;
      while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
      if (line.rfind("PORT ", 0) == 0) port_ = std::atoi(line.c_str() + 5);
    }
    ::close(fds[0]);
  }
  ~Child() {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 50 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (::kill(pid_, SIGKILL) == 0) ::waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// Waits until GET url answers at all (any status).
bool wait_http(const std::string& url) {
  for (int i = 0; i < 300; ++i) {
    CURL* c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 2L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    if (rc == CURLE_OK) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// An OCI layout under `dir`; add() writes one image, index() an index of them.
struct Layout {
  std::string dir;
  json refs = json::array();
  explicit Layout(std::string d) : dir(std::move(d)) {
    std::filesystem::create_directories(dir + "/blobs/sha256");
    write_file(dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  }
  json put(const std::string& media_type, const std::string& bytes) {
    std::string d = sha256(bytes);
    write_file(dir + "/blobs/sha256/" + d.substr(7), bytes);
    return {{"mediaType", media_type}, {"digest", d}, {"size", bytes.size()}};
  }
  // Returns the manifest's descriptor (with platform).
  json image(const std::string& arch, const std::string& layer, const std::string& note = "x") {
    json layer_desc = put("application/vnd.oci.image.layer.v1.tar", layer);
    json config = {{"architecture", arch}, {"os", "linux"},
                   {"rootfs", {{"type", "layers"}, {"diff_ids", {layer_desc["digest"]}}}}};
    json m = {{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
              {"config", put("application/vnd.oci.image.config.v1+json", config.dump())},
              {"layers", {layer_desc}}, {"annotations", {{"note", note}}}};
    json desc = put("application/vnd.oci.image.manifest.v1+json", m.dump());
    desc["platform"] = {{"architecture", arch}, {"os", "linux"}};
    return desc;
  }
  void tag(json desc, const std::string& name) {
    desc["annotations"] = {{"org.opencontainers.image.ref.name", name}};
    refs.push_back(desc);
    write_file(dir + "/index.json", json({{"schemaVersion", 2}, {"manifests", refs}}).dump());
  }
  json index(const std::vector<json>& children) {
    return put("application/vnd.oci.image.index.v1+json",
               json({{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"},
                     {"manifests", children}}).dump());
  }
};

core::Result<std::string> read_all(ByteReader& r) {
  std::string out;
  char buf[7000];  // not a divisor of curl's chunks: partial copies get exercised
  while (true) {
    auto n = r.read(buf, sizeof buf);
    if (!n) return n.error();
    if (*n == 0) return out;
    out.append(buf, *n);
  }
}

// What every registry here holds: x:1 (one 3 MiB layer), multi:1 (an index
// of amd64 and arm64), badlayer:1 and badmanifest:1 (to be corrupted).
struct Pushed {
  std::string big_layer;
  json x, amd64, arm64, multi, badlayer, badmanifest;
};

Pushed build_images(const std::string& dir) {
  Pushed p;
  Layout l(dir);
  p.big_layer = random_bytes(3 * 1024 * 1024 + 123, 1);
  p.x = l.image("amd64", p.big_layer);
  l.tag(p.x, "x");
  p.amd64 = l.image("amd64", random_bytes(1000, 2));
  p.arm64 = l.image("arm64", random_bytes(1000, 3));
  p.multi = l.index({p.amd64, p.arm64});
  l.tag(p.multi, "multi");
  p.badlayer = l.image("amd64", random_bytes(5000, 4));
  l.tag(p.badlayer, "badlayer");
  p.badmanifest = l.image("amd64", random_bytes(1000, 5), "aaaaaaaa");
  l.tag(p.badmanifest, "badmanifest");
  return p;
}

void push_all(const std::string& layout, const std::string& registry, const std::string& creds, const std::string& log) {
  for (const char* name : {"x", "multi", "badlayer", "badmanifest"}) {
    std::string cmd = "skopeo copy --all --preserve-digests --insecure-policy --dest-tls-verify=false --dest-creds '" + creds + "' oci:" +
                      layout + ":" + name + " docker://" + registry + "/library/" + name + ":1 >>" + log + " 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << read_file(log);
  }
}

core::Result<ResolvedImage> resolve(const std::string& ref, const SourceOptions& o = {}, Platform p = {"linux", "amd64", ""}) {
  auto src = make_docker_source(ref, o);
  if (!src) return src.error();
  return (*src)->resolve(p);
}

// ---------------------------------------------------------------- credentials, challenges

TEST(DockerAuth, ParsesChallenges) {
  auto c = parse_challenge(R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->params["realm"], "https://auth.docker.io/token");
  EXPECT_EQ(c->params["scope"], "repository:a/b:pull");
  EXPECT_EQ(parse_challenge(R"(Negotiate, Basic realm="x")")->scheme, "basic");
  EXPECT_FALSE(parse_challenge(R"(Bearer realm="unterminated)"));
  EXPECT_FALSE(parse_challenge("Negotiate"));
  EXPECT_FALSE(parse_challenge(""));
}

TEST(DockerAuth, Base64RoundTrips) {
  for (std::string s : {"", "a", "ab", "abc", "user:pa:ss"}) EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_FALSE(base64_decode("a$b="));
}

TEST(DockerAuth, FindsCredentialsInDockerAndPodmanFiles) {
  TempDir dir;
  std::string file = dir.path() + "/config.json";
  write_file(file, json({{"auths",
                          {{"https://index.docker.io/v1/", {{"auth", base64_encode("hub:pw")}}},
                           {"http://Reg.Example:5000/v2/", {{"username", "u"}, {"password", "p:w"}}},
                           {"reg.example:5000/team", {{"auth", base64_encode("team:tpw")}}}}}})
                        .dump());
  SourceOptions o;
  o.auth_file = file;
  auto hub = find_credentials("docker.io", "library/nginx", o);
  ASSERT_TRUE(hub && hub->has_value());
  EXPECT_EQ((*hub)->username, "hub");
  auto reg = find_credentials("reg.example:5000", "other/x", o);
  ASSERT_TRUE(reg && reg->has_value());
  EXPECT_EQ((*reg)->password, "p:w");
  auto team = find_credentials("reg.example:5000", "team/app", o);
  EXPECT_EQ((*team)->username, "team");  // the longer podman key wins
  EXPECT_FALSE(find_credentials("elsewhere.io", "x", o)->has_value());
  o.creds = "cli:secret";
  EXPECT_EQ((*find_credentials("docker.io", "library/nginx", o))->username, "cli");

  write_file(file, "{not json");
  o.creds.clear();
  auto bad = find_credentials("docker.io", "x", o);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("not a JSON object"), std::string::npos);
}

TEST(DockerAuth, RejectsBadReferences) {
  EXPECT_FALSE(make_docker_source("", {}));
  EXPECT_FALSE(make_docker_source("UPPER/x", {}));
  EXPECT_FALSE(make_docker_source("127.0.0.1:5000/x@sha256:abc", {}));
  SourceOptions o;
  o.creds = "no-colon";
  EXPECT_FALSE(make_docker_source("127.0.0.1:5000/x:1", o));
}

// ---------------------------------------------------------------- portcullis serve

class DockerPortcullis : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!tool_exists("skopeo") || !std::filesystem::exists(PORTCULLIS_BINARY)) GTEST_SKIP() << "needs skopeo and portcullis";
    dir_ = new TempDir("pc-docker");
    port_ = free_port();
    std::string log = dir_->path() + "/log";
    server_ = new Child({PORTCULLIS_BINARY, "serve", "--listen", "127.0.0.1:" + std::to_string(port_), "--data",
                         dir_->path() + "/data"},
                        log, false, {"PORTCULLIS_ADMIN_PASSWORD=pw-docker-test"});
    ASSERT_TRUE(wait_http(registry_url() + "/v2/")) << read_file(log);
    images_ = new Pushed(build_images(dir_->path() + "/layout"));
    push_all(dir_->path() + "/layout", host(), "admin:pw-docker-test", log);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete images_;
    delete dir_;
  }
  void SetUp() override {
    if (!server_) GTEST_SKIP();
  }
  static std::string host() { return "127.0.0.1:" + std::to_string(port_); }
  static std::string registry_url() { return "http://" + host(); }
  static inline TempDir* dir_ = nullptr;
  static inline Child* server_ = nullptr;
  static inline Pushed* images_ = nullptr;
  static inline int port_ = 0;
};

TEST_F(DockerPortcullis, ReadsAnImageBackAnonymously) {
  auto src = make_docker_source(host() + "/library/x:1", {});
  ASSERT_TRUE(src) << src.error().message;
  auto image = (*src)->resolve({"linux", "amd64", ""});
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_EQ(image->manifest_digest, images_->x["digest"]);
  EXPECT_EQ(image->platform, "linux/amd64");
  ASSERT_EQ(image->layers.size(), 1u);
  EXPECT_EQ(image->layers[0].diff_id, sha256(images_->big_layer));
  EXPECT_EQ(image->tags, std::vector<std::string>{host() + "/library/x:1"});
  auto reader = (*src)->open_layer(image->layers[0]);
  ASSERT_TRUE(reader) << reader.error().message;
  auto bytes = read_all(**reader);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_TRUE(*bytes == images_->big_layer);
}

TEST_F(DockerPortcullis, DigestReferencesAndMissingTags) {
  auto image = resolve(host() + "/library/x@" + images_->x["digest"].get<std::string>());
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_TRUE(image->tags.empty());
  auto missing = resolve(host() + "/library/x:nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::ManifestUnknown) << missing.error().message;
}

// ---------------------------------------------------------------- docker-registry + token server

class DockerTokenAuth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!tool_exists("skopeo") || !tool_exists("docker-registry")) GTEST_SKIP() << "needs skopeo and docker-registry";
    dir_ = new TempDir("pc-docker-token");
    const std::string& d = dir_->path();
    std::string log = d + "/log";
    tokens_ = new Child({"/usr/bin/python3", kServerScript, "token", "--cert", d + "/cert.pem", "--user", "alice",
                         "--password", "s3cret", "--service", "test-registry", "--issuer", "test-issuer"},
                        log, true);
    ASSERT_NE(tokens_->port(), 0) << read_file(log);
    port_ = free_port();
    write_file(d + "/config.yml", "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: " + d +
                                      "/storage\nhttp:\n  addr: " + host() + "\nauth:\n  token:\n    realm: http://127.0.0.1:" +
                                      std::to_string(tokens_->port()) +
                                      "/token\n    service: test-registry\n    issuer: test-issuer\n    rootcertbundle: " + d +
                                      "/cert.pem\n");
    registry_ = new Child({"docker-registry", "serve", d + "/config.yml"}, log);
    ASSERT_TRUE(wait_http("http://" + host() + "/v2/")) << read_file(log);
    images_ = new Pushed(build_images(d + "/layout"));
    push_all(d + "/layout", host(), "alice:s3cret", log);
  }
  static void TearDownTestSuite() {
    delete registry_;
    delete tokens_;
    delete images_;
    delete dir_;
  }
  void SetUp() override {
    if (!registry_) GTEST_SKIP();
  }
  static std::string host() { return "127.0.0.1:" + std::to_string(port_); }
  static SourceOptions alice() {
    SourceOptions o;
    o.creds = "alice:s3cret";
    return o;
  }
  // The file docker-registry keeps a blob's bytes in.
  static std::string blob_file(const std::string& digest) {
    std::string hex = digest.substr(7);
    return dir_->path() + "/storage/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data";
  }
  static inline TempDir* dir_ = nullptr;
  static inline Child* tokens_ = nullptr;
  static inline Child* registry_ = nullptr;
  static inline Pushed* images_ = nullptr;
  static inline int port_ = 0;
};

TEST_F(DockerTokenAuth, BearerFlowWithCredentials) {
  auto src = make_docker_source(host() + "/library/x:1", alice());
  ASSERT_TRUE(src) << src.error().message;
  auto image = (*src)->resolve({"linux", "amd64", ""});
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_EQ(image->manifest_digest, images_->x["digest"]);
  auto reader = (*src)->open_layer(image->layers[0]);
  ASSERT_TRUE(reader) << reader.error().message;
  auto bytes = read_all(**reader);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_TRUE(*bytes == images_->big_layer);
}

TEST_F(DockerTokenAuth, CredentialsFromAnAuthFile) {
  TempDir d;
  SourceOptions o;
  o.auth_file = d.path() + "/auth.json";
  write_file(o.auth_file, json({{"auths", {{"http://" + host(), {{"auth", base64_encode("alice:s3cret")}}}}}}).dump());
  auto image = resolve(host() + "/library/x:1", o);
  EXPECT_TRUE(image) << image.error().message;
}

TEST_F(DockerTokenAuth, WrongOrMissingCredentialsAreClearErrors) {
  SourceOptions wrong;
  wrong.creds = "alice:wrong";
  auto refused = resolve(host() + "/library/x:1", wrong);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::Unauthorized);
  EXPECT_NE(refused.error().message.find("refused the credentials"), std::string::npos) << refused.error().message;
  EXPECT_EQ(refused.error().message.find("wrong"), std::string::npos) << "a secret in a message";

  SourceOptions none;
  none.auth_file = dir_->path() + "/no-auth.json";  // not whatever this machine's user has
  auto anonymous = resolve(host() + "/library/x:1", none);
  ASSERT_FALSE(anonymous);
  EXPECT_EQ(anonymous.error().code, ErrorCode::Unauthorized);
  EXPECT_NE(anonymous.error().message.find("no credentials given"), std::string::npos) << anonymous.error().message;
}

TEST_F(DockerTokenAuth, DigestReferencesAndIndexPlatforms) {
  std::string multi = images_->multi["digest"];
  auto arm = resolve(host() + "/library/multi@" + multi, alice(), {"linux", "arm64", ""});
  ASSERT_TRUE(arm) << arm.error().message;
  EXPECT_EQ(arm->manifest_digest, images_->arm64["digest"]);
  EXPECT_EQ(arm->platform, "linux/arm64");
  auto amd = resolve(host() + "/library/multi:1", alice(), {"linux", "amd64", ""});
  ASSERT_TRUE(amd) << amd.error().message;
  EXPECT_EQ(amd->manifest_digest, images_->amd64["digest"]);
  auto none = resolve(host() + "/library/multi:1", alice(), {"linux", "s390x", ""});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("linux/arm64"), std::string::npos) << none.error().message;
}

TEST_F(DockerTokenAuth, CorruptLayerFailsAtTheEndOfTheStream) {
  auto src = make_docker_source(host() + "/library/badlayer:1", alice());
  auto image = (*src)->resolve({"linux", "amd64", ""});
  ASSERT_TRUE(image) << image.error().message;
  std::string file = blob_file(image->layers[0].digest);
  std::string bytes = read_file(file);
  bytes[100] = static_cast<char>(bytes[100] ^ 0x55);
  write_file(file, bytes);
  auto reader = (*src)->open_layer(image->layers[0]);
  ASSERT_TRUE(reader) << reader.error().message;
  auto got = read_all(**reader);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::DigestInvalid) << got.error().message;
}

TEST_F(DockerTokenAuth, CorruptManifestIsRefusedByTagAndByDigest) {
  std::string digest = images_->badmanifest["digest"];
  std::string file = blob_file(digest);
  std::string bytes = read_file(file);
  auto at = bytes.find("aaaaaaaa");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 8, "bbbbbbbb");
  write_file(file, bytes);
  for (std::string ref : {host() + "/library/badmanifest@" + digest, host() + "/library/badmanifest:1"}) {
    auto image = resolve(ref, alice());
    ASSERT_FALSE(image) << ref;
    EXPECT_EQ(image.error().code, ErrorCode::DigestInvalid) << image.error().message;
  }
}

// ---------------------------------------------------------------- a registry that misbehaves

class DockerHostile : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("pc-docker-hostile");
    server_ = new Child({"/usr/bin/python3", kServerScript, "hostile"}, dir_->path() + "/log", true);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static RegistryClient client(const std::string& repo, std::optional<Credentials> creds = {}) {
    RegistryClientOptions o;
    o.host = "127.0.0.1:" + std::to_string(server_->port());
    o.repository = repo;
    o.plain_http = true;
    o.credentials = std::move(creds);
    o.low_speed_time = 2;
    return RegistryClient(o);
  }
  static inline TempDir* dir_ = nullptr;
  static inline Child* server_ = nullptr;
};

const std::string kBlob = [] {
  std::string s;
  for (int i = 0; i < 1000; ++i) s += "0123456789";
  return s;
}();

TEST_F(DockerHostile, OversizedManifestsAreRefused) {
  for (const char* repo : {"endless", "biglen"}) {
    auto m = client(repo).get_manifest("latest");
    ASSERT_FALSE(m) << repo;
    EXPECT_EQ(m.error().code, ErrorCode::ManifestTooLarge) << m.error().message;
  }
  auto huge = client("hugeheader").get_manifest("latest");
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, ErrorCode::Io) << huge.error().message;
}

TEST_F(DockerHostile, BadTokenAnswersAreClearErrors) {
  for (auto [repo, text] : {std::pair{"badtoken", "other than a JSON object"}, {"notoken", "without a token"},
                            {"crlf", "characters a header cannot carry"}}) {
    auto m = client(repo).get_manifest("latest");
    ASSERT_FALSE(m) << repo;
    EXPECT_EQ(m.error().code, ErrorCode::Unauthorized);
    EXPECT_NE(m.error().message.find(text), std::string::npos) << m.error().message;
  }
  auto ok = client("accesstoken").get_manifest("latest");
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST_F(DockerHostile, BasicAuthAndRedirectsWithoutTheAuthorizationHeader) {
  auto none = client("basic").get_manifest("latest");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::Unauthorized);
  EXPECT_TRUE(client("basic", Credentials{"u", "p"}).get_manifest("latest"));
  auto c = client("redirect", Credentials{"u", "p"});
  auto reader = c.open_blob(sha256(kBlob), kBlob.size());
  ASSERT_TRUE(reader) << reader.error().message;
  auto bytes = read_all(**reader);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_EQ(*bytes, kBlob);
}

TEST_F(DockerHostile, BrokenAndStalledBlobTransfers) {
  for (const char* repo : {"truncated", "stall"}) {
    auto reader = client(repo).open_blob(sha256(kBlob), kBlob.size());
    ASSERT_TRUE(reader) << reader.error().message;
    auto bytes = read_all(**reader);
    ASSERT_FALSE(bytes) << repo;
    EXPECT_EQ(bytes.error().code, ErrorCode::Io) << bytes.error().message;
  }
  auto missing = client("nothing").open_blob(sha256(kBlob), 0);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::BlobUnknown);
  EXPECT_NE(missing.error().message.find("no such case"), std::string::npos) << missing.error().message;
}

}  // namespace
}  // namespace portcullis::scan
