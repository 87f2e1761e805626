// libFuzzer target for the Debian security tracker JSON importer: arbitrary
// bytes as the tracker export. Besides "no crash, no throw", every advisory
// handed to the sink must have an id and the tracker's source, and every
// package a known ecosystem, a name and a fix state consistent with its
// ranges; warnings stay capped.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vuln/importers/debian_tracker.h"
#include "vuln/version_scheme.h"
#include "fuzz_check.h"

using namespace portcullis::vuln;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  ImportStats stats;
  AdvisorySink sink = [](const Advisory& a) -> portcullis::core::Result<void> {
    FUZZ_CHECK(!a.id.empty());
    FUZZ_CHECK(a.source == "debian-tracker");
    for (const AffectedPackage& p : a.affected) {
      FUZZ_CHECK(p.ecosystem.rfind("debian:", 0) == 0);
      FUZZ_CHECK(!p.package.empty());
      FUZZ_CHECK((p.fix_state == fix_state::kFixed) == !p.ranges.empty());
      for (const Range& r : p.ranges) FUZZ_CHECK(deb_scheme().valid(r.fixed));
    }
    return {};
  };
  (void)parse_debian_tracker(json, sink, stats);
  FUZZ_CHECK(stats.warnings.size() <= 100);
  return 0;
}
