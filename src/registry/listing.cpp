// Lists: /v2/<name>/tags/list, /v2/_catalog (both sorted, paginated with
// n/last and a Link header) and /v2/<name>/referrers/<digest>.
#include <charconv>

#include <nlohmann/json.hpp>

#include "oci/manifest.h"
#include "registry/errors.h"
#include "registry/registry.h"

namespace portcullis::registry {

using core::ErrorCode;
using core::make_error;

namespace {

constexpr std::int64_t kDefaultPage = 1000;
constexpr std::int64_t kMaxPage = 10000;

// Reads n (page size); false when it is not a non-negative integer.
bool page_size(const http::Exchange& ex, std::int64_t& n, bool& given) {
  auto v = ex.query("n");
  given = v.has_value();
  n = kDefaultPage;
  if (!v) return true;
  std::int64_t parsed = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), parsed);
  if (ec != std::errc() || p != v->data() + v->size() || parsed < 0) return false;
  n = std::min(parsed, kMaxPage);
  return true;
}

std::string link_next(const std::string& base, const std::string& last, std::int64_t n) {
  return "<" + base + "?last=" + http::percent_encode_query(last) + "&n=" + std::to_string(n) + ">; rel=\"next\"";
}

}  // namespace

// One page of a sorted name list: reads `n` and `last`, asks `fetch(last,
// limit)` for one name more than the page holds, and when there is more sets
// the Link header to the next page of `base`.
template <class Fetch>
static core::Result<std::vector<std::string>> page_of(const http::Exchange& ex, http::Response& res,
                                                      const std::string& base, Fetch fetch) {
  std::int64_t n;
  bool given;
  if (!page_size(ex, n, given)) return make_error(ErrorCode::InvalidArgument, "n must be a non-negative integer");
  std::vector<std::string> names;
  if (n > 0) {
    auto r = fetch(ex.query("last").value_or(""), n + 1);
    if (!r) return r.error();
    names = std::move(*r);
  }
  if (static_cast<std::int64_t>(names.size()) > n) {
    names.resize(static_cast<std::size_t>(n));
    res.header("Link", link_next(base, names.back(), n));
  }
  return names;
}

http::Task<void> Registry::handle_tags(http::Exchange& ex, const auth::Principal* who, const Target& t) {
  if (!t.repository) {
    co_await send_error(ex, make_error(ErrorCode::NameUnknown, "repository name not known to registry: " + t.name));
    co_return;
  }
  http::Response res;
  auto tags = page_of(ex, res, "/v2/" + t.name + "/tags/list", [&](const std::string& last, std::int64_t limit) {
    return meta_.list_tags(t.repository->id, last, limit);
  });
  if (!tags) {
    co_await send_error(ex, tags.error());
    co_return;
  }
  res.body = nlohmann::json{{"name", t.name}, {"tags", *tags}}.dump();
  res.header("Content-Type", "application/json");
  add_common_headers(res);
  co_await ex.send(std::move(res));
}

http::Task<void> Registry::handle_catalog(http::Exchange& ex, const auth::Principal* who) {
  // The anonymous see only public projects' repositories.
  http::Response res;
  auto repos = page_of(ex, res, "/v2/_catalog", [&](const std::string& last, std::int64_t limit) {
    return meta_.list_repositories(last, limit, who == nullptr);
  });
  if (!repos) {
    co_await send_error(ex, repos.error());
    co_return;
  }
  res.body = nlohmann::json{{"repositories", *repos}}.dump();
  res.header("Content-Type", "application/json");
  add_common_headers(res);
  co_await ex.send(std::move(res));
}

http::Task<void> Registry::handle_referrers(http::Exchange& ex, const Route& route, const Target& t) {
  auto subject = parse_digest(route.reference);
  if (!subject) {
    co_await send_error(ex, subject.error());
    co_return;
  }
  std::string artifact_type = ex.query("artifactType").value_or("");
  std::vector<meta::Referrer> refs;
  if (t.repository) {
    auto r = meta_.referrers(t.repository->id, subject->str(), artifact_type);
    if (!r) {
      co_await send_error(ex, r.error());
      co_return;
    }
    refs = std::move(*r);
  }
  nlohmann::json manifests = nlohmann::json::array();
  for (auto& ref : refs) {
    nlohmann::json d = {{"mediaType", ref.media_type}, {"digest", ref.digest}, {"size", ref.size}};
    if (!ref.artifact_type.empty()) d["artifactType"] = ref.artifact_type;
    auto ann = nlohmann::json::parse(ref.annotations_json, nullptr, false);
    if (ann.is_object() && !ann.empty()) d["annotations"] = ann;
    manifests.push_back(std::move(d));
  }
  nlohmann::json body = {{"schemaVersion", 2}, {"mediaType", std::string(oci::kOciIndex)}, {"manifests", manifests}};
  http::Response res;
  res.body = body.dump();
  res.header("Content-Type", std::string(oci::kOciIndex));
  if (!artifact_type.empty()) res.header("OCI-Filters-Applied", "artifactType");
  add_common_headers(res);
  co_await ex.send(std::move(res));
}

}  // namespace portcullis::registry
