#include "vuln/importers/redhat_csaf.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vuln/importers/json_input.h"
#include "vuln/version_scheme.h"

namespace portcullis::vuln {

namespace {

using nlohmann::json;
namespace ji = json_input;

std::string severity_of_impact(std::string_view s) {
  return s == "Low" ? "low" : s == "Moderate" ? "medium" : s == "Important" ? "high" : s == "Critical" ? "critical" : "";
}

int severity_rank(std::string_view s) {
  auto it = std::find(std::begin(kSeverities), std::end(kSeverities), s);
  return it == std::end(kSeverities) ? 0 : static_cast<int>(it - std::begin(kSeverities));
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    std::size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos || out.size() > 64) return out;
    start = end + 1;
  }
}

// "redhat:<major>" for a RHEL platform CPE (2.2 or 2.3 form), else "".
std::string ecosystem_of_cpe(std::string_view cpe) {
  auto p = split(cpe, ':');
  std::size_t base = p.size() > 1 && p[1] == "2.3" ? 2 : 1;
  if (p.size() < base + 4 || p[0] != "cpe" || p[base + 1] != "redhat") return "";
  std::string_view product = p[base + 2], version = p[base + 3];
  static constexpr std::string_view kRhel[] = {"enterprise_linux", "rhel_eus", "rhel_aus", "rhel_e4s", "rhel_tus", "rhel_els"};
  if (std::find(std::begin(kRhel), std::end(kRhel), product) == std::end(kRhel)) return "";
  std::string_view major = version.substr(0, version.find('.'));
  return all_digits(major) ? "redhat:" + std::string(major) : "";
}

struct Component {
  std::string name;
  std::string evr;  // empty when the product names no version
  bool rpm = true;
};

std::string percent_decode(std::string_view s) {
  std::string out;
  auto hex = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10); };
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool escape = s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                  std::isxdigit(static_cast<unsigned char>(s[i + 2]));
    out.push_back(escape ? static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])) : s[i]);
    if (escape) i += 2;
  }
  return out;
}

std::string with_epoch(std::string_view epoch, std::string_view vr) {
  return vr.empty() || epoch.empty() || epoch == "0" ? std::string(vr) : std::string(epoch) + ":" + std::string(vr);
}

// pkg:rpm/redhat/NAME@V-R?arch=…&epoch=…&rpmmod=module:stream:…
Component component_of_purl(std::string_view purl) {
  Component c;
  if (purl.rfind("pkg:rpm/", 0) != 0) {
    c.rpm = false;
    return c;
  }
  purl.remove_prefix(8);
  purl = purl.substr(0, purl.find('#'));
  std::string_view query;
  if (auto q = purl.find('?'); q != std::string_view::npos) {
    query = purl.substr(q + 1);
    purl = purl.substr(0, q);
  }
  std::string_view version;
  if (auto at = purl.find('@'); at != std::string_view::npos) {
    version = purl.substr(at + 1);
    purl = purl.substr(0, at);
  }
  c.name = percent_decode(purl.substr(purl.rfind('/') + 1));
  std::string epoch, module;
  for (std::string_view kv : split(query, '&')) {
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    if (kv.substr(0, eq) == "epoch") epoch = percent_decode(kv.substr(eq + 1));
    if (kv.substr(0, eq) == "rpmmod") {
      std::string value = percent_decode(kv.substr(eq + 1));
      auto m = split(value, ':');
      if (m.size() >= 2 && !m[0].empty() && !m[1].empty()) module = std::string(m[0]) + ":" + std::string(m[1]);
    }
  }
  if (!module.empty()) c.name = module + "/" + c.name;
  c.evr = with_epoch(epoch, percent_decode(version));
  return c;
}

// A product id such as "telnet-1:0.17-65.el7_6.src" or just "kernel".
Component component_of_nevra(std::string_view id) {
  static constexpr std::string_view kArches[] = {"src", "noarch", "x86_64", "aarch64", "ppc64le", "s390x", "i686",
                                                 "i386", "ppc64", "ppc", "s390", "armv7hl", "ia64"};
  Component c;
  c.name = std::string(id);
  auto dot = id.rfind('.');
  if (dot == std::string_view::npos || std::find(std::begin(kArches), std::end(kArches), id.substr(dot + 1)) == std::end(kArches))
    return c;
  std::string_view nevr = id.substr(0, dot);
  auto rdash = nevr.rfind('-');
  if (rdash == std::string_view::npos || rdash == 0) return c;
  auto vdash = nevr.rfind('-', rdash - 1);
  if (vdash == std::string_view::npos || vdash == 0) return c;
  std::string_view ev = nevr.substr(vdash + 1, rdash - vdash - 1), release = nevr.substr(rdash + 1);
  std::string_view epoch;
  if (auto colon = ev.find(':'); colon != std::string_view::npos) {
    epoch = ev.substr(0, colon);
    ev = ev.substr(colon + 1);
  }
  if (ev.empty() || release.empty() || (!epoch.empty() && !all_digits(epoch))) return c;
  c.name = std::string(nevr.substr(0, vdash));
  c.evr = with_epoch(epoch, std::string(ev) + "-" + std::string(release));
  return c;
}

