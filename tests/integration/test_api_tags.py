"""OCI Distribution Spec 1.1: tag listing (end-8a, end-8b), and /v2/_catalog
(not part of OCI 1.1, kept from Docker Registry V2; same pagination rules)."""
import os
import sys
import urllib.parse

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_helpers import *  # noqa: E402,F401,F403

# Lowercase letters and digits only: for these, "lexical" and "ASCIIbetical"
# order (both allowed by the spec) are the same.
TAGS_UNSORTED = ["zeta", "alpha", "m10", "m1", "m2", "beta", "0day"]
TAGS = sorted(TAGS_UNSORTED)


@pytest.fixture
def tagged_repo(api, api_repo):
    image = make_image()
    api.push_image(api_repo, image)
    for tag in TAGS_UNSORTED:
        assert_status(api.put_manifest(api_repo, tag, image.manifest, image.media_type), 201)
    return api_repo


def _tags_page(api, target):
    r = api.get(target)
    assert_status(r, 200)
    assert media_type_of(r) == "application/json", f"tags/list Content-Type:\n{r}"
    doc = r.json()
    return r, doc


def _check_link(r, repo, last, n):
    link = next_link(r)
    assert link, f"expected Link rel=next:\n{r}"
    # RFC 5988 with rel="next"; the target is /v2/<name>/tags/list?last=...&n=...
    raw = r.header("Link")
    assert 'rel="next"' in raw, f"Link must say rel=\"next\": {raw!r}"
    parts = urllib.parse.urlsplit(link)
    assert parts.path == f"/v2/{repo}/tags/list", f"Link path: {link}"
    q = query_params(link)
    assert q.get("last") == last, f"Link last=: {link}"
    assert q.get("n") == str(n), f"Link n=: {link}"
    return link


@distribution_deviation("tags/list is not sorted")
def test_tags_list_sorted(api, tagged_repo):
    r, doc = _tags_page(api, f"/v2/{tagged_repo}/tags/list")
    assert doc == {"name": tagged_repo, "tags": TAGS}, str(r)
    assert next_link(r) is None, str(r)


@distribution_deviation("tags/list is not sorted")
def test_tags_list_mixed_case_order(api, api_repo):
    image = make_image()
    api.push_image(api_repo, image)
    tags = ["b", "A", "c", "B", "a1", "_x", "Z9", "v1.0", "v1-0", "v1_0"]
    for tag in tags:
        assert_status(api.put_manifest(api_repo, tag, image.manifest, image.media_type), 201)
    r, doc = _tags_page(api, f"/v2/{api_repo}/tags/list")
    got = doc["tags"]
    # "lexical (i.e. case-insensitive alphanumeric order) or ASCIIbetical"
    ascii_order = sorted(tags)
    assert got == ascii_order or got == sorted(tags, key=lambda t: (t.lower(), t)), got


@distribution_deviation("tags/list ignores n/last (no Link)")
def test_tags_pagination_n(api, tagged_repo):
    r, doc = _tags_page(api, f"/v2/{tagged_repo}/tags/list?n=2")
    # "Otherwise, the response MUST include <int> results."
    assert doc["tags"] == TAGS[:2], str(r)
    _check_link(r, tagged_repo, TAGS[1], 2)


@distribution_deviation("tags/list ignores n/last (no Link)")
def test_tags_pagination_follow_links(api, tagged_repo):
    target = f"/v2/{tagged_repo}/tags/list?n=3"
    seen = []
    for _ in range(MAX_PAGES):
        r, doc = _tags_page(api, target)
        page = doc["tags"] or []
        assert len(page) <= 3, str(r)
        seen += page
        link = next_link(r)
        if not link:
            break
        _check_link(r, tagged_repo, page[-1], 3)
        target = resolve_link(target, link)
    else:
        raise AssertionError("tags pagination does not end")
    assert seen == TAGS


@distribution_deviation("tags/list ignores n/last (no Link)")
def test_tags_pagination_last_and_n(api, tagged_repo):
    r, doc = _tags_page(api, f"/v2/{tagged_repo}/tags/list?n=2&last={TAGS[2]}")
    assert doc["tags"] == TAGS[3:5], str(r)
    _check_link(r, tagged_repo, TAGS[4], 2)


@distribution_deviation("tags/list ignores n/last (no Link)")
def test_tags_pagination_last_only(api, tagged_repo):
    # "When using the last query parameter, the n parameter is OPTIONAL."
    r, doc = _tags_page(api, f"/v2/{tagged_repo}/tags/list?last={TAGS[3]}")
    assert doc["tags"] == TAGS[4:], str(r)


