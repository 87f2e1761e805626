// Helpers shared by the advisory importer tests: collecting what an importer
// emits, and finding an affected package or a string in what was collected.
#pragma once
#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "vuln/importers.h"

namespace portcullis::vuln::testing {

// Every advisory an importer emitted, by id (a later one with the same id
// replaces the earlier), and how many affected entries were emitted in all.
struct Collected {
  std::map<std::string, Advisory> by_id;
  std::size_t entries = 0;
  AdvisorySink sink() {
    return [this](const Advisory& a) -> core::Result<void> {
      by_id[a.id] = a;
      entries += a.affected.size();
      return {};
    };
  }
};

// The nth (from 0) affected entry of `a` for (ecosystem, package), or null.
inline const AffectedPackage* find(const Advisory& a, std::string_view eco, std::string_view pkg,
                                   std::size_t nth = 0) {
  for (const auto& p : a.affected)
    if (p.ecosystem == eco && p.package == pkg && nth-- == 0) return &p;
  return nullptr;
}

inline bool has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace portcullis::vuln::testing
