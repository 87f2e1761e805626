// Test helpers for the analyzer unit tests: fixture files under
// shared/fixtures (PORTCULLIS_FIXTURES) and the expected lists beside them,
// one analyzer run on one whole file the way the layer reader runs it, and
// the packages of a result as (name, version) pairs or looked up by name.
#pragma once
#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scan/analyzer.h"

namespace portcullis::scan::testing {

using NameVersion = std::pair<std::string, std::string>;

// `rel` under shared/fixtures ("lang/npm/...").
inline std::string fixture_path(std::string_view rel) { return std::string(PORTCULLIS_FIXTURES) + "/" + std::string(rel); }

// The whole file; an expectation fails when it cannot be opened.
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << p;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string read_fixture(std::string_view rel) { return read_file(fixture_path(rel)); }

// The rows of a tab-separated expectation file, blank lines and '#' comments
// skipped. A row without exactly `columns` fields fails an expectation and is
// left out.
inline std::vector<std::vector<std::string>> read_tsv(const std::filesystem::path& p, std::size_t columns) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_file(p));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::istringstream fields(line);
    for (std::string col; std::getline(fields, col, '\t');) cols.push_back(col);
    EXPECT_EQ(cols.size(), columns) << line;
    if (cols.size() == columns) rows.push_back(std::move(cols));
  }
  return rows;
}

// Runs `analyzer` on `content` as the file `path`, which it must want whole.
inline FileResult run_analyzer(const Analyzer& analyzer, std::string_view path, std::string_view content) {
  FileInfo info{path, content.size(), 0644};
  FileResult out;
  out.path = std::string(path);
  out.analyzer = std::string(analyzer.name());
  EXPECT_EQ(analyzer.wants(info), Want::whole) << path;
  if (analyzer.wants(info) == Want::whole) analyzer.analyze(info, content, out);
  return out;
}

// The (name, version) of every package, each expected to be of `ecosystem`.
inline std::set<NameVersion> name_versions(const FileResult& r, std::string_view ecosystem) {
  std::set<NameVersion> out;
  for (const Package& p : r.packages) {
    EXPECT_EQ(p.ecosystem, ecosystem);
    out.emplace(p.name, p.version);
  }
  return out;
}

// The first package called `name` (and, given one, of `version`); null if none.
inline const Package* find(const FileResult& r, std::string_view name) {
  for (const Package& p : r.packages)
    if (p.name == name) return &p;
  return nullptr;
}

inline const Package* find(const FileResult& r, std::string_view name, std::string_view version) {
  for (const Package& p : r.packages)
    if (p.name == name && p.version == version) return &p;
  return nullptr;
}

// Marked {"dev", "true"}: installed only as a development dependency.
inline bool is_dev(const Package* p) { return p && p->property("dev") && *p->property("dev") == "true"; }

}  // namespace portcullis::scan::testing
