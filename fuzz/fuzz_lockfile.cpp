// libFuzzer target for the language-package analyzers that read text
// metadata: npm (lockfiles and package.json), Python (METADATA / PKG-INFO),
// RubyGems (gemspec), Cargo (Cargo.lock) and Composer (composer.lock,
// installed.json). Every input goes to every one of them under each path
// that analyzer wants, so one corpus serves all the formats.
//
// Besides "no crash, no leak, no UB", it checks the Analyzer contract: a
// package reported always has a name and a version and the analyzer's
// ecosystem, and bad input is answered with warnings, not exceptions.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scan/analyzers/analyzers.h"
#include "fuzz_check.h"

namespace {

using namespace portcullis::scan;

struct Target {
  std::unique_ptr<Analyzer> analyzer;
  const char* ecosystem;
  std::vector<std::string_view> paths;
};

std::vector<Target>& targets() {
  static std::vector<Target> t = [] {
    std::vector<Target> v;
    v.push_back({make_npm_analyzer(), ecosystem::kNpm,
                 {"app/package-lock.json", "app/node_modules/.package-lock.json", "app/node_modules/@s/p/package.json"}});
    v.push_back({make_python_analyzer(), ecosystem::kPypi,
                 {"usr/lib/python3/dist-packages/a-1.0.dist-info/METADATA", "usr/lib/python3/a-1.0.egg-info",
                  "usr/lib/python3/a-1.0.egg/EGG-INFO/PKG-INFO"}});
    v.push_back({make_ruby_analyzer(), ecosystem::kGem, {"usr/lib/ruby/gems/3.1.0/specifications/a-1.0.gemspec"}});
    v.push_back({make_rust_analyzer(), ecosystem::kCargo, {"src/Cargo.lock"}});
    v.push_back({make_php_analyzer(), ecosystem::kComposer,
                 {"var/www/composer.lock", "var/www/vendor/composer/installed.json"}});
    return v;
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view content(reinterpret_cast<const char*>(data), size);
  for (const Target& t : targets()) {
    for (std::string_view path : t.paths) {
      FileInfo info{path, size, 0644};
      Want want = t.analyzer->wants(info);
      FUZZ_CHECK(want == Want::whole);
      if (size > t.analyzer->size_limit()) continue;  // the layer reader would skip it
      FileResult out;
      out.path = std::string(path);
      out.analyzer = std::string(t.analyzer->name());
      t.analyzer->analyze(info, content, out);
      for (const Package& p : out.packages) {
        FUZZ_CHECK(!p.name.empty());
        FUZZ_CHECK(!p.version.empty());
        FUZZ_CHECK(p.ecosystem == t.ecosystem);
      }
    }
  }
  return 0;
}
