"""OCI Distribution Spec 1.1: manifests (end-3 GET/HEAD, end-7 PUT, end-9 DELETE)."""
import json
import os
import sys
import urllib.parse

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_helpers import *  # noqa: E402,F401,F403

FOUR_MIB = 4 * 1024 * 1024


def _build(kind):
    if kind == "oci-manifest":
        return make_image(OCI_MANIFEST, layers=2)
    if kind == "oci-index":
        return make_index([make_image(OCI_MANIFEST, arch="amd64"), make_image(OCI_MANIFEST, arch="arm64")])
    if kind == "docker-manifest":
        return make_image(DOCKER_MANIFEST, layers=2)
    if kind == "docker-list":
        return make_docker_list()
    raise ValueError(kind)


KINDS = ["oci-manifest", "oci-index", "docker-manifest", "docker-list"]


def _assert_manifest(api, repo, ref, image):
    """GET and HEAD of `ref` give exactly the pushed bytes and media type."""
    g = api.get_manifest(repo, ref)
    assert_status(g, 200)
    assert g.body == image.manifest, f"manifest bytes differ for {repo}:{ref}\n{g}"
    assert media_type_of(g) == image.media_type, f"Content-Type for {ref}:\n{g}"
    assert_digest_header(g, image.digest)
    assert g.header("Content-Length") == str(image.size), str(g)
    h = api.head_manifest(repo, ref)
    assert_status(h, 200)
    assert h.body == b""
    assert media_type_of(h) == image.media_type, str(h)
    assert_digest_header(h, image.digest)
    assert h.header("Content-Length") == str(image.size), str(h)


def _assert_created(api, r, repo, image):
    assert_status(r, 201)
    # Spec: Docker-Content-Digest "MUST be equal to the client provided digest".
    assert_digest_header(r, image.digest)
    loc = r.header("Location")
    assert loc, f"manifest PUT without Location:\n{r}"
    path = urllib.parse.urlsplit(loc).path
    assert path.startswith(f"/v2/{repo}/manifests/"), f"Location {loc}"
    g = api.get(loc, headers={"Accept": ACCEPT_ALL})
    assert_status(g, 200)
    assert g.body == image.manifest, f"GET Location {loc} gave other bytes"


# ---------------------------------------------------------------- PUT / GET / HEAD

@pytest.mark.parametrize("kind", KINDS)
def test_put_by_tag_then_get_head_by_tag_and_digest(api, api_repo, kind):
    image = _build(kind)
    for child in image.children:
        api.push_image(api_repo, child)
    for blob in image.blobs:
        api.upload_blob(api_repo, blob)
    r = api.put_manifest(api_repo, "v1", image.manifest, image.media_type)
    _assert_created(api, r, api_repo, image)
    _assert_manifest(api, api_repo, "v1", image)
    _assert_manifest(api, api_repo, image.digest, image)


@pytest.mark.parametrize("kind", KINDS)
def test_put_by_digest(api, api_repo, kind):
    image = _build(kind)
    for child in image.children:
        api.push_image(api_repo, child)
    for blob in image.blobs:
        api.upload_blob(api_repo, blob)
    r = api.put_manifest(api_repo, image.digest, image.manifest, image.media_type)
    _assert_created(api, r, api_repo, image)
    _assert_manifest(api, api_repo, image.digest, image)


def test_index_children_pushed_by_digest_are_untagged(api, api_repo):
    index = _build("oci-index")
    api.push_image(api_repo, index, ref="multi")
    for child in index.children:
        _assert_manifest(api, api_repo, child.digest, child)
    tags = api.tags(api_repo).json()["tags"]
    assert tags == ["multi"], tags


def test_nested_index(api, api_repo):
    inner1 = _build("oci-index")
    inner2 = _build("oci-index")
    outer = make_index([inner1, inner2])
    api.push_image(api_repo, outer, ref="nested")
    _assert_manifest(api, api_repo, "nested", outer)


def test_put_same_manifest_twice_is_idempotent(api, api_repo):
    image = make_image()
    api.push_image(api_repo, image, ref="t")
    r = api.put_manifest(api_repo, "t", image.manifest, image.media_type)
    _assert_created(api, r, api_repo, image)
    _assert_manifest(api, api_repo, "t", image)


