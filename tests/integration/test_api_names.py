"""OCI Distribution Spec 1.1: repository names and tag references.

The grammar (spec, "Pulling manifests"):
    <name>      [a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*
    <reference> a digest, or a tag [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
and (spec 1.0) the name, slashes included, is shorter than 256 characters.

Decision on status codes, taken from the spec:
  * A name that fits the URL template but breaks the grammar (uppercase, bad
    separators, over 255 characters) is answered 400 NAME_INVALID. The spec's
    error table has NAME_INVALID ("invalid repository name") for exactly this,
    and the historical detail document it is based on gives it status 400. A 404
    would tell the client "unknown, push it", and the push could never succeed.
    This holds for every endpoint, reads included.
  * A "name" that breaks the URL's path structure (an empty component `a//b`, a
    trailing slash, a `..` segment) may be refused before routing, since the
    HTTP layer cannot even tell where the name ends: 400 NAME_INVALID is
    preferred, 404 is accepted. What is never acceptable is success or a
    redirect (a server that normalized `a/../b` to `b` would write to a
    repository the client did not name).
  * A bad tag in PUT /manifests/<reference>: the spec's table has no code for it;
    the closest are NAME_INVALID (the reference is part of the resource name) and
    the legacy TAG_INVALID that the spec mentions as OPTIONAL. Either, with 400.
    For GET/HEAD/DELETE, a 404 MANIFEST_UNKNOWN is also accepted: no such tag can
    exist.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_helpers import *  # noqa: E402,F401,F403

GRAMMAR_INVALID = [
    pytest.param(lambda p: f"{p}/UpperCase", id="uppercase"),
    pytest.param(lambda p: f"{p.upper()}/repo", id="uppercase-project"),
    pytest.param(lambda p: f"{p}/a..b", id="double-dot-in-component"),
    pytest.param(lambda p: f"{p}/-lead", id="leading-dash"),
    pytest.param(lambda p: f"{p}/trail-", id="trailing-dash"),
    pytest.param(lambda p: f"{p}/.lead", id="leading-dot"),
    pytest.param(lambda p: f"{p}/a___b", id="triple-underscore"),
    pytest.param(lambda p: f"{p}/a.-b", id="mixed-separators"),
    pytest.param(lambda p: f"{p}/sp%20ace", id="escaped-space"),
    pytest.param(lambda p: f"{p}/caf%C3%A9", id="non-ascii"),
    pytest.param(lambda p: f"{p}/{'a' * (255 - len(p))}", id="256-chars"),
    pytest.param(lambda p: f"{p}/{'b' * 300}", id="over-256-chars"),
]

STRUCTURE_INVALID = [
    pytest.param(lambda p: f"{p}//repo", id="empty-component"),
    pytest.param(lambda p: f"{p}/repo/", id="trailing-slash"),
    pytest.param(lambda p: f"{p}/../{p}x", id="dot-dot-segment"),
    pytest.param(lambda p: f"{p}/./repo", id="dot-segment"),
]


def _prefix():
    return f"conf{token()}"


@distribution_deviation('router 404 "404 page not found" (text); 500 UNKNOWN for names over 255')
@pytest.mark.parametrize("make", GRAMMAR_INVALID)
def test_invalid_name_upload_is_400_name_invalid(api, make):
    name = make(_prefix())
    r = api.post(f"/v2/{name}/blobs/uploads/", headers={"Content-Length": "0"})
    assert_error(r, 400, "NAME_INVALID")


@distribution_deviation('router 404 "404 page not found" (text); 500 UNKNOWN for names over 255')
@pytest.mark.parametrize("make", GRAMMAR_INVALID)
def test_invalid_name_manifest_put_is_400_name_invalid(api, make):
    name = make(_prefix())
    image = make_image()
    r = api.put_manifest(name, "latest", image.manifest, image.media_type)
    assert_error(r, 400, "NAME_INVALID")


@distribution_deviation('router 404 "404 page not found" (text); 500 UNKNOWN for names over 255')
@pytest.mark.parametrize("make", GRAMMAR_INVALID)
def test_invalid_name_reads_are_400_name_invalid(api, make):
    name = make(_prefix())
    assert_error(api.get_manifest(name, "latest"), 400, "NAME_INVALID")
    assert_error(api.get(f"/v2/{name}/blobs/{sha256(b'x')}"), 400, "NAME_INVALID")
    assert_error(api.get(f"/v2/{name}/tags/list"), 400, "NAME_INVALID")


@distribution_deviation('301 redirect to the cleaned path')
@pytest.mark.parametrize("make", STRUCTURE_INVALID)
def test_malformed_path_name_is_refused(api, make):
    name = make(_prefix())
    image = make_image()
    for r in (api.post(f"/v2/{name}/blobs/uploads/", headers={"Content-Length": "0"}),
              api.put_manifest(name, "latest", image.manifest, image.media_type),
              api.get_manifest(name, "latest"),
              api.get(f"/v2/{name}/tags/list")):
        assert r.status in (400, 404), f"expected 400 NAME_INVALID (or 404):\n{r}"
        if r.status == 400:
            assert_error(r, 400, "NAME_INVALID")


@distribution_deviation('301 redirect to the cleaned path')
def test_dot_dot_does_not_reach_other_repository(api):
    # /v2/<p>/x/../y/... must not act on <p>/y.
    p = _prefix()
    target = f"{p}/y"
    api.push_image(target, make_image(), ref="t")
    image = make_image()
    for blob in image.blobs:
        api.upload_blob(target, blob)
    r = api.put_manifest(f"{p}/x/../y", "evil", image.manifest, image.media_type)
    assert r.status in (400, 404), str(r)
    assert_status(api.head_manifest(target, "evil"), 404)


def test_name_of_255_chars_works(api):
    p = _prefix()
    name = f"{p}/{'a' * (255 - len(p) - 1)}"
    assert len(name) == 255
    image = make_image()
    api.push_image(name, image, ref="t")
    g = api.get_manifest(name, "t")
    assert_status(g, 200)
    assert g.body == image.manifest
    assert api.tags(name).json() == {"name": name, "tags": ["t"]}


def test_nested_name_many_components(api):
    p = _prefix()
    name = "/".join([p] + [f"c{i}" for i in range(1, 12)])
    image = make_image()
    r = api.push_image(name, image, ref="deep")
    g = api.get_manifest(name, "deep")
    assert_status(g, 200)
    assert g.body == image.manifest
    assert api.tags(name).json() == {"name": name, "tags": ["deep"]}
    for blob in image.blobs:
        b = api.get(f"/v2/{name}/blobs/{sha256(blob)}")
        assert_status(b, 200)
        assert b.body == blob
    # a parent path is a different (unknown) repository
    parent = "/".join(name.split("/")[:-1])
    assert_status(api.head_manifest(parent, "deep"), 404)


def test_name_with_every_separator(api):
    p = _prefix()
    name = f"{p}/a.b_c__d-e--f/x0.9/y-z"
    image = make_image()
    api.push_image(name, image, ref="t")
    g = api.get_manifest(name, "t")
    assert_status(g, 200)
    assert g.body == image.manifest


def test_name_component_that_looks_like_an_endpoint(api):
    # Components named like route keywords must not confuse the router.
    p = _prefix()
    name = f"{p}/blobs/manifests/tags/uploads"
    image = make_image()
    api.push_image(name, image, ref="t")
    g = api.get_manifest(name, "t")
    assert_status(g, 200)
    assert g.body == image.manifest
    assert api.tags(name).json() == {"name": name, "tags": ["t"]}


BAD_TAGS = [
    pytest.param("-lead", id="leading-dash"),
    pytest.param(".lead", id="leading-dot"),
    pytest.param("a" * 129, id="129-chars"),
    pytest.param("tag+plus", id="plus"),
    pytest.param("tag%20space", id="space"),
    pytest.param("t%C3%A4g", id="non-ascii"),
]


@distribution_deviation('router 404 "404 page not found" (text)')
@pytest.mark.parametrize("tag", BAD_TAGS)
def test_bad_tag_put_is_400(api, api_repo, tag):
    image = make_image()
    api.push_image(api_repo, image, ref="ok")
    r = api.put_manifest(api_repo, tag, image.manifest, image.media_type)
    assert_error(r, 400, "NAME_INVALID", "TAG_INVALID")


@distribution_deviation('router 404 without an OCI error body')
@pytest.mark.parametrize("tag", BAD_TAGS)
def test_bad_tag_get_is_400_or_404(api, api_repo, tag):
    api.push_image(api_repo, make_image(), ref="ok")
    r = api.get_manifest(api_repo, tag)
    if r.status == 404:
        assert_error(r, 404, "MANIFEST_UNKNOWN")
    else:
        assert_error(r, 400, "NAME_INVALID", "TAG_INVALID")
