// The rpm scheme: [epoch:]version[-release] ordering through librpm's own
// rpmverParse + rpmverCmp (rpmio/rpmver.c), so our answers are rpm's.
//
// Contract details inherited from librpm, relied on by advisory matching:
// - the epoch is the leading run of digits before a ':' (anything else is
//   part of the version); a missing epoch compares as 0, so "1.0-1" equals
//   "0:1.0-1" (what Red Hat's advisories and the redhat-versions vectors need);
// - the release is everything after the LAST '-'; a version without one sorts
//   before the same version with any release ("1.0" < "1.0-1");
// - each field is ordered by rpmvercmp(): alternating alpha/numeric segments,
//   other characters only separate, '~' sorts before anything (pre-release),
//   '^' after the base but before any further segment (post-release).
//
// "valid" is what rpmverParse accepts: any non-empty string. Additionally
// refused: an embedded NUL (librpm reads C strings, so the tail would be
// silently ignored) and strings longer than kMaxLength bytes, because
// rpmvercmp copies both operands into stack arrays sized by their length.
//
// Thread safety: rpmverParse allocates a private copy, rpmverCmp/rpmvercmp
// read only their arguments and use no global state or configuration (no
// rpmReadConfigFiles needed), so compare() may run on any number of threads.
#include <rpm/rpmver.h>

#include <memory>
#include <string>

#include "vuln/version_scheme.h"

namespace portcullis::vuln {
namespace {

constexpr std::size_t kMaxLength = 1024;

struct RpmverFree {
  void operator()(rpmver_s* v) const { rpmverFree(v); }
};
using Evr = std::unique_ptr<rpmver_s, RpmverFree>;

class RpmScheme final : public VersionScheme {
 public:
  std::string_view name() const override { return "rpm"; }

  bool valid(std::string_view v) const override {
    return !v.empty() && v.size() <= kMaxLength && v.find('\0') == std::string_view::npos;
  }

  std::optional<int> compare(std::string_view a, std::string_view b) const override {
    if (!valid(a) || !valid(b)) return std::nullopt;
    const std::string sa(a), sb(b);
    Evr ea(rpmverParse(sa.c_str()));
    Evr eb(rpmverParse(sb.c_str()));
    if (!ea || !eb) return std::nullopt;  // unreachable for non-empty input
    int r = rpmverCmp(ea.get(), eb.get());
    return r < 0 ? -1 : (r > 0 ? 1 : 0);
  }
};

}  // namespace

const VersionScheme& rpm_scheme() {
  static const RpmScheme scheme;
  return scheme;
}

}  // namespace portcullis::vuln