def test_tag_moves_to_new_manifest(api, api_repo):
    a, b = make_image(), make_image()
    api.push_image(api_repo, a, ref="latest")
    api.push_image(api_repo, b, ref="latest")
    _assert_manifest(api, api_repo, "latest", b)
    # the old manifest stays reachable by digest
    _assert_manifest(api, api_repo, a.digest, a)


def test_one_manifest_many_tags(api, api_repo):
    image = make_image()
    api.push_image(api_repo, image)
    for tag in ("a", "b", "c"):
        r = api.put_manifest(api_repo, tag, image.manifest, image.media_type)
        _assert_created(api, r, api_repo, image)
        _assert_manifest(api, api_repo, tag, image)


def test_bytes_preserved_exactly(api, api_repo):
    # "The registry MUST store the manifest in the exact byte representation
    # provided by the client": odd indentation, tabs, CRLF, non-ASCII UTF-8, an
    # escaped \u sequence, unusual key order and a trailing newline must survive.
    def pretty(doc):
        text = json.dumps(doc, indent="\t", ensure_ascii=False)
        text = text.replace("\n", "\r\n", 3) + "\n\n"
        text = text.replace('"schemaVersion": 2', '"schemaVersion"  :   2')
        return text.encode("utf-8")
    image = make_image(annotations={
        "org.example.title": "Ünïcødé ✓ 日本語 — “quotes”",
        "org.example.escaped": "caf\u00e9",
        "org.example.ws": "a\tb  c",
    }, serialize=pretty)
    # keep a literal escape sequence in the bytes too
    raw = image.manifest.replace('"café"'.encode(), b'"caf\\u00e9"')
    assert raw != image.manifest
    image.manifest = raw
    assert json.loads(raw)["annotations"]["org.example.escaped"] == "café"
    api.push_image(api_repo, image, ref="pretty")
    _assert_manifest(api, api_repo, "pretty", image)
    _assert_manifest(api, api_repo, image.digest, image)


def test_manifest_without_optional_media_type_field(api, api_repo):
    # mediaType is only RECOMMENDED in the body; the Content-Type says what it is.
    image = make_image()
    doc = dict(image.doc)
    del doc["mediaType"]
    image.manifest = canonical_json(doc)
    api.push_image(api_repo, image, ref="nomt")
    _assert_manifest(api, api_repo, "nomt", image)


def test_longest_tag(api, api_repo):
    tag = "T" + "a" * 127  # 128 characters: the longest tag the grammar allows
    image = make_image()
    api.push_image(api_repo, image, ref=tag)
    _assert_manifest(api, api_repo, tag, image)


def test_tag_charset(api, api_repo):
    tag = "_Ab9.x-y_Z"
    image = make_image()
    api.push_image(api_repo, image, ref=tag)
    _assert_manifest(api, api_repo, tag, image)


def test_four_mib_manifest_accepted(api, api_repo):
    # "Client and registry implementations SHOULD expect to be able to support
    # manifest pushes of at least 4 megabytes": exactly 4 MiB is accepted.
    image = _padded_image(api, api_repo, FOUR_MIB)
    r = api.put_manifest(api_repo, "big", image.manifest, image.media_type)
    _assert_created(api, r, api_repo, image)
    g = api.get_manifest(api_repo, "big")
    assert g.body == image.manifest


@distribution_deviation('400 MANIFEST_INVALID "http: request body too large" instead of 413')
def test_manifest_over_4_mib_is_413(api, api_repo):
    image = _padded_image(api, api_repo, FOUR_MIB + 1)
    r = api.put_manifest(api_repo, "toobig", image.manifest, image.media_type)
    assert_status(r, 413)
    assert_status(api.head_manifest(api_repo, "toobig"), 404)
    assert_status(api.head_manifest(api_repo, image.digest), 404)


def _padded_image(api, repo, size):
    base = make_image()
    for blob in base.blobs:
        api.upload_blob(repo, blob)
    doc = dict(base.doc)
    doc["annotations"] = {"pad": ""}
    empty = len(canonical_json(doc))
    doc["annotations"] = {"pad": "x" * (size - empty)}
    body = canonical_json(doc)
    assert len(body) == size
    return Image(body, OCI_MANIFEST, doc=doc)


# ---------------------------------------------------------------- invalid manifests

