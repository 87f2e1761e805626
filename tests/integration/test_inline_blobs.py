"""Small blobs (at most 64 KiB) live in the metadata database, not in files: the commit
that links one makes it durable.  Checked from outside: whatever way a small blob is
uploaded, once acknowledged it survives a SIGKILL, it is served exactly (ranges and HEAD
included) and storage holds no file for it; a blob one byte larger is a file as before.
Mount and gc treat inline blobs like files."""

import os
import time

import pytest

from regclient import make_manifest, random_config, sha256

pytestmark = pytest.mark.portcullis_only

INLINE_MAX = 64 * 1024


def blob_file(srv, digest):
    alg, hexd = digest.split(":")
    return srv.data_dir / "blobs" / alg / hexd[:2] / hexd


def upload_files(srv):
    d = srv.data_dir / "uploads"
    return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


def post_monolithic(reg, repo, data):
    return reg.request("POST", f"/v2/{repo}/blobs/uploads/?digest={sha256(data)}", body=data,
                       headers={"Content-Type": "application/octet-stream"})


def push(reg, repo, data, mode):
    r = post_monolithic(reg, repo, data) if mode == "post" else reg.upload_blob(repo, data, mode=mode, chunk=4096)
    assert r.status == 201, f"{mode} upload of {len(data)} bytes: {r}"
    assert r.header("docker-content-digest") == sha256(data)


def test_small_blobs_are_durable_without_files(server_factory):
    srv = server_factory("inline")
    reg = srv.registry
    repo = "inline/app"
    small = {}
    for mode in ("put", "patch", "chunked", "post"):
        for size in (1, 1000, 10000, INLINE_MAX):
            data = os.urandom(size)
            push(reg, repo, data, mode)
            small[sha256(data)] = data
    empty = b""
    push(reg, repo, empty, "post")
    small[sha256(empty)] = empty
    large = os.urandom(INLINE_MAX + 1)
    push(reg, repo, large, "put")
    config = random_config(repo)
    push(reg, repo, config, "put")
    small[sha256(config)] = config
    layers = [d for d in small.values() if d][:3]
    body = make_manifest(config, layers)
    assert reg.put_manifest(repo, "v1", body).status == 201

    srv.restart(kill=True)  # SIGKILL right after the last acknowledgement
    reg = srv.registry

    for digest, data in small.items():
        r = reg.blob_get(repo, digest)
        assert r.status == 200 and r.body == data, f"{digest} ({len(data)} bytes) after SIGKILL: {r}"
        assert r.header("docker-content-digest") == digest
        assert r.header("content-type") == "application/octet-stream"
        h = reg.blob_head(repo, digest)
        assert h.status == 200 and int(h.header("content-length")) == len(data)
        assert not blob_file(srv, digest).exists(), f"{digest} ({len(data)} bytes) has a file"
    r = reg.blob_get(repo, sha256(large))
    assert r.status == 200 and r.body == large
    assert blob_file(srv, sha256(large)).is_file(), "a blob over 64 KiB is a file"
    assert upload_files(srv) == [], "finished uploads leave nothing behind"
    m = reg.get_manifest(repo, "v1")
    assert m.status == 200 and m.body == body


def test_inline_blob_ranges_match_file_blobs(server_factory):
    srv = server_factory("ranges")
    reg = srv.registry
    small, large = os.urandom(5000), os.urandom(INLINE_MAX + 5000)
    push(reg, "ranges/app", small, "put")
    push(reg, "ranges/app", large, "put")
    for data in (small, large):
        url = f"/v2/ranges/app/blobs/{sha256(data)}"
        full = reg.request("GET", url)
        for spec, first, last in (("bytes=0-9", 0, 9), ("bytes=100-", 100, len(data) - 1),
                                  ("bytes=-7", len(data) - 7, len(data) - 1),
                                  ("bytes=4990-999999", 4990, len(data) - 1)):
            r = reg.request("GET", url, headers={"Range": spec})
            assert r.status == 206, (len(data), spec, r)
            assert r.body == data[first:last + 1], (len(data), spec)
            assert r.header("content-range") == f"bytes {first}-{last}/{len(data)}"
        r = reg.request("GET", url, headers={"Range": f"bytes={len(data)}-"})
        assert r.status == 416 and r.header("content-range") == f"bytes */{len(data)}"
        names = ("content-type", "docker-content-digest", "etag", "accept-ranges", "cache-control")
        assert {n: full.header(n) is not None for n in names} == {n: True for n in names}


def test_inline_blob_digest_mismatch_is_refused(server_factory):
    srv = server_factory("mismatch")
    reg = srv.registry
    data = b"small but not what the digest says"
    wrong = sha256(b"something else")
    r = reg.request("POST", f"/v2/mm/app/blobs/uploads/?digest={wrong}", body=data)
    assert r.status == 400 and "DIGEST_INVALID" in r.error_codes()
    loc = reg.start_upload("mm/app").header("location")
    r = reg.request("PUT", reg._with_digest(loc, wrong), body=data)
    assert r.status == 400 and "DIGEST_INVALID" in r.error_codes()
    assert reg.blob_head("mm/app", wrong).status == 404
    assert reg.blob_head("mm/app", sha256(data)).status == 404
    assert upload_files(srv) == []


def test_inline_blob_mounts_and_is_collected(server_factory):
    srv = server_factory("mountgc")
    reg = srv.registry
    data = os.urandom(3000)
    d = sha256(data)
    push(reg, "mnt/a", data, "patch")
    r = reg.request("POST", f"/v2/mnt/b/blobs/uploads/?mount={d}&from=mnt/a")
    assert r.status == 201, f"mount from a repository: {r}"
    r = reg.request("POST", f"/v2/mnt/c/blobs/uploads/?mount={d}")
    assert r.status == 201, f"automatic mount: {r}"
    for repo in ("mnt/a", "mnt/b", "mnt/c"):
        g = reg.blob_get(repo, d)
        assert g.status == 200 and g.body == data, repo

    # Referenced by a tagged manifest in b only: gc takes the other links, keeps the blob.
    config = random_config("mnt/b")
    push(reg, "mnt/b", config, "put")
    assert reg.put_manifest("mnt/b", "v1", make_manifest(config, [data])).status == 201
    time.sleep(1.1)
    srv.gc("--grace", "0")
    assert reg.blob_get("mnt/a", d).status == 404
    assert reg.blob_get("mnt/c", d).status == 404
    g = reg.blob_get("mnt/b", d)
    assert g.status == 200 and g.body == data

    # Unreferenced everywhere: the blob itself goes.
    digest = reg.head_manifest("mnt/b", "v1").header("docker-content-digest")
    assert reg.delete_manifest("mnt/b", digest).status == 202
    time.sleep(1.1)
    srv.gc("--grace", "0")
    assert reg.blob_get("mnt/b", d).status == 404
    r = reg.request("POST", f"/v2/mnt/d/blobs/uploads/?mount={d}")
    assert r.status == 202, "a collected blob cannot be mounted"
    # Pushed again, it is whole again.
    push(reg, "mnt/d", data, "put")
    g = reg.blob_get("mnt/d", d)
    assert g.status == 200 and g.body == data
