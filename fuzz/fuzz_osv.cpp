// libFuzzer target for the OSV record parser (src/vuln/importers/osv.h): the
// input is one OSV JSON record. Besides not crashing, throwing or recursing
// without bound, the parser must:
// - answer kOk only with a non-empty id and affected entries that name a
//   package and an ecosystem;
// - put only strings from `fixed` events in fixed_versions, each once.
// Wiring (pc_vuln's sources with libapt-pkg, librpm, libarchive, sqlite3)
// belongs in fuzz/CMakeLists.txt.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "vuln/importers/osv.h"

using namespace portcullis::vuln;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  Advisory a;
  std::string error;
  std::vector<std::string> warnings;
  const OsvParse r = parse_osv_record(json, a, error, &warnings);
  FUZZ_CHECK(warnings.size() <= 100);
  if (r == OsvParse::kInvalid) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  FUZZ_CHECK(!a.id.empty());
  if (r == OsvParse::kWithdrawn) return 0;
  for (const auto& p : a.affected) {
    FUZZ_CHECK(!p.package.empty() && !p.ecosystem.empty());
    std::set<std::string> fixed;
    for (const auto& rg : p.ranges) fixed.insert(rg.fixed);
    std::set<std::string> seen;
    for (const auto& f : p.fixed_versions) {
      FUZZ_CHECK(seen.insert(f).second);
      FUZZ_CHECK(fixed.count(f) == 1);
    }
  }
  return 0;
}