def test_schema1_manifest_refused(api, api_repo):
    layer = random_bytes(100)
    digest = api.upload_blob(api_repo, layer)
    doc = {
        "schemaVersion": 1, "name": api_repo, "tag": "old", "architecture": "amd64",
        "fsLayers": [{"blobSum": digest}],
        "history": [{"v1Compatibility": json.dumps({"id": token(32), "created": "2020-01-01T00:00:00Z"})}],
    }
    for media_type in (DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED):
        r = api.put_manifest(api_repo, "old", canonical_json(doc), media_type)
        assert_error(r, 400, "MANIFEST_INVALID")
    assert_status(api.head_manifest(api_repo, "old"), 404)


@distribution_deviation('500 UNKNOWN')
def test_schema1_body_with_oci_content_type_refused(api, api_repo):
    doc = {"schemaVersion": 1, "name": api_repo, "tag": "x", "fsLayers": [], "history": []}
    r = api.put_manifest(api_repo, "x", canonical_json(doc), OCI_MANIFEST)
    assert_error(r, 400, "MANIFEST_INVALID")


@pytest.mark.parametrize("body", [
    pytest.param(b"{not json", id="truncated"),
    pytest.param(b"", id="empty"),
    pytest.param(b"[]", id="array"),
    pytest.param(b'"string"', id="string"),
    pytest.param(b"\xff\xfe{}", id="not-utf8"),
])
def test_invalid_json_is_manifest_invalid(api, api_repo, body):
    api.upload_blob(api_repo, random_bytes(10))
    r = api.put_manifest(api_repo, "bad", body, OCI_MANIFEST)
    assert_error(r, 400, "MANIFEST_INVALID")
    assert_status(api.head_manifest(api_repo, "bad"), 404)


@distribution_deviation('500 UNKNOWN')
def test_wrong_schema_version_is_manifest_invalid(api, api_repo):
    image = make_image()
    for blob in image.blobs:
        api.upload_blob(api_repo, blob)
    doc = dict(image.doc, schemaVersion=3)
    r = api.put_manifest(api_repo, "v3", canonical_json(doc), OCI_MANIFEST)
    assert_error(r, 400, "MANIFEST_INVALID")


@distribution_deviation('400 DIGEST_INVALID + MANIFEST_BLOB_UNKNOWN')
def test_manifest_without_config_is_manifest_invalid(api, api_repo):
    image = make_image()
    for blob in image.blobs:
        api.upload_blob(api_repo, blob)
    doc = dict(image.doc)
    del doc["config"]
    r = api.put_manifest(api_repo, "noconfig", canonical_json(doc), OCI_MANIFEST)
    assert_error(r, 400, "MANIFEST_INVALID")


def test_media_type_field_contradicting_content_type_is_invalid(api, api_repo):
    # The spec makes clients set Content-Type to the body's mediaType, and tells
    # clients to reject a manifest whose mediaType differs from the Content-Type
    # it is served with. Storing such a pair would serve an unusable manifest.
    image = make_image(DOCKER_MANIFEST)
    for blob in image.blobs:
        api.upload_blob(api_repo, blob)
    r = api.put_manifest(api_repo, "mixed", image.manifest, OCI_MANIFEST)
    assert_error(r, 400, "MANIFEST_INVALID")


def test_missing_config_blob_is_manifest_blob_unknown(api, api_repo):
    image = make_image()
    for blob in image.blobs[1:]:  # every layer, not the config
        api.upload_blob(api_repo, blob)
    r = api.put_manifest(api_repo, "t", image.manifest, image.media_type)
    assert_error(r, 400, "MANIFEST_BLOB_UNKNOWN")
    assert_status(api.head_manifest(api_repo, "t"), 404)


def test_missing_layer_is_manifest_blob_unknown(api, api_repo):
    image = make_image(layers=3)
    for blob in image.blobs[:-1]:  # all but the last layer
        api.upload_blob(api_repo, blob)
    r = api.put_manifest(api_repo, "t", image.manifest, image.media_type)
    assert_error(r, 400, "MANIFEST_BLOB_UNKNOWN")
    assert_status(api.head_manifest(api_repo, image.digest), 404)


def test_docker_manifest_missing_layer_is_manifest_blob_unknown(api, api_repo):
    image = make_image(DOCKER_MANIFEST, layers=2)
    api.upload_blob(api_repo, image.blobs[0])
    r = api.put_manifest(api_repo, "t", image.manifest, image.media_type)
    assert_error(r, 400, "MANIFEST_BLOB_UNKNOWN")


