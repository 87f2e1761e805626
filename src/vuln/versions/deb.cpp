// The deb scheme: Debian version ordering through libapt-pkg's debVS, so our
// answers are Debian's own (dpkg's verrevcmp, as apt implements it).
//
// What "valid" means here — what dpkg accepts (possibly with a warning):
//   [epoch:]upstream[-revision], split like dpkg's parseversion (epoch before
//   the FIRST ':', revision after the LAST '-'), refused only where dpkg
//   refuses outright: empty string, empty/non-numeric/over-INT_MAX epoch,
//   nothing after the colon, empty upstream, empty revision ("1.0-").
//   dpkg only *warns* when the upstream does not start with a digit or holds
//   a character outside [A-Za-z0-9.+~:-] (revision: [A-Za-z0-9.+~]), and
//   still compares such versions; the vectors rely on that (the real-version
//   table compares "1:5.#"), so those stay valid.
//   Additionally refused, so that every answer is stable and bounded:
//   - any byte outside printable ASCII (0x21..0x7e): whitespace is an error
//     in dpkg (or trimmed before parsing — callers pass trimmed strings),
//     NUL would truncate the C strings apt reads, and apt orders bytes >= 0x80
//     with the locale-dependent isalpha(), so their order is not a fact;
//   - strings longer than kMaxLength bytes; no package carries one.
//
// Thread safety: debVS is a global object initialised by libapt-pkg's own
// static constructor; CmpVersion reads only its arguments (no _config, no
// cache, no shared state), so compare() may run on any number of threads.
#include <apt-pkg/debversion.h>

#include <climits>
#include <string>

#include "vuln/version_scheme.h"

namespace portcullis::vuln {
namespace {

constexpr std::size_t kMaxLength = 1024;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

class DebScheme final : public VersionScheme {
 public:
  std::string_view name() const override { return "deb"; }

  bool valid(std::string_view v) const override {
    if (v.empty() || v.size() > kMaxLength) return false;
    for (char c : v) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x21 || u > 0x7e) return false;
    }
    std::string_view rest = v;
    if (auto colon = v.find(':'); colon != std::string_view::npos) {
      std::string_view epoch = v.substr(0, colon);
      if (epoch.empty()) return false;
      long long value = 0;
      for (char c : epoch) {
        if (!is_digit(c)) return false;
        value = value * 10 + (c - '0');
        if (value > INT_MAX) return false;  // dpkg: "epoch in version is too big"
      }
      rest = v.substr(colon + 1);
      if (rest.empty()) return false;  // dpkg: "nothing after colon"
    }
    if (auto dash = rest.rfind('-'); dash != std::string_view::npos) {
      if (dash == 0) return false;                // empty upstream
      if (dash + 1 == rest.size()) return false;  // empty revision
    }
    return true;
  }

  std::optional<int> compare(std::string_view a, std::string_view b) const override {
    if (!valid(a) || !valid(b)) return std::nullopt;
    // apt's CmpFragment scans digit runs past the fragment end until a
    // non-digit, so it needs NUL-terminated buffers: std::string gives that.
    const std::string sa(a), sb(b);
    int r = debVS.CmpVersion(sa, sb);
    return r < 0 ? -1 : (r > 0 ? 1 : 0);
  }
};

}  // namespace

const VersionScheme& deb_scheme() {
  static const DebScheme scheme;
  return scheme;
}

}  // namespace portcullis::vuln