@distribution_deviation("tags/list ignores n/last (no Link)")
def test_tags_pagination_last_not_a_tag(api, tagged_repo):
    # `last` is compared lexically: a value that is no tag of the repository
    # still starts the list after it.
    r, doc = _tags_page(api, f"/v2/{tagged_repo}/tags/list?last=b")
    assert doc["tags"] == [t for t in TAGS if t > "b"], str(r)


@distribution_deviation("tags/list ignores n/last (no Link)")
def test_tags_pagination_last_page_exact(api, tagged_repo):
    n = len(TAGS) - 2
    r, doc = _tags_page(api, f"/v2/{tagged_repo}/tags/list?n={n}&last={TAGS[1]}")
    assert doc["tags"] == TAGS[2:], str(r)
    # no tags after this page: a Link would point at an empty page
    assert next_link(r) is None, str(r)


@distribution_deviation("tags/list ignores n/last (no Link)")
def test_tags_n_zero(api, tagged_repo):
    # "When n is zero, this endpoint MUST return an empty list, and MUST NOT
    # include a Link header."
    r, doc = _tags_page(api, f"/v2/{tagged_repo}/tags/list?n=0")
    assert doc.get("tags") == [], f"empty list expected (not null):\n{r}"
    assert next_link(r) is None and r.header("Link") is None, str(r)


@distribution_deviation("tags/list is not sorted")
def test_tags_n_larger_than_count(api, tagged_repo):
    r, doc = _tags_page(api, f"/v2/{tagged_repo}/tags/list?n=1000")
    assert doc["tags"] == TAGS, str(r)
    assert next_link(r) is None, str(r)


@pytest.mark.parametrize("bad", ["-1", "abc"])
def test_tags_invalid_n(api, tagged_repo, bad):
    r = api.get(f"/v2/{tagged_repo}/tags/list?n={bad}")
    # Not defined by the spec: a nonsense n is a bad request, never a crash.
    assert r.status in (200, 400), str(r)
    if r.status == 400:
        assert r.error_codes(), str(r)


def test_tags_unknown_repository_is_404(api):
    r = api.get(f"/v2/{unique_repo()}/tags/list")
    assert_error(r, 404, "NAME_UNKNOWN")


@distribution_deviation("no tag deletion (400 DIGEST_INVALID)")
def test_tags_after_tag_delete(api, tagged_repo):
    assert_status(api.delete(f"/v2/{tagged_repo}/manifests/{TAGS[0]}"), 202)
    r, doc = _tags_page(api, f"/v2/{tagged_repo}/tags/list")
    assert doc["tags"] == TAGS[1:], str(r)


def test_tags_are_per_repository(api, tagged_repo):
    other = unique_repo()
    api.push_image(other, make_image(), ref="only")
    _, doc = _tags_page(api, f"/v2/{other}/tags/list")
    assert doc == {"name": other, "tags": ["only"]}


# ---------------------------------------------------------------- catalog

@pytest.fixture
def catalog_repos(api):
    prefix = f"conf{token()}"
    repos = [f"{prefix}/cat-{x}" for x in ("c", "a", "b")]
    for repo in repos:
        api.push_image(repo, make_image(), ref="t")
    return prefix, sorted(repos)


def _catalog_walk(api, target, limit=MAX_PAGES):
    pages = []
    for _ in range(limit):
        r = api.get(target)
        assert_status(r, 200)
        doc = r.json()
        pages.append((r, doc.get("repositories") or []))
        link = next_link(r)
        if not link:
            return pages
        assert urllib.parse.urlsplit(link).path == "/v2/_catalog", f"Link {link}"
        target = resolve_link(target, link)
    return pages


def test_catalog_lists_repositories_sorted(api, catalog_repos):
    prefix, repos = catalog_repos
    pages = _catalog_walk(api, "/v2/_catalog")
    names = [n for _, page in pages for n in page]
    assert names == sorted(names), "catalog not sorted"
    assert len(names) == len(set(names)), "catalog has duplicates"
    assert [n for n in names if n.startswith(prefix + "/")] == repos


def test_catalog_pagination(api, catalog_repos):
    prefix, repos = catalog_repos
    r = api.get(f"/v2/_catalog?n=2&last={prefix}")
    assert_status(r, 200)
    assert r.json()["repositories"] == repos[:2], str(r)
    link = next_link(r)
    assert link, f"expected Link rel=next:\n{r}"
    assert 'rel="next"' in r.header("Link"), str(r)
    assert urllib.parse.urlsplit(link).path == "/v2/_catalog", link
    q = query_params(link)
    assert q.get("last") == repos[1] and q.get("n") == "2", link
    r = api.get(resolve_link("/v2/_catalog", link))
    assert_status(r, 200)
    assert r.json()["repositories"][0] == repos[2], str(r)


def test_catalog_n_limits_page(api, catalog_repos):
    pages = _catalog_walk(api, "/v2/_catalog?n=1", limit=3)
    for r, page in pages:
        assert len(page) <= 1, str(r)