@pytest.mark.parametrize("media_type", [OCI_INDEX, DOCKER_LIST])
def test_index_child_missing_is_manifest_blob_unknown(api, api_repo, media_type):
    child_type = OCI_MANIFEST if media_type == OCI_INDEX else DOCKER_MANIFEST
    present, missing = make_image(child_type), make_image(child_type)
    api.push_image(api_repo, present)
    for blob in missing.blobs:  # its blobs are there, the child manifest is not
        api.upload_blob(api_repo, blob)
    index = make_index([present, missing], media_type=media_type)
    r = api.put_manifest(api_repo, "idx", index.manifest, media_type)
    assert_error(r, 400, "MANIFEST_BLOB_UNKNOWN")
    assert_status(api.head_manifest(api_repo, "idx"), 404)


def test_digest_in_url_not_matching_body_is_digest_invalid(api, api_repo):
    image, other = make_image(), make_image()
    for blob in image.blobs:
        api.upload_blob(api_repo, blob)
    r = api.put_manifest(api_repo, other.digest, image.manifest, image.media_type)
    assert_error(r, 400, "DIGEST_INVALID")
    assert_status(api.head_manifest(api_repo, other.digest), 404)
    assert_status(api.head_manifest(api_repo, image.digest), 404)


def test_whitespace_changes_digest(api, api_repo):
    # The conformance suite's "bad digest image": two trailing spaces make the
    # body's digest differ from the one in the URL.
    image = make_image()
    for blob in image.blobs:
        api.upload_blob(api_repo, blob)
    r = api.put_manifest(api_repo, image.digest, image.manifest + b"  ", image.media_type)
    assert_error(r, 400, "DIGEST_INVALID")


@distribution_deviation('digests manifests with sha256 only: 400 DIGEST_INVALID')
def test_put_by_sha512_digest(api, api_repo):
    # A manifest addressed by a sha512 digest is stored under that digest.
    image = make_image()
    for blob in image.blobs:
        api.upload_blob(api_repo, blob)
    d512 = sha512(image.manifest)
    r = api.put_manifest(api_repo, d512, image.manifest, image.media_type)
    assert_status(r, 201)
    g = api.get_manifest(api_repo, d512)
    assert_status(g, 200)
    assert g.body == image.manifest
    assert_digest_header_matches(g, image.manifest)


# ---------------------------------------------------------------- unknown manifests

def test_unknown_tag_is_404_manifest_unknown(api, api_repo):
    api.push_image(api_repo, make_image(), ref="exists")
    assert_error(api.get_manifest(api_repo, "missing"), 404, "MANIFEST_UNKNOWN")
    h = api.head_manifest(api_repo, "missing")
    assert_status(h, 404)
    assert h.body == b""


def test_unknown_digest_is_404_manifest_unknown(api, api_repo):
    api.push_image(api_repo, make_image(), ref="exists")
    d = sha256(random_bytes(40))
    assert_error(api.get_manifest(api_repo, d), 404, "MANIFEST_UNKNOWN")
    assert_status(api.head_manifest(api_repo, d), 404)


def test_manifest_in_unknown_repository_is_404(api):
    r = api.get_manifest(unique_repo(), "latest")
    assert_error(r, 404, "NAME_UNKNOWN", "MANIFEST_UNKNOWN")


def test_manifest_is_scoped_to_its_repository(api, api_repo):
    image = make_image()
    api.push_image(api_repo, image, ref="mine")
    other = unique_repo()
    api.push_image(other, make_image(), ref="theirs")
    assert_error(api.get_manifest(other, image.digest), 404, "MANIFEST_UNKNOWN")
    assert_error(api.get_manifest(other, "mine"), 404, "MANIFEST_UNKNOWN")


def test_blob_endpoint_does_not_serve_manifest_of_other_repo(api, api_repo):
    image = make_image()
    api.push_image(api_repo, image, ref="t")
    other = unique_repo()
    api.upload_blob(other, random_bytes(10))
    assert_status(api.head(f"/v2/{other}/blobs/{image.digest}"), 404)


