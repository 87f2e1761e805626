// libFuzzer target for the apk analyzer: arbitrary bytes as
// lib/apk/db/installed, through the Analyzer interface. Besides "no crash",
// every package reported must have a name, a version and a source.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/analyzer.h"
#include "scan/analyzers/analyzers.h"
#include "fuzz_check.h"

using namespace portcullis::scan;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto analyzer = make_apk_analyzer();
  std::string_view content(reinterpret_cast<const char*>(data), size);
  FileInfo info{"lib/apk/db/installed", size, 0644};
  if (analyzer->wants(info) != Want::whole || size > analyzer->size_limit()) return 0;
  FileResult out;
  analyzer->analyze(info, content, out);
  for (const Package& p : out.packages) {
    FUZZ_CHECK(!p.name.empty());
    FUZZ_CHECK(!p.version.empty());
    FUZZ_CHECK(!p.source_name.empty());
    FUZZ_CHECK(p.source_version == p.version);
  }
  FUZZ_CHECK(out.warnings.size() <= 32);
  return 0;
}