struct Products {
  std::map<std::string, std::pair<std::string, std::string>> helpers;  // id -> (cpe, purl)
  std::map<std::string, std::pair<std::string, std::string>> relations;  // id -> (component, platform)

  void add_product(const json& p) {
    const std::string* id = ji::get_string(p, "product_id");
    if (!id) return;
    const json* h = ji::get_object(p, "product_identification_helper");
    const std::string* cpe = h ? ji::get_string(*h, "cpe") : nullptr;
    const std::string* purl = h ? ji::get_string(*h, "purl") : nullptr;
    helpers[*id] = {cpe ? *cpe : "", purl ? *purl : ""};
  }
  void add_branches(const json& branches) {
    for (const json& b : branches) {
      if (const json* p = ji::get_object(b, "product")) add_product(*p);
      if (const json* sub = ji::get_array(b, "branches")) add_branches(*sub);  // depth bounded by the parser's cap
    }
  }
  explicit Products(const json& tree) {
    if (const json* b = ji::get_array(tree, "branches")) add_branches(*b);
    if (const json* f = ji::get_array(tree, "full_product_names"))
      for (const json& p : *f) add_product(p);
    if (const json* rels = ji::get_array(tree, "relationships"))
      for (const json& r : *rels) {
        const json* full = ji::get_object(r, "full_product_name");
        const std::string* id = full ? ji::get_string(*full, "product_id") : nullptr;
        const std::string* comp = ji::get_string(r, "product_reference");
        const std::string* plat = ji::get_string(r, "relates_to_product_reference");
        if (id && comp && plat) relations[*id] = {*comp, *plat};
      }
  }

  // (ecosystem, component) of a status entry; nullopt outside RHEL rpms.
  std::optional<std::pair<std::string, Component>> resolve(const std::string& pid) const {
    std::string comp_id, plat_id;
    if (auto r = relations.find(pid); r != relations.end()) {
      std::tie(comp_id, plat_id) = r->second;
    } else if (auto colon = pid.find(':'); colon != std::string::npos) {
      plat_id = pid.substr(0, colon);  // an id the (trimmed) tree does not define
      comp_id = pid.substr(colon + 1);
    } else {
      return std::nullopt;
    }
    std::string eco;
    if (auto h = helpers.find(plat_id); h != helpers.end()) eco = ecosystem_of_cpe(h->second.first);
    else if (plat_id.rfind("red_hat_enterprise_linux_", 0) == 0 && all_digits(plat_id.substr(25))) eco = "redhat:" + plat_id.substr(25);
    if (eco.empty()) return std::nullopt;
    auto h = helpers.find(comp_id);
    Component c = h != helpers.end() && !h->second.second.empty() ? component_of_purl(h->second.second)
                                                                   : component_of_nevra(comp_id);
    auto ends = [&](std::string_view s) { return c.name.size() > s.size() && c.name.ends_with(s); };
    if (!c.rpm || c.name.empty() || ends("-debuginfo") || ends("-debugsource")) return std::nullopt;
    return std::make_pair(eco, c);
  }
};

int state_rank(std::string_view s) { return s == fix_state::kFixed ? 3 : s == fix_state::kNotAffected ? 1 : 2; }

// Merges one product's verdict into `adv`, one AffectedPackage per (ecosystem, package).
void merge(Advisory& adv, const std::string& eco, const Component& c, const std::string& state, const std::string& sev) {
  auto it = std::find_if(adv.affected.begin(), adv.affected.end(),
                         [&](const AffectedPackage& p) { return p.ecosystem == eco && p.package == c.name; });
  if (it == adv.affected.end()) {
    AffectedPackage p;
    p.ecosystem = eco;
    p.package = c.name;
    p.fix_state = state;
    adv.affected.push_back(std::move(p));
    it = adv.affected.end() - 1;
  } else if (state_rank(state) > state_rank(it->fix_state)) {
    it->fix_state = state;
  } else if (state_rank(state) < state_rank(it->fix_state)) {
    return;
  }
  if (severity_rank(sev) > severity_rank(it->severity)) it->severity = sev;
  if (state != fix_state::kFixed) return;
  if (std::find(it->fixed_versions.begin(), it->fixed_versions.end(), c.evr) == it->fixed_versions.end())
    it->fixed_versions.push_back(c.evr);
  if (it->ranges.empty()) it->ranges.push_back(Range{"0", c.evr, "", ""});
  else if (rpm_scheme().compare(c.evr, it->ranges[0].fixed).value_or(0) > 0) it->ranges[0].fixed = c.evr;
}

