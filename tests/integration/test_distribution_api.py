"""OCI Distribution Spec 1.1 conformance, raw HTTP: whole client flows.

The per-resource tests live beside this file:
  test_api_base.py       GET /v2/, challenge
  test_api_blobs.py      blob HEAD/GET/Range/DELETE, invalid digests
  test_api_uploads.py    POST/PATCH/PUT/GET/DELETE uploads, mounts
  test_api_manifests.py  manifest PUT/GET/HEAD/DELETE, validation
  test_api_referrers.py  subject, OCI-Subject, referrers API
  test_api_tags.py       tags/list and _catalog pagination
  test_api_names.py      repository name and tag grammar
  test_api_auth.py       Basic auth, public `library`, private projects
Helpers and fixtures: api_helpers.py. Run against any registry with
PORTCULLIS_URL=http://127.0.0.1:PORT [PORTCULLIS_USER=.. PORTCULLIS_PASSWORD=..].

This file replays, request for request, what the real clients send (see
shared/research/images.md, "Endpoints seen in the access log, by client").
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_helpers import *  # noqa: E402,F401,F403


def _pull_and_verify(api, repo, ref, image):
    g = api.get_manifest(repo, ref)
    assert_status(g, 200)
    assert g.body == image.manifest
    assert sha256(g.body) == image.digest
    assert media_type_of(g) == image.media_type
    doc = g.json()
    descs = doc.get("manifests") or [doc["config"]] + doc["layers"]
    if "manifests" in doc:
        for child, desc in zip(image.children, descs):
            assert desc["digest"] == child.digest
            _pull_and_verify(api, repo, child.digest, child)
        return
    blobs = {sha256(b): b for b in image.blobs}
    for desc in descs:
        b = api.get(f"/v2/{repo}/blobs/{desc['digest']}")
        assert_status(b, 200)
        assert len(b.body) == desc["size"]
        assert sha256(b.body) == desc["digest"]
        assert b.body == blobs[desc["digest"]]


def test_containers_image_style_push_pull(api, api_repo):
    """skopeo/podman/buildah: GET /v2/, HEAD blob, POST, one PATCH, empty PUT,
    PUT manifest by tag; pull with GET manifest by tag then blobs."""
    assert_status(api.get("/v2/"), 200)
    image = make_image(layers=3)
    for blob in image.blobs:
        digest = sha256(blob)
        assert_status(api.head(f"/v2/{api_repo}/blobs/{digest}"), 404)
        r = api.start_upload(api_repo)
        assert_status(r, 202)
        r = api.patch(r.header("Location"), body=blob, headers={"Content-Type": "application/octet-stream"})
        assert_status(r, 202)
        r = api.put_upload(r.header("Location"), digest, b"")
        assert_status(r, 201)
        assert_status(api.head(f"/v2/{api_repo}/blobs/{digest}"), 200)
    r = api.put_manifest(api_repo, "latest", image.manifest, image.media_type)
    assert_status(r, 201)
    assert_digest_header(r, image.digest)
    _pull_and_verify(api, api_repo, "latest", image)
    t = api.tags(api_repo)
    assert_status(t, 200)
    assert t.json() == {"name": api_repo, "tags": ["latest"]}


def test_containerd_style_push_with_mount(api, api_repo):
    """containerd: HEAD blob, POST ?mount=&from= (202 when absent), one PUT with
    the whole blob; then the same image into a second repository, mounted;
    children pushed by digest before the index by tag; HEAD manifest to pull."""
    index = make_index([make_image(arch="amd64"), make_image(arch="arm64")])
    source = api_repo
    target = unique_repo()

    def push(repo, frm):
        for child in index.children:
            for blob in child.blobs:
                digest = sha256(blob)
                if api.head(f"/v2/{repo}/blobs/{digest}").status == 200:
                    continue
                r = api.post(f"/v2/{repo}/blobs/uploads/?mount={digest}&from={frm}",
                             headers={"Content-Length": "0"})
                assert_status(r, 201, 202)
                if r.status == 202:
                    r = api.put_upload(r.header("Location"), digest, blob)
                    assert_status(r, 201)
            r = api.put_manifest(repo, child.digest, child.manifest, child.media_type)
            assert_status(r, 201)
        r = api.put_manifest(repo, "v1", index.manifest, index.media_type)
        assert_status(r, 201)
        assert_digest_header(r, index.digest)

    push(source, unique_repo())
    push(target, source)
    for repo in (source, target):
        h = api.head_manifest(repo, "v1")
        assert_status(h, 200)
        assert_digest_header(h, index.digest)
        _pull_and_verify(api, repo, index.digest, index)


def test_docker_v2_push_pull_and_delete(api, api_repo):
    image = make_image(DOCKER_MANIFEST, layers=2)
    api.push_image(api_repo, image, ref="1.0")
    _pull_and_verify(api, api_repo, "1.0", image)
    # skopeo delete: resolve the tag to a digest, DELETE by digest
    h = api.head_manifest(api_repo, "1.0")
    digest = h.header("Docker-Content-Digest")
    assert digest == image.digest
    assert_status(api.delete(f"/v2/{api_repo}/manifests/{digest}"), 202)
    assert_status(api.head_manifest(api_repo, "1.0"), 404)


def test_large_blob_chunked_roundtrip(api, api_repo):
    data = random_bytes(8 * 1024 * 1024 + 17)
    chunk = 3 * 1024 * 1024
    r = api.start_upload(api_repo)
    loc = r.header("Location")
    for start in range(0, len(data), chunk):
        end = min(start + chunk, len(data)) - 1
        r = api.patch(loc, body=data[start:end + 1], headers={
            "Content-Type": "application/octet-stream", "Content-Range": f"{start}-{end}"})
        assert_status(r, 202)
        assert r.header("Range") == f"0-{end}", str(r)
        loc = r.header("Location")
    r = api.put_upload(loc, sha256(data), b"")
    assert_status(r, 201)
    g = api.get(f"/v2/{api_repo}/blobs/{sha256(data)}")
    assert_status(g, 200)
    assert g.body == data
    part = api.get(f"/v2/{api_repo}/blobs/{sha256(data)}", headers={"Range": "bytes=5000000-5000099"})
    assert_status(part, 206)
    assert part.body == data[5000000:5000100]
