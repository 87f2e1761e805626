#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <string_view>
#include <utility>

#include "scan/inventory.h"
#include "scan/os_release.h"

namespace portcullis::scan {
namespace {

// Whether `path` is `dir` or lies below it.
bool is_under(std::string_view path, std::string_view dir) {
  if (dir.empty()) return true;
  if (path.size() < dir.size() || path.compare(0, dir.size(), dir) != 0) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

struct Entry {
  const FileResult* result;
  const LayerResult* layer;
  std::shared_ptr<FileResult> trimmed;  // a copy without packages a later layer deleted
};

// A package read from a lock file names where it is installed (property
// "location", one per copy); it survives while one of them does.
bool installed_copy_survives(const Package& pkg, std::string_view deleted, bool children_only) {
  bool any = false;
  for (const auto& [key, value] : pkg.properties) {
    if (key != "location") continue;
    any = true;
    bool gone = children_only ? (value.size() > deleted.size() && is_under(value, deleted)) : is_under(value, deleted);
    if (!gone) return true;
  }
  return !any;
}

}  // namespace

void merge_layers(const std::vector<LayerResult>& layers, Inventory& inventory) {
  // (path, analyzer) -> surviving result; ordered by path so output is stable.
  std::map<std::pair<std::string_view, std::string_view>, Entry> alive;
  for (const LayerResult& layer : layers) {
    // Deletions apply to lower layers only, so they come before this layer's own files.
    auto erase_under = [&](std::string_view dir, bool keep_dir_itself) {
      for (auto it = alive.begin(); it != alive.end();) {
        std::string_view p = it->first.first;
        bool hit = keep_dir_itself ? (p.size() > dir.size() && is_under(p, dir)) : is_under(p, dir);
        if (hit) {
          it = alive.erase(it);
          continue;
        }
        Entry& e = it->second;
        const FileResult& current = e.trimmed ? *e.trimmed : *e.result;
        auto survives = [&](const Package& pkg) { return installed_copy_survives(pkg, dir, keep_dir_itself); };
        if (!std::all_of(current.packages.begin(), current.packages.end(), survives)) {
          auto copy = std::make_shared<FileResult>(current);
          std::erase_if(copy->packages, [&](const Package& pkg) { return !survives(pkg); });
          e.trimmed = std::move(copy);
        }
        ++it;
      }
    };
    for (const std::string& dir : layer.opaque_dirs) erase_under(dir, true);
    for (const std::string& path : layer.whiteouts) erase_under(path, false);
    for (const FileResult& file : layer.files) alive[{file.path, file.analyzer}] = Entry{&file, &layer, nullptr};
    for (const std::string& w : layer.warnings)
      inventory.warnings.push_back((layer.diff_id.empty() ? std::string("layer") : layer.diff_id) + ": " + w);
  }

  // Packages in layer order, then path order; OS facts likewise.
  std::vector<Entry> entries;
  entries.reserve(alive.size());
  for (const auto& [key, entry] : alive) entries.push_back(entry);
  std::stable_sort(entries.begin(), entries.end(),
                   [&](const Entry& a, const Entry& b) { return a.layer < b.layer; });

  std::vector<OsFact> facts;
  for (const Entry& e : entries) {
    if (e.result->os) facts.push_back(*e.result->os);
    for (const Package& pkg : (e.trimmed ? *e.trimmed : *e.result).packages) {
      Package copy = pkg;
      if (copy.layer.empty()) copy.layer = e.layer->diff_id;
      if (copy.path.empty()) copy.path = e.result->path;
      inventory.packages.push_back(std::move(copy));
    }
    for (const std::string& w : e.result->warnings) inventory.warnings.push_back(e.result->path + ": " + w);
  }
  inventory.os = merge_os_facts(facts);

  // A language package seen twice (its lock file and its installed metadata,
  // or two copies of one version) is listed once, where it was first found.
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::erase_if(inventory.packages, [&](const Package& p) {
    if (p.ecosystem == ecosystem::kDeb || p.ecosystem == ecosystem::kApk || p.ecosystem == ecosystem::kRpm) return false;
    return !seen.emplace(p.ecosystem, p.name, p.version).second;
  });
}

}  // namespace portcullis::scan