// Folds one vulnerability into `adv`: packages, RHSA aliases, severities, CVSS, references.
void read_vulnerability(const json& v, const Products& products, Advisory& adv, ImportStats& stats) {
  std::map<std::string, std::string> status;  // product id -> "fixed" | "affected" | not-affected
  std::map<std::string, std::pair<std::string, std::string>> remedy;  // product id -> (category, details)
  std::map<std::string, std::string> severity;  // product id -> normalised impact
  std::string any_severity;
  if (const json* ps = ji::get_object(v, "product_status")) {
    static constexpr std::pair<const char*, const char*> kLists[] = {
        {"fixed", "fixed"}, {"first_fixed", "fixed"}, {"known_affected", "affected"},
        {"under_investigation", "affected"}, {"known_not_affected", fix_state::kNotAffected}};
    for (const auto& [key, verdict] : kLists)
      if (const json* ids = ji::get_array(*ps, key))
        for (const json& id : *ids)
          if (id.is_string()) status.emplace(id.get<std::string>(), verdict);
  }
  if (const json* rems = ji::get_array(v, "remediations"))
    for (const json& r : *rems) {
      const std::string* cat = ji::get_string(r, "category");
      const std::string* details = ji::get_string(r, "details");
      const std::string* url = ji::get_string(r, "url");
      if (!cat) continue;
      if (*cat == "vendor_fix" && url) {
        auto e = url->find("/errata/");
        if (e != std::string::npos && url->compare(e + 8, 2, "RH") == 0 && url->substr(e + 8) != adv.id)
          ji::add_unique(adv.aliases, url->substr(e + 8));
      }
      if (const json* ids = ji::get_array(r, "product_ids"))
        for (const json& id : *ids)
          if (id.is_string() && *cat != "workaround" && *cat != "mitigation")
            remedy[id.get<std::string>()] = {*cat, details ? *details : ""};
    }
  for (const auto& [pid, rem] : remedy)  // Trivy's VEX form lists some products only under remediations
    if (!status.count(pid)) status[pid] = rem.first == "vendor_fix" ? "fixed" : "affected";
  if (const json* threats = ji::get_array(v, "threats"))
    for (const json& t : *threats) {
      const std::string* cat = ji::get_string(t, "category");
      const std::string* details = ji::get_string(t, "details");
      if (!cat || *cat != "impact" || !details) continue;
      std::string sev = severity_of_impact(*details);
      if (severity_rank(sev) > severity_rank(any_severity)) any_severity = sev;
      if (const json* ids = ji::get_array(t, "product_ids"))
        for (const json& id : *ids)
          if (id.is_string()) severity[id.get<std::string>()] = sev;
    }
  if (severity_rank(any_severity) > severity_rank(adv.severity)) adv.severity = any_severity;

  for (const auto& [pid, verdict] : status) {
    auto resolved = products.resolve(pid);
    if (!resolved) continue;
    const auto& [eco, comp] = *resolved;
    std::string state = verdict;
    if (verdict == "affected") {
      auto r = remedy.find(pid);
      std::string cat = r != remedy.end() ? r->second.first : "", details = r != remedy.end() ? r->second.second : "";
      if (cat == "no_fix_planned") state = details == "Out of support scope" ? fix_state::kEndOfLife : fix_state::kWillNotFix;
      else if (cat == "none_available" && (details == "Deferred" || details == "Fix deferred")) state = fix_state::kPostponed;
      else state = fix_state::kUnfixed;
    }
    if (state == fix_state::kFixed && (comp.evr.empty() || !rpm_scheme().valid(comp.evr))) {
      ++stats.skipped;
      ji::warn(stats, "redhat csaf " + adv.id + " " + pid.substr(0, 120) + ": fixed without a usable version");
      continue;
    }
    auto s = severity.find(pid);
    merge(adv, eco, comp, state, s != severity.end() ? s->second : any_severity);
  }

  if (const json* scores = ji::get_array(v, "scores"))
    for (const json& s : *scores)
      for (const char* key : {"cvss_v3", "cvss_v2"}) {
        const json* c = ji::get_object(s, key);
        const std::string* vec = c ? ji::get_string(*c, "vectorString") : nullptr;
        if (!vec) continue;
        Cvss cv;
        cv.vector = *vec;
        const std::string* ver = ji::get_string(*c, "version");
        cv.version = ver ? *ver : (std::string_view(key) == "cvss_v2" ? "2.0" : "3.0");
        if (auto b = c->find("baseScore"); b != c->end() && b->is_number()) cv.score = b->get<double>();
        cv.source = "redhat";
        bool seen = std::any_of(adv.cvss.begin(), adv.cvss.end(), [&](const Cvss& o) { return o.vector == cv.vector; });
        if (!seen) adv.cvss.push_back(std::move(cv));
      }
  if (const json* refs = ji::get_array(v, "references"))
    for (const json& r : *refs)
      if (const std::string* url = ji::get_string(r, "url")) ji::add_unique(adv.references, *url);
}

