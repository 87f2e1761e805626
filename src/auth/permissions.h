// Who is asking (Principal) and what they may do (allowed). Pure decisions,
// no I/O, so every rule is a unit test.
//
// Today there are users only, and one rule table. Later additions fit here
// without changing callers: robot accounts and token-authenticated principals
// are more Principal kinds; per-project roles become a lookup that `allowed`
// consults (its signature already takes the project).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "meta/meta_store.h"

namespace portcullis::auth {

struct Principal {
  std::int64_t user_id = 0;
  std::string name;
  bool is_admin = false;
  bool can_create_projects = false;
};

enum class Action { Pull, Push, Delete, CreateProject };

std::string_view action_name(Action a);  // "pull", "push", "delete", "create-project"

// The rule table. `principal` is null for an anonymous request; `project`
// may be null when the project does not exist (yet).
//   Pull           anonymous: only from a public project; authenticated: anywhere
//   Push, Delete   any authenticated principal (per-project roles later)
//   CreateProject  an administrator or a principal allowed to create projects
bool allowed(const Principal* principal, Action action, const meta::Project* project);

}  // namespace portcullis::auth
