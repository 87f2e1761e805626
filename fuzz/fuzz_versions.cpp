// libFuzzer target for the version schemes (src/vuln/version_scheme.h): the
// input is split at its first '\n' (or in half when there is none) into two
// version strings, a and b, and every scheme must, besides not crashing:
// - answer compare(a, b) exactly when both are valid();
// - be antisymmetric: compare(a, b) == -compare(b, a);
// - be reflexive: compare(v, v) == 0 for each valid v;
// - return only -1, 0 or 1.
// Wiring (links pc_vuln's sources with libapt-pkg and librpm) belongs in
// fuzz/CMakeLists.txt.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "vuln/version_scheme.h"
#include "vuln/versions/npm_range.h"

using namespace portcullis::vuln;

namespace {

void check_scheme(const VersionScheme& s, std::string_view a, std::string_view b) {
  const bool va = s.valid(a), vb = s.valid(b);
  const auto ab = s.compare(a, b);
  const auto ba = s.compare(b, a);
  FUZZ_CHECK(ab.has_value() == (va && vb));
  FUZZ_CHECK(ba.has_value() == ab.has_value());
  if (ab) {
    FUZZ_CHECK(*ab >= -1 && *ab <= 1);
    FUZZ_CHECK(*ab == -*ba);
  }
  if (va) FUZZ_CHECK(s.compare(a, a) == 0);
  if (vb) FUZZ_CHECK(s.compare(b, b) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view a, b;
  if (auto nl = in.find('\n'); nl != std::string_view::npos) {
    a = in.substr(0, nl);
    b = in.substr(nl + 1);
  } else {
    a = in.substr(0, size / 2);
    b = in.substr(size / 2);
  }
  check_scheme(deb_scheme(), a, b);
  check_scheme(rpm_scheme(), a, b);
  check_scheme(apk_scheme(), a, b);
  check_scheme(semver_scheme(), a, b);
  check_scheme(pep440_scheme(), a, b);
  check_scheme(maven_scheme(), a, b);
  check_scheme(gem_scheme(), a, b);
  check_scheme(go_scheme(), a, b);
  check_scheme(nuget_scheme(), a, b);
  check_scheme(packagist_scheme(), a, b);
  // npm ranges: a as the range, b as the version; any answer, no crash.
  (void)npm::satisfies(a, b, {});
  (void)npm::satisfies(a, b, {true, true});
  return 0;
}
