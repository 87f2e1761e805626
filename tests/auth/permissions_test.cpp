#include "auth/permissions.h"

#include <gtest/gtest.h>

namespace portcullis::auth {
namespace {

TEST(Permissions, Table) {
  meta::Project pub{1, "library", true, 0};
  meta::Project priv{2, "team", false, 0};
  Principal user{10, "dev", false, false};
  Principal creator{11, "lead", false, true};
  Principal admin{12, "admin", true, false};

  struct Row {
    const Principal* who;
    Action action;
    const meta::Project* project;
    bool expected;
  };
  const Row rows[] = {
      // anonymous
      {nullptr, Action::Pull, &pub, true},
      {nullptr, Action::Pull, &priv, false},
      {nullptr, Action::Pull, nullptr, false},
      {nullptr, Action::Push, &pub, false},
      {nullptr, Action::Delete, &pub, false},
      {nullptr, Action::CreateProject, nullptr, false},
      // an ordinary user
      {&user, Action::Pull, &pub, true},
      {&user, Action::Pull, &priv, true},
      {&user, Action::Pull, nullptr, true},
      {&user, Action::Push, &priv, true},
      {&user, Action::Push, nullptr, true},
      {&user, Action::Delete, &pub, true},
      {&user, Action::CreateProject, nullptr, false},
      // may create projects
      {&creator, Action::CreateProject, nullptr, true},
      {&creator, Action::Pull, &priv, true},
      // administrator
      {&admin, Action::CreateProject, nullptr, true},
      {&admin, Action::Delete, &priv, true},
      {&admin, Action::Pull, &priv, true},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(allowed(r.who, r.action, r.project), r.expected)
        << (r.who ? r.who->name : "anonymous") << " " << action_name(r.action) << " "
        << (r.project ? r.project->name : "(no project)");
  }
}

TEST(Permissions, ActionNames) {
  EXPECT_EQ(action_name(Action::Pull), "pull");
  EXPECT_EQ(action_name(Action::Push), "push");
  EXPECT_EQ(action_name(Action::Delete), "delete");
  EXPECT_EQ(action_name(Action::CreateProject), "create-project");
}

}  // namespace
}  // namespace portcullis::auth
