// libFuzzer target for the dpkg analyzer: arbitrary bytes as a status file and
// as a distroless status.d entry, through the Analyzer interface. Besides "no
// crash", every package reported must have the fields the contract promises.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/analyzer.h"
#include "scan/analyzers/analyzers.h"
#include "fuzz_check.h"

namespace {

using namespace portcullis::scan;

void run(const Analyzer& analyzer, std::string_view path, std::string_view content) {
  FileInfo info{path, content.size(), 0644};
  if (analyzer.wants(info) != Want::whole || content.size() > analyzer.size_limit()) return;
  FileResult out;
  analyzer.analyze(info, content, out);
  for (const Package& p : out.packages) {
    FUZZ_CHECK(!p.name.empty());
    FUZZ_CHECK(!p.version.empty());
    FUZZ_CHECK(!p.source_name.empty());
    FUZZ_CHECK(!p.source_version.empty());
  }
  FUZZ_CHECK(out.warnings.size() <= 32);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto analyzer = make_dpkg_analyzer();
  std::string_view content(reinterpret_cast<const char*>(data), size);
  run(*analyzer, "var/lib/dpkg/status", content);
  run(*analyzer, "var/lib/dpkg/status.d/libc6", content);
  return 0;
}
