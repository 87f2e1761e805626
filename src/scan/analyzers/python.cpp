// Installed Python distributions from their core metadata (an RFC 822 style
// header block): `*.dist-info/METADATA` (wheels), `*.egg-info/PKG-INFO`,
// `*.egg-info` when it is a file, and `EGG-INFO/PKG-INFO` (eggs).
//
// Only the header block counts: it ends at the first empty line, after which
// comes the long description (older tools put Classifier lines there too, and
// those are prose, not metadata). Name and Version are required; the license
// is, in order of precedence, License-Expression (PEP 639), the
// "License :: ..." classifiers, then the free-text License field. Names are
// kept as written; PEP 503 normalisation belongs to matching.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/text.h"
#include "scan/analyzers/analyzers.h"

namespace portcullis::scan {
namespace {

struct Field {
  std::string_view key;
  std::string value;  // first line, plus any continuation lines joined by '\n'
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}


// The header block's fields in order. Lines that are neither "Key: value" nor
// a continuation are counted in `malformed` and skipped, as a mail reader would.
std::vector<Field> read_header(std::string_view text, int& malformed) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<Field> fields;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of the header block
    if (line.front() == ' ' || line.front() == '\t') {
      if (fields.empty()) {
        ++malformed;
      } else {
        fields.back().value += '\n';
        fields.back().value += trim(line);
      }
      continue;
    }
    std::size_t colon = line.find(':');
    std::string_view key = colon == std::string_view::npos ? std::string_view() : trim(line.substr(0, colon));
    if (key.empty() || key.find(' ') != std::string_view::npos) {
      ++malformed;
      continue;
    }
    fields.push_back(Field{key, std::string(trim(line.substr(colon + 1)))});
  }
  return fields;
}

const Field* first(const std::vector<Field>& fields, std::string_view key) {
  for (const Field& f : fields)
    if (core::iequals_ascii(f.key, key) && !f.value.empty()) return &f;
  return nullptr;
}

std::string first_line(const std::string& s) { return std::string(trim(std::string_view(s).substr(0, s.find('\n')))); }

std::vector<std::string> licenses_of(const std::vector<Field>& fields) {
  if (const Field* expr = first(fields, "License-Expression")) return {first_line(expr->value)};
  std::vector<std::string> out;
  constexpr std::string_view kPrefix = "License :: ";
  for (const Field& f : fields) {
    if (!core::iequals_ascii(f.key, "Classifier") || !std::string_view(f.value).starts_with(kPrefix)) continue;
    std::string_view v = f.value;
    std::size_t sep = v.rfind(" :: ");
    std::string_view last = trim(v.substr(sep + 4));
    // "License :: OSI Approved" groups licenses; it names none.
    if (!last.empty() && last != "OSI Approved") out.emplace_back(last);
  }
  if (!out.empty()) return out;
  // Some packages paste the whole license text into License; its first line
  // is the name when there is one.
  if (const Field* lic = first(fields, "License")) return {first_line(lic->value)};
  return out;
}

bool ends_with_dir(std::string_view dir, std::string_view suffix) { return dir.size() > suffix.size() && dir.ends_with(suffix); }

bool wanted(std::string_view path) {
  std::size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::string_view dir = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
  std::size_t dslash = dir.rfind('/');
  std::string_view parent = dslash == std::string_view::npos ? dir : dir.substr(dslash + 1);
  if (base == "METADATA") return ends_with_dir(parent, ".dist-info");
  if (base == "PKG-INFO") return ends_with_dir(parent, ".egg-info") || parent == "EGG-INFO";
  return ends_with_dir(base, ".egg-info");  // the single-file form distutils writes
}

class PythonAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "python"; }
  int version() const override { return 1; }
  Want wants(const FileInfo& file) const override { return wanted(file.path) ? Want::whole : Want::no; }
  // Metadata is a few KiB; a long description rarely passes 1 MiB.
  std::uint64_t size_limit() const override { return 8u << 20; }

  void analyze(const FileInfo& file, std::string_view content, FileResult& out) const override {
    int malformed = 0;
    std::vector<Field> fields = read_header(content, malformed);
    const Field* name = first(fields, "Name");
    const Field* version = first(fields, "Version");
    if (!name || !version) {
      out.warnings.push_back("python: metadata has no Name or Version");
      return;
    }
    if (malformed > 0)
      out.warnings.push_back("python: " + std::to_string(malformed) + " malformed metadata header lines skipped");
    Package p;
    p.ecosystem = ecosystem::kPypi;
    p.name = first_line(name->value);
    p.version = first_line(version->value);
    p.licenses = licenses_of(fields);
    // Without a declared license the file it points to is all there is; we
    // name it rather than guess its content.
    if (p.licenses.empty())
      if (const Field* lf = first(fields, "License-File")) p.properties.emplace_back("license-file", first_line(lf->value));
    p.path = std::string(file.path);
    out.packages.push_back(std::move(p));
  }
};

}  // namespace

std::unique_ptr<Analyzer> make_python_analyzer() { return std::make_unique<PythonAnalyzer>(); }

}  // namespace portcullis::scan
