// SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/): the document
// DESCRIBES the image package, which CONTAINS the OS package and every
// inventory package. No files are listed (filesAnalyzed false), nothing is
// concluded (licenseConcluded NOASSERTION); licenseDeclared is what the
// package declared, as a valid SPDX expression:
// - strings that are valid expressions over known ids are kept, normalised;
// - any other text becomes a LicenseRef-<text> defined in
//   hasExtractedLicensingInfos with the original text, so nothing declared
//   is lost and the expression still validates;
// - no declared licence gives NOASSERTION.
#include <cctype>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "scan/purl.h"
#include "scan/sbom.h"
#include "scan/sbom_detail.h"

namespace portcullis::scan {

namespace {

using json = nlohmann::ordered_json;  // keeps the order fields are written in
namespace d = sbom_detail;

// SPDX ids and LicenseRef names allow only [A-Za-z0-9.-] after their prefix.
std::string id_safe(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out.push_back(std::isalnum(c) || c == '.' || c == '-' ? static_cast<char>(c) : '-');
  if (out.size() > 64) out.resize(64);  // ids stay readable; uniqueness comes from elsewhere
  return out.empty() ? "x" : out;
}

// Free-text licences, each defined once as a LicenseRef.
class ExtractedLicenses {
 public:
  std::string ref_for(const std::string& text) {
    if (auto it = refs_.find(text); it != refs_.end()) return it->second;
    std::string base = "LicenseRef-" + id_safe(text);
    std::string ref = base;
    for (int n = 2; !used_.insert(ref).second; ++n) ref = base + "-" + std::to_string(n);
    refs_.emplace(text, ref);
    infos_.push_back({{"licenseId", ref}, {"extractedText", text}, {"name", text}});
    return ref;
  }
  json infos() const { return infos_; }

 private:
  std::map<std::string, std::string> refs_;
  std::set<std::string> used_;
  json infos_ = json::array();
};

std::string declared_expression(const std::vector<std::string>& declared, ExtractedLicenses& extracted) {
  std::vector<std::string> parts;
  for (const std::string& l : declared) {
    if (l.empty()) continue;
    auto norm = d::normalize_license_expression(l);
    parts.push_back(norm ? *norm : extracted.ref_for(l));
  }
  if (parts.empty()) return "NOASSERTION";
  if (parts.size() == 1) return parts[0];
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += " AND ";
    out += d::is_compound_license(p) ? "(" + p + ")" : p;
  }
  return out;
}

json purl_ref(const std::string& purl) {
  return json::array(
      {{{"referenceCategory", "PACKAGE-MANAGER"}, {"referenceType", "purl"}, {"referenceLocator", purl}}});
}

json relationship(const std::string& from, const char* type, const std::string& to) {
  return {{"spdxElementId", from}, {"relationshipType", type}, {"relatedSpdxElement", to}};
}

}  // namespace

void write_spdx_json(const Inventory& inv, const SbomOptions& options, std::ostream& out) {
  ExtractedLicenses extracted;
  json packages = json::array();
  json relationships = json::array();
  const std::string doc_name = inv.image.empty() ? "portcullis-sbom" : inv.image;
  const std::string image_id = "SPDXRef-Image";
  relationships.push_back(relationship("SPDXRef-DOCUMENT", "DESCRIBES", image_id));

  json image = {{"name", doc_name}, {"SPDXID", image_id}};
  if (!inv.manifest_digest.empty()) image["versionInfo"] = inv.manifest_digest;
  image["downloadLocation"] = "NOASSERTION";
  image["filesAnalyzed"] = false;
  image["licenseConcluded"] = "NOASSERTION";
  image["licenseDeclared"] = "NOASSERTION";
  image["copyrightText"] = "NOASSERTION";
  image["externalRefs"] = purl_ref(d::image_purl(inv));
  image["primaryPackagePurpose"] = "CONTAINER";
  if (!inv.platform.empty()) image["comment"] = "platform " + inv.platform;
  packages.push_back(std::move(image));

  if (!inv.os.family.empty()) {
    const std::string os_id = "SPDXRef-OperatingSystem";
    json os = {{"name", inv.os.family}, {"SPDXID", os_id}};
    if (!inv.os.version.empty()) os["versionInfo"] = inv.os.version;
    os["downloadLocation"] = "NOASSERTION";
    os["filesAnalyzed"] = false;
    os["licenseConcluded"] = "NOASSERTION";
    os["licenseDeclared"] = "NOASSERTION";
    os["copyrightText"] = "NOASSERTION";
    if (!inv.os.name.empty()) os["description"] = inv.os.name;
    os["primaryPackagePurpose"] = "OPERATING-SYSTEM";
    packages.push_back(std::move(os));
    relationships.push_back(relationship(image_id, "CONTAINS", os_id));
  }

  for (std::size_t i = 0; i < inv.packages.size(); ++i) {
    const Package& p = inv.packages[i];
    // The index makes ids unique even for identical packages found twice.
    std::string id = "SPDXRef-Package-" + id_safe(p.name) + "-" + std::to_string(i + 1);
    json pkg = {{"name", p.name}, {"SPDXID", id}};
    if (!p.version.empty()) pkg["versionInfo"] = p.version;
    pkg["downloadLocation"] = "NOASSERTION";
    pkg["filesAnalyzed"] = false;
    pkg["licenseConcluded"] = "NOASSERTION";
    pkg["licenseDeclared"] = declared_expression(p.licenses, extracted);
    pkg["copyrightText"] = "NOASSERTION";
    if (!p.layer.empty() || !p.path.empty()) {
      std::string where = "found";
      if (!p.layer.empty()) where += " in layer " + p.layer;
      if (!p.path.empty()) where += " at " + p.path;
      pkg["sourceInfo"] = where;
    }
    if (!p.source_name.empty()) {
      std::string src = "source package " + p.source_name;
      if (!p.source_version.empty()) src += " " + p.source_version;
      pkg["comment"] = src + "; ecosystem " + p.ecosystem;
    } else if (!p.ecosystem.empty()) {
      pkg["comment"] = "ecosystem " + p.ecosystem;
    }
    pkg["externalRefs"] = purl_ref(p.purl.empty() ? make_purl(p, inv.os) : p.purl);
    pkg["primaryPackagePurpose"] = "LIBRARY";
    packages.push_back(std::move(pkg));
    relationships.push_back(relationship(image_id, "CONTAINS", id));
  }

  const std::string uuid = d::document_uuid(options);
  json doc = {
      {"spdxVersion", "SPDX-2.3"},
      {"dataLicense", "CC0-1.0"},
      {"SPDXID", "SPDXRef-DOCUMENT"},
      {"name", doc_name},
      {"documentNamespace", "https://spdx.org/spdxdocs/portcullis-" + id_safe(doc_name) + "-" + uuid},
      {"creationInfo",
       {{"created", d::document_timestamp(options)}, {"creators", json::array({"Tool: portcullis-" + options.tool_version})}}},
  };
  json infos = extracted.infos();
  if (!infos.empty()) doc["hasExtractedLicensingInfos"] = std::move(infos);
  doc["packages"] = std::move(packages);
  doc["relationships"] = std::move(relationships);
  out << doc.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

}  // namespace portcullis::scan