@distribution_deviation('500 UNKNOWN (treats the bad digest as a tag path)')
def test_invalid_digest_reference_is_400(api, api_repo):
    api.push_image(api_repo, make_image(), ref="t")
    r = api.get_manifest(api_repo, "sha256:" + "a" * 63)
    assert_error(r, 400, "DIGEST_INVALID", "MANIFEST_INVALID", "NAME_INVALID")


# ---------------------------------------------------------------- DELETE

def test_delete_by_digest_removes_manifest_and_its_tags(api, api_repo):
    image, keep = make_image(), make_image()
    api.push_image(api_repo, image, ref="t1")
    assert_status(api.put_manifest(api_repo, "t2", image.manifest, image.media_type), 201)
    api.push_image(api_repo, keep, ref="keep")
    r = api.delete(f"/v2/{api_repo}/manifests/{image.digest}")
    assert_status(r, 202)
    assert_error(api.get_manifest(api_repo, image.digest), 404, "MANIFEST_UNKNOWN")
    assert_status(api.head_manifest(api_repo, image.digest), 404)
    for tag in ("t1", "t2"):
        assert_error(api.get_manifest(api_repo, tag), 404, "MANIFEST_UNKNOWN")
    _assert_manifest(api, api_repo, "keep", keep)
    t = api.tags(api_repo)
    assert_status(t, 200)
    assert t.json().get("tags") == ["keep"], str(t)


def test_delete_by_digest_keeps_blobs(api, api_repo):
    image = make_image()
    api.push_image(api_repo, image, ref="t")
    assert_status(api.delete(f"/v2/{api_repo}/manifests/{image.digest}"), 202)
    # Blobs are garbage-collected later, if ever; the manifest can be pushed again.
    r = api.put_manifest(api_repo, "t", image.manifest, image.media_type)
    assert_status(r, 201)
    _assert_manifest(api, api_repo, "t", image)


@distribution_deviation('no tag deletion (400 DIGEST_INVALID)')
def test_delete_by_tag_removes_only_the_tag(api, api_repo):
    image = make_image()
    api.push_image(api_repo, image, ref="t1")
    assert_status(api.put_manifest(api_repo, "t2", image.manifest, image.media_type), 201)
    r = api.delete(f"/v2/{api_repo}/manifests/t1")
    assert_status(r, 202)
    assert_error(api.get_manifest(api_repo, "t1"), 404, "MANIFEST_UNKNOWN")
    _assert_manifest(api, api_repo, "t2", image)
    _assert_manifest(api, api_repo, image.digest, image)
    assert api.tags(api_repo).json().get("tags") == ["t2"]


def test_delete_unknown_digest_is_404(api, api_repo):
    api.push_image(api_repo, make_image(), ref="t")
    r = api.delete(f"/v2/{api_repo}/manifests/{sha256(random_bytes(30))}")
    assert_error(r, 404, "MANIFEST_UNKNOWN")


@distribution_deviation('no tag deletion (400 DIGEST_INVALID)')
def test_delete_unknown_tag_is_404(api, api_repo):
    api.push_image(api_repo, make_image(), ref="t")
    r = api.delete(f"/v2/{api_repo}/manifests/nosuchtag")
    assert_error(r, 404, "MANIFEST_UNKNOWN")


def test_delete_manifest_in_unknown_repository_is_404(api):
    r = api.delete(f"/v2/{unique_repo()}/manifests/{sha256(random_bytes(30))}")
    assert_error(r, 404, "NAME_UNKNOWN", "MANIFEST_UNKNOWN")


def test_delete_index_child_by_digest(api, api_repo):
    index = _build("oci-index")
    api.push_image(api_repo, index, ref="multi")
    # Deleting the index leaves the children (they are manifests of their own).
    assert_status(api.delete(f"/v2/{api_repo}/manifests/{index.digest}"), 202)
    for child in index.children:
        _assert_manifest(api, api_repo, child.digest, child)


def test_content_type_parameters_ignored(api, api_repo):
    # "The registry SHOULD ignore parameters on the Content-Type header", and on
    # GET "Registries should not include parameters".
    image = make_image()
    for blob in image.blobs:
        api.upload_blob(api_repo, blob)
    r = api.put_manifest(api_repo, "param", image.manifest, f"{OCI_MANIFEST}; charset=utf-8")
    _assert_created(api, r, api_repo, image)
    g = api.get_manifest(api_repo, "param")
    assert g.header("Content-Type") == OCI_MANIFEST, str(g)
