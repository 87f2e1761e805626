#include "app/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "app/commands.h"

using namespace portcullis;

namespace {
std::string write_temp(const std::string& text) {
  char path[] = "/tmp/portcullis-config-XXXXXX";
  int fd = mkstemp(path);
  ::close(fd);
  std::ofstream(path) << text;
  return path;
}
}  // namespace

TEST(Config, DefaultsAreTheEmbeddedOnes) {
  app::Config c;
  EXPECT_EQ(c.listen, ":5000");
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_TRUE(c.access_log);
}

TEST(Config, YamlThenEnvironmentOverride) {
  auto path = write_temp("listen: 127.0.0.1:6000\ndata: /srv/reg\nlog:\n  level: debug\n  access: false\ntls:\n  cert: c.pem\n  key: k.pem\n");
  app::Config c;
  ASSERT_TRUE(app::apply_yaml_file(c, path).ok());
  EXPECT_EQ(c.listen, "127.0.0.1:6000");
  EXPECT_EQ(c.data_dir, "/srv/reg");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_FALSE(c.access_log);
  EXPECT_EQ(c.tls_cert, "c.pem");
  ASSERT_TRUE(app::apply_environment(c, {{"PORTCULLIS_LISTEN", ":7000"}, {"PORTCULLIS_ACCESS_LOG", "true"}}).ok());
  EXPECT_EQ(c.listen, ":7000");
  EXPECT_TRUE(c.access_log);
  EXPECT_EQ(c.data_dir, "/srv/reg");
  ::unlink(path.c_str());
}

TEST(Config, TyposAndBadValuesAreErrorsThatNameTheKey) {
  app::Config c;
  auto typo = write_temp("listne: :6000\n");
  auto r = app::apply_yaml_file(c, typo);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("listne"), std::string::npos);
  auto nested = write_temp("log:\n  levle: info\n");
  EXPECT_FALSE(app::apply_yaml_file(c, nested).ok());
  auto badtype = write_temp("log:\n  access: maybe\n");
  EXPECT_FALSE(app::apply_yaml_file(c, badtype).ok());
  auto broken = write_temp("listen: [unclosed\n");
  EXPECT_FALSE(app::apply_yaml_file(c, broken).ok());
  EXPECT_FALSE(app::apply_yaml_file(c, "/nonexistent/portcullis.yaml").ok());
  auto env = app::apply_environment(c, {{"PORTCULLIS_THREADS", "many"}});
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.error().message.find("PORTCULLIS_THREADS"), std::string::npos);
  EXPECT_FALSE(app::apply_environment(c, {{"PORTCULLIS_LOG_LEVEL", "loud"}}).ok());
  for (auto* p : {&typo, &nested, &badtype, &broken}) ::unlink(p->c_str());
}

TEST(Config, Durations) {
  EXPECT_EQ(app::parse_duration_seconds("0"), 0);
  EXPECT_EQ(app::parse_duration_seconds("90s"), 90);
  EXPECT_EQ(app::parse_duration_seconds("15m"), 900);
  EXPECT_EQ(app::parse_duration_seconds("1h"), 3600);
  EXPECT_EQ(app::parse_duration_seconds("7d"), 604800);
  EXPECT_EQ(app::parse_duration_seconds(""), -1);
  EXPECT_EQ(app::parse_duration_seconds("h"), -1);
  EXPECT_EQ(app::parse_duration_seconds("-5s"), -1);
  EXPECT_EQ(app::parse_duration_seconds("1.5h"), -1);
}