std::string note_text(const json& holder, std::string_view category) {
  if (const json* notes = ji::get_array(holder, "notes"))
    for (const json& n : *notes) {
      const std::string* cat = ji::get_string(n, "category");
      const std::string* text = ji::get_string(n, "text");
      if (cat && text && *cat == category) return *text;
    }
  return "";
}


// `sink_failed` tells the directory import a write failure (stop) from a bad file (skip it).
core::Result<void> parse_csaf(std::string_view text, const AdvisorySink& sink, ImportStats& stats, bool& sink_failed) {
  try {
    auto parsed = ji::parse(text, "redhat csaf JSON");
    if (!parsed) return parsed.error();
    const json& doc = *parsed;
    const json* document = ji::get_object(doc, "document");
    const std::string* category = document ? ji::get_string(*document, "category") : nullptr;
    if (!category || (*category != "csaf_vex" && *category != "csaf_security_advisory"))
      return core::make_error(core::ErrorCode::InvalidArgument, "redhat csaf JSON: not a CSAF VEX or advisory document");
    const json empty = json::object();
    const json* tracking = ji::get_object(*document, "tracking") ? ji::get_object(*document, "tracking") : &empty;
    const json* tree = ji::get_object(doc, "product_tree");
    const Products products(tree ? *tree : empty);
    const json* vulns = ji::get_array(doc, "vulnerabilities");
    std::string modified = ji::string_or_empty(*tracking, "current_release_date");
    ji::note_date(stats, modified);
    std::string aggregate;
    if (const json* agg = ji::get_object(*document, "aggregate_severity"))
      aggregate = severity_of_impact(ji::string_or_empty(*agg, "text"));

    std::vector<Advisory> out;
    const bool rhsa = *category == "csaf_security_advisory";
    if (rhsa) {
      Advisory a;
      a.id = ji::string_or_empty(*tracking, "id");
      if (a.id.empty()) return core::make_error(core::ErrorCode::InvalidArgument, "redhat csaf JSON: advisory without an id");
      a.title = ji::string_or_empty(*document, "title");
      a.description = note_text(*document, "summary");
      a.published = ji::string_or_empty(*tracking, "initial_release_date");
      if (const json* refs = ji::get_array(*document, "references"))
        for (const json& r : *refs)
          if (const std::string* url = ji::get_string(r, "url")) ji::add_unique(a.references, *url);
      out.push_back(std::move(a));
    }
    for (const json& v : vulns ? *vulns : empty) {
      const std::string* cve = ji::get_string(v, "cve");
      if (!cve || cve->empty()) {
        ++stats.skipped;
        ji::warn(stats, "redhat csaf " + ji::string_or_empty(*tracking, "id") + ": vulnerability without a cve");
        continue;
      }
      if (rhsa) {
        ji::add_unique(out[0].aliases, *cve);
        read_vulnerability(v, products, out[0], stats);
        continue;
      }
      Advisory a;
      a.id = *cve;
      a.title = ji::string_or_empty(v, "title");
      if (a.title.empty()) a.title = ji::string_or_empty(*document, "title");
      a.description = note_text(v, "description");
      a.published = ji::string_or_empty(v, "release_date");
      read_vulnerability(v, products, a, stats);
      out.push_back(std::move(a));
    }
    for (Advisory& a : out) {
      a.source = "redhat-csaf";
      a.modified = modified;
      if (!aggregate.empty() && (rhsa || out.size() == 1)) a.severity = aggregate;
    }
    return ji::emit(out, sink, stats, sink_failed);
  } catch (...) {  // bad_alloc: the accessors themselves do not throw
    return core::make_error(core::ErrorCode::Internal, "redhat csaf JSON: out of memory");
  }
}

}  // namespace

core::Result<void> parse_redhat_csaf(std::string_view json, const AdvisorySink& sink, ImportStats& stats) {
  bool sink_failed = false;
  return parse_csaf(json, sink, stats, sink_failed);
}

core::Result<ImportStats> import_redhat_csaf(const std::string& path, const AdvisorySink& sink) {
  return ji::import_files(path, [&](std::string_view text, ImportStats& stats, bool& sink_failed) {
    return parse_csaf(text, sink, stats, sink_failed);
  });
}

}  // namespace portcullis::vuln
