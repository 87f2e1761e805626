#include "auth/permissions.h"

namespace portcullis::auth {

std::string_view action_name(Action a) {
  switch (a) {
    case Action::Pull: return "pull";
    case Action::Push: return "push";
    case Action::Delete: return "delete";
    case Action::CreateProject: return "create-project";
  }
  return "unknown";
}

bool allowed(const Principal* principal, Action action, const meta::Project* project) {
  switch (action) {
    case Action::Pull:
      if (principal) return true;
      return project != nullptr && project->is_public;
    case Action::Push:
    case Action::Delete:
      return principal != nullptr;
    case Action::CreateProject:
      return principal != nullptr && (principal->is_admin || principal->can_create_projects);
  }
  return false;
}

}  // namespace portcullis::auth
