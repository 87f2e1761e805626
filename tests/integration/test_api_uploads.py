"""OCI Distribution Spec 1.1: blob uploads (end-4a, end-4b, end-5, end-6, end-11,
end-13, end-14)."""
import os
import re
import sys
import urllib.parse

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_helpers import *  # noqa: E402,F401,F403


def _location(r):
    loc = r.header("Location")
    assert loc, f"response without Location:\n{r}"
    return loc


def _assert_blob(api, repo, data, digest=None):
    digest = digest or sha256(data)
    h = api.head(f"/v2/{repo}/blobs/{digest}")
    assert_status(h, 200)
    assert h.header("Content-Length") == str(len(data)), str(h)
    g = api.get(f"/v2/{repo}/blobs/{digest}")
    assert_status(g, 200)
    assert g.body == data, f"blob content differs ({len(g.body)} vs {len(data)} bytes)"


def _assert_blob_created(api, r, repo, data, digest=None):
    """201 + Location that is a pullable blob URL (+ Docker-Content-Digest if sent)."""
    digest = digest or sha256(data)
    assert_status(r, 201)
    loc = _location(r)
    assert_digest_header_matches(r, data)
    g = api.get(loc)
    assert_status(g, 200)
    assert g.body == data, f"GET Location {loc} gave other bytes"
    _assert_blob(api, repo, data, digest)


# ---------------------------------------------------------------- POST (end-4a)

def test_post_starts_session_202_location(api, api_repo):
    r = api.start_upload(api_repo)
    assert_status(r, 202)
    loc = _location(r)
    path = urllib.parse.urlsplit(loc).path
    # The location is opaque, but it is an upload URL of this repository.
    assert path.startswith(f"/v2/{api_repo}/blobs/uploads/"), f"Location {loc}"
    # Spec: the location "MUST contain a UUID representing a unique session ID".
    assert len(path) > len(f"/v2/{api_repo}/blobs/uploads/"), f"no session id in {loc}"


def test_post_range_header_when_present_is_0_0(api, api_repo):
    # The spec does not require Range on the POST answer. Registries that send it
    # (Distribution) send `0-0` for an empty session; anything else would tell a
    # client that bytes were already received.
    r = api.start_upload(api_repo)
    assert_status(r, 202)
    rng = r.header("Range")
    if rng is not None:
        assert rng == "0-0", f"Range on a new session: {rng!r}\n{r}"


def test_post_docker_upload_uuid_matches_location(api, api_repo):
    # Docker-Upload-UUID is a legacy Docker header (OPTIONAL in 1.1); clients such
    # as containerd log it. When sent, it must be the session id of Location.
    r = api.start_upload(api_repo)
    assert_status(r, 202)
    uuid = r.header("Docker-Upload-UUID")
    assert uuid, f"Docker-Upload-UUID missing (legacy header Docker clients expect):\n{r}"
    assert uuid in urllib.parse.urlsplit(_location(r)).path, str(r)


def test_post_sessions_are_unique(api, api_repo):
    locs = {urllib.parse.urlsplit(_location(api.start_upload(api_repo))).path for _ in range(3)}
    assert len(locs) == 3, locs


# ---------------------------------------------------------------- monolithic

def test_monolithic_post_then_put(api, api_repo):
    data = random_bytes(3000)
    r = api.start_upload(api_repo)
    assert_status(r, 202)
    r = api.put_upload(_location(r), sha256(data), data)
    _assert_blob_created(api, r, api_repo, data)
    assert_location_path(r, f"/v2/{api_repo}/blobs/{sha256(data)}")


@distribution_deviation("no single-POST upload (202 + Location)")
def test_monolithic_single_post_with_digest(api, api_repo):
    # Spec: registries MAY support a single POST ?digest=; Portcullis does (201).
    data = random_bytes(2048)
    r = api.post(f"/v2/{api_repo}/blobs/uploads/?digest={sha256(data)}", body=data,
                 headers={"Content-Type": "application/octet-stream"})
    _assert_blob_created(api, r, api_repo, data)


def test_single_post_fallback_202_is_usable(api, api_repo):
    # Whatever the registry does with a single POST, a 202 answer must be a
    # session the client can finish with PUT (spec: "clients SHOULD proceed with a
    # subsequent PUT request").
    data = random_bytes(1000)
    r = api.post(f"/v2/{api_repo}/blobs/uploads/?digest={sha256(data)}", body=data,
                 headers={"Content-Type": "application/octet-stream"})
    assert_status(r, 201, 202)
    if r.status == 202:
        r = api.put_upload(_location(r), sha256(data), data)
    _assert_blob_created(api, r, api_repo, data)


def test_single_post_wrong_digest_is_400(api, api_repo):
    data = random_bytes(100)
    wrong = sha256(data + b"x")
    r = api.post(f"/v2/{api_repo}/blobs/uploads/?digest={wrong}", body=data,
                 headers={"Content-Type": "application/octet-stream"})
    if r.status == 202:
        pytest.skip("registry does not support single-POST uploads (202 fallback)")
    assert_error(r, 400, "DIGEST_INVALID")
    assert not api.blob_exists(api_repo, wrong)
    assert not api.blob_exists(api_repo, sha256(data))


def test_zero_length_blob_post_then_put(api, api_repo):
    r = api.start_upload(api_repo)
    assert_status(r, 202)
    r = api.put_upload(_location(r), EMPTY_SHA256, b"")
    _assert_blob_created(api, r, api_repo, b"", EMPTY_SHA256)
    h = api.head(f"/v2/{api_repo}/blobs/{EMPTY_SHA256}")
    assert h.header("Content-Length") == "0", str(h)


@distribution_deviation("no single-POST upload (202 + Location)")
def test_zero_length_blob_single_post(api, api_repo):
    r = api.post(f"/v2/{api_repo}/blobs/uploads/?digest={EMPTY_SHA256}", body=b"",
                 headers={"Content-Type": "application/octet-stream"})
    _assert_blob_created(api, r, api_repo, b"", EMPTY_SHA256)


def test_sha512_post_then_put(api, api_repo):
    data = random_bytes(1500)
    digest = sha512(data)
    r = api.start_upload(api_repo)
    assert_status(r, 202)
    r = api.put_upload(_location(r), digest, data)
    _assert_blob_created(api, r, api_repo, data, digest)
    h = api.head(f"/v2/{api_repo}/blobs/{digest}")
    assert_status(h, 200)
    # The registry may answer in its canonical algorithm (spec: the header "MAY
    # differ from the provided digest"), but it must describe these bytes.
    assert_digest_header_matches(h, data)


def test_sha512_chunked(api, api_repo):
    data = random_bytes(3000)
    digest = sha512(data)
    r = api.start_upload(api_repo)
    r = api.patch(_location(r), body=data[:1000],
                  headers={"Content-Type": "application/octet-stream", "Content-Range": "0-999"})
    assert_status(r, 202)
    r = api.put_upload(_location(r), digest, data[1000:],
                       extra_headers={"Content-Range": f"1000-{len(data) - 1}"})
    _assert_blob_created(api, r, api_repo, data, digest)


def test_sha512_wrong_digest_is_400(api, api_repo):
    data = random_bytes(100)
    wrong = sha512(data + b"!")
    r = api.start_upload(api_repo)
    r = api.put_upload(_location(r), wrong, data)
    assert_error(r, 400, "DIGEST_INVALID")
    assert not api.blob_exists(api_repo, wrong)


def test_upload_same_blob_twice(api, api_repo):
    data = random_bytes(500)
    assert api.upload_blob(api_repo, data) == sha256(data)
    assert api.upload_blob(api_repo, data) == sha256(data)
    _assert_blob(api, api_repo, data)


# ---------------------------------------------------------------- chunked (end-5)

def test_chunked_upload_with_content_range(api, api_repo):
    data = random_bytes(10_000)
    chunks = [(0, 4095), (4096, 8191), (8192, 9999)]
    r = api.start_upload(api_repo)
    assert_status(r, 202)
    loc = _location(r)
    for start, end in chunks:
        r = api.patch(loc, body=data[start:end + 1], headers={
            "Content-Type": "application/octet-stream",
            "Content-Range": f"{start}-{end}",
        })
        assert_status(r, 202)
        assert r.header("Range") == f"0-{end}", f"Range after chunk {start}-{end}:\n{r}"
        loc = _location(r)
        path = urllib.parse.urlsplit(loc).path
        assert path.startswith(f"/v2/{api_repo}/blobs/uploads/"), loc
    r = api.put_upload(loc, sha256(data), b"")
    _assert_blob_created(api, r, api_repo, data)


def test_chunked_upload_final_chunk_in_put(api, api_repo):
    data = random_bytes(5000)
    r = api.start_upload(api_repo)
    r = api.patch(_location(r), body=data[:3000], headers={
        "Content-Type": "application/octet-stream", "Content-Range": "0-2999"})
    assert_status(r, 202)
    r = api.put_upload(_location(r), sha256(data), data[3000:],
                       extra_headers={"Content-Range": f"3000-{len(data) - 1}"})
    _assert_blob_created(api, r, api_repo, data)


def test_streamed_patch_without_content_range(api, api_repo):
    # What skopeo/podman/buildah do: one PATCH with the whole blob, no
    # Content-Range, then an empty PUT (conformance "Blob Upload Streamed").
    data = random_bytes(7000)
    r = api.start_upload(api_repo)
    r = api.patch(_location(r), body=data, headers={"Content-Type": "application/octet-stream"})
    assert_status(r, 202)
    assert r.header("Range") == f"0-{len(data) - 1}", str(r)
    r = api.put_upload(_location(r), sha256(data), b"")
    _assert_blob_created(api, r, api_repo, data)


def test_streamed_patches_append(api, api_repo):
    data = random_bytes(3000)
    r = api.start_upload(api_repo)
    loc = _location(r)
    for i in range(3):
        r = api.patch(loc, body=data[i * 1000:(i + 1) * 1000],
                      headers={"Content-Type": "application/octet-stream"})
        assert_status(r, 202)
        assert r.header("Range") == f"0-{(i + 1) * 1000 - 1}", str(r)
        loc = _location(r)
    r = api.put_upload(loc, sha256(data), b"")
    _assert_blob_created(api, r, api_repo, data)


@distribution_deviation("PATCH ignores Content-Range (appends, 202)")
def test_out_of_order_first_chunk_is_416(api, api_repo):
    data = random_bytes(2000)
    r = api.start_upload(api_repo)
    loc = _location(r)
    r = api.patch(loc, body=data[1000:], headers={
        "Content-Type": "application/octet-stream", "Content-Range": "1000-1999"})
    assert_status(r, 416)


@distribution_deviation("PATCH ignores Content-Range (appends, 202)")
def test_out_of_order_chunk_416_then_resume(api, api_repo):
    data = random_bytes(3000)
    r = api.start_upload(api_repo)
    r = api.patch(_location(r), body=data[:1000], headers={
        "Content-Type": "application/octet-stream", "Content-Range": "0-999"})
    assert_status(r, 202)
    loc = _location(r)
    # a gap
    bad = api.patch(loc, body=data[2000:], headers={
        "Content-Type": "application/octet-stream", "Content-Range": "2000-2999"})
    assert_status(bad, 416)
    # an overlap
    bad = api.patch(loc, body=data[500:1500], headers={
        "Content-Type": "application/octet-stream", "Content-Range": "500-1499"})
    assert_status(bad, 416)
    # Spec: "To get the current status after a 416 error, issue a GET request":
    # the session survives and still holds exactly the first chunk.
    st = api.get(loc)
    assert_status(st, 204)
    assert st.header("Range") == "0-999", str(st)
    loc = _location(st)
    r = api.patch(loc, body=data[1000:], headers={
        "Content-Type": "application/octet-stream", "Content-Range": "1000-2999"})
    assert_status(r, 202)
    r = api.put_upload(_location(r), sha256(data), b"")
    _assert_blob_created(api, r, api_repo, data)


@distribution_deviation("PATCH ignores Content-Range (appends, 202)")
def test_patch_content_range_length_mismatch_is_rejected(api, api_repo):
    # Content-Range says 100 bytes, the body has 50: the chunk cannot be accepted.
    data = random_bytes(50)
    r = api.start_upload(api_repo)
    r = api.patch(_location(r), body=data, headers={
        "Content-Type": "application/octet-stream", "Content-Range": "0-99"})
    assert r.status in (400, 416), f"expected 400/416:\n{r}"


# ---------------------------------------------------------------- status (end-13)

def test_upload_status_204_range_location(api, api_repo):
    data = random_bytes(1234)
    r = api.start_upload(api_repo)
    r = api.patch(_location(r), body=data, headers={
        "Content-Type": "application/octet-stream", "Content-Range": f"0-{len(data) - 1}"})
    assert_status(r, 202)
    st = api.get(_location(r))
    assert_status(st, 204)
    assert st.body == b""
    assert st.header("Range") == f"0-{len(data) - 1}", str(st)
    loc = _location(st)
    assert urllib.parse.urlsplit(loc).path.startswith(f"/v2/{api_repo}/blobs/uploads/"), loc
    r = api.put_upload(loc, sha256(data), b"")
    _assert_blob_created(api, r, api_repo, data)


def test_upload_status_of_new_session(api, api_repo):
    r = api.start_upload(api_repo)
    st = api.get(_location(r))
    assert_status(st, 204)
    assert _location(st)
    # Empty session: by the Distribution convention the range is "0-0".
    assert st.header("Range") == "0-0", str(st)


@distribution_deviation("404 BLOB_UPLOAD_INVALID (no _state) instead of BLOB_UPLOAD_UNKNOWN")
def test_upload_status_unknown_session_is_404(api, api_repo):
    api.upload_blob(api_repo, random_bytes(10))
    r = api.get(f"/v2/{api_repo}/blobs/uploads/{token(16)}")
    assert_error(r, 404, "BLOB_UPLOAD_UNKNOWN")


def test_upload_session_is_scoped_to_its_repository(api, api_repo):
    r = api.start_upload(api_repo)
    loc = _location(r)
    other = unique_repo()
    api.upload_blob(other, random_bytes(10))
    moved = loc.replace(f"/v2/{api_repo}/", f"/v2/{other}/", 1)
    # An upload session belongs to the repository it was started in: through
    # another repository's URL it is unknown (else a principal allowed to push to
    # `other` could write into, or finish, a session of `api_repo`).
    st = api.get(moved)
    assert st.status in (400, 404), f"session of {api_repo} visible through {other}:\n{st}"
    data = random_bytes(100)
    p = api.patch(moved, body=data, headers={"Content-Type": "application/octet-stream"})
    assert p.status in (400, 404), f"session of {api_repo} writable through {other}:\n{p}"
    put = api.put_upload(moved, sha256(data), data)
    assert put.status in (400, 404), f"session of {api_repo} finished through {other}:\n{put}"
    assert not api.blob_exists(other, sha256(data))
    # and the session is still usable where it belongs
    r = api.put_upload(loc, sha256(data), data)
    _assert_blob_created(api, r, api_repo, data)


# ---------------------------------------------------------------- cancel (end-14)

def test_delete_upload_204_then_404(api, api_repo):
    data = random_bytes(100)
    r = api.start_upload(api_repo)
    r = api.patch(_location(r), body=data, headers={"Content-Type": "application/octet-stream"})
    loc = _location(r)
    d = api.delete(loc, headers={"Content-Length": "0"})
    assert_status(d, 204)
    assert_error(api.get(loc), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(api.delete(loc), 404, "BLOB_UPLOAD_UNKNOWN")
    r = api.put_upload(loc, sha256(data), b"")
    assert_error(r, 404, "BLOB_UPLOAD_UNKNOWN")
    assert not api.blob_exists(api_repo, sha256(data))


# ---------------------------------------------------------------- closing PUT (end-6)

def test_put_wrong_digest_is_400_and_invisible(api, api_repo):
    data = random_bytes(2000)
    wrong = sha256(data + b"tampered")
    r = api.start_upload(api_repo)
    r = api.put_upload(_location(r), wrong, data)
    assert_error(r, 400, "DIGEST_INVALID")
    assert not api.blob_exists(api_repo, wrong)
    assert not api.blob_exists(api_repo, sha256(data))


def test_put_wrong_digest_after_chunks_is_400(api, api_repo):
    data = random_bytes(2000)
    r = api.start_upload(api_repo)
    r = api.patch(_location(r), body=data, headers={"Content-Type": "application/octet-stream"})
    wrong = sha256(data[:-1])
    r = api.put_upload(_location(r), wrong, b"")
    assert_error(r, 400, "DIGEST_INVALID")
    assert not api.blob_exists(api_repo, wrong)
    assert not api.blob_exists(api_repo, sha256(data))


def test_put_without_digest_is_400(api, api_repo):
    data = random_bytes(100)
    r = api.start_upload(api_repo)
    r = api.put(_location(r), body=data, headers={"Content-Type": "application/octet-stream"})
    assert_error(r, 400, "DIGEST_INVALID", "BLOB_UPLOAD_INVALID")
    assert not api.blob_exists(api_repo, sha256(data))


def test_put_malformed_digest_is_400(api, api_repo):
    data = random_bytes(100)
    r = api.start_upload(api_repo)
    r = api.put_upload(_location(r), "sha256:nothex", data)
    assert_error(r, 400, "DIGEST_INVALID")


def test_put_after_session_finished_is_404(api, api_repo):
    data = random_bytes(300)
    r = api.start_upload(api_repo)
    loc = _location(r)
    assert_status(api.put_upload(loc, sha256(data), data), 201)
    r = api.put_upload(loc, sha256(data), data)
    assert_error(r, 404, "BLOB_UPLOAD_UNKNOWN")


def test_patch_after_session_finished_is_404(api, api_repo):
    data = random_bytes(300)
    r = api.start_upload(api_repo)
    loc = _location(r)
    assert_status(api.put_upload(loc, sha256(data), data), 201)
    r = api.patch(loc, body=b"more", headers={"Content-Type": "application/octet-stream"})
    assert_error(r, 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(api.get(loc), 404, "BLOB_UPLOAD_UNKNOWN")


def test_upload_location_from_patch_is_followed(api, api_repo):
    # Clients must follow each response's Location: it may carry state
    # (Distribution's _state token changes after every chunk).
    data = random_bytes(2000)
    r = api.start_upload(api_repo)
    first = _location(r)
    r = api.patch(first, body=data[:1000], headers={
        "Content-Type": "application/octet-stream", "Content-Range": "0-999"})
    second = _location(r)
    r = api.patch(second, body=data[1000:], headers={
        "Content-Type": "application/octet-stream", "Content-Range": "1000-1999"})
    assert_status(r, 202)
    r = api.put_upload(_location(r), sha256(data), b"")
    _assert_blob_created(api, r, api_repo, data)


# ---------------------------------------------------------------- mount (end-11)

def test_mount_from_other_repository_201(api, api_repo):
    data = random_bytes(1000)
    digest = api.upload_blob(api_repo, data)
    target = unique_repo()
    r = api.post(f"/v2/{target}/blobs/uploads/?mount={digest}&from={api_repo}",
                 headers={"Content-Length": "0"})
    assert_status(r, 201)
    assert_location_path(r, f"/v2/{target}/blobs/{digest}")
    if r.header("Docker-Content-Digest") is not None:
        assert_digest_header(r, digest)
    _assert_blob(api, target, data)
    g = api.get(_location(r))
    assert_status(g, 200)
    assert g.body == data


def test_mount_into_existing_repository(api, api_repo):
    data = random_bytes(100)
    digest = api.upload_blob(api_repo, data)
    target = unique_repo()
    api.upload_blob(target, random_bytes(20))
    r = api.post(f"/v2/{target}/blobs/uploads/?mount={digest}&from={api_repo}",
                 headers={"Content-Length": "0"})
    assert_status(r, 201)
    _assert_blob(api, target, data)


def test_mount_missing_blob_falls_back_to_202_upload(api, api_repo):
    api.upload_blob(api_repo, random_bytes(10))
    data = random_bytes(800)
    digest = sha256(data)
    target = unique_repo()
    r = api.post(f"/v2/{target}/blobs/uploads/?mount={digest}&from={api_repo}",
                 headers={"Content-Length": "0"})
    # Spec: "if a registry ... is unable to mount the requested blob, it SHOULD
    # return a 202": an upload session the client then uses.
    assert_status(r, 202)
    r = api.put_upload(_location(r), digest, data)
    _assert_blob_created(api, r, target, data)


def test_mount_from_unknown_repository_is_202(api):
    data = random_bytes(50)
    target = unique_repo()
    r = api.post(f"/v2/{target}/blobs/uploads/?mount={sha256(data)}&from={unique_repo()}",
                 headers={"Content-Length": "0"})
    assert_status(r, 202)
    assert _location(r)


@distribution_deviation("mount without from= starts an upload (202)")
def test_mount_without_from_known_blob_201(api, api_repo):
    # Spec: "The registry MAY treat the from parameter as optional, and it MAY
    # cross-mount the blob if it can be found." Portcullis does.
    data = random_bytes(600)
    digest = api.upload_blob(api_repo, data)
    target = unique_repo()
    r = api.post(f"/v2/{target}/blobs/uploads/?mount={digest}", headers={"Content-Length": "0"})
    assert_status(r, 201)
    assert_location_path(r, f"/v2/{target}/blobs/{digest}")
    _assert_blob(api, target, data)


def test_mount_without_from_unknown_blob_202(api):
    target = unique_repo()
    r = api.post(f"/v2/{target}/blobs/uploads/?mount={sha256(random_bytes(20))}",
                 headers={"Content-Length": "0"})
    assert_status(r, 202)
    assert _location(r)


def test_mount_invalid_digest_is_400_or_upload(api, api_repo):
    api.upload_blob(api_repo, random_bytes(10))
    r = api.post(f"/v2/{unique_repo()}/blobs/uploads/?mount=sha256:xyz&from={api_repo}",
                 headers={"Content-Length": "0"})
    # A malformed mount digest: either refused (400 DIGEST_INVALID) or ignored
    # (a plain 202 session); never a mount.
    assert r.status in (400, 202), str(r)
    if r.status == 400:
        assert_error(r, 400, "DIGEST_INVALID")


def test_chunk_min_length_header_when_present(api, api_repo):
    # Spec 1.1: "If the registry has a minimum chunk size, the POST response
    # SHOULD include OCI-Chunk-Min-Length: <size>" (a byte count).
    r = api.start_upload(api_repo)
    assert_status(r, 202)
    v = r.header("OCI-Chunk-Min-Length")
    if v is not None:
        assert v.isdigit() and int(v) > 0, f"OCI-Chunk-Min-Length {v!r}:\n{r}"


def test_back_to_back_chunks_on_new_connections(api, api_repo):
    # Each request here uses a fresh connection (what parallel or non-keep-alive
    # clients do): a chunk sent right after the previous one's 202 must never be
    # refused because the server is still finishing the previous request.
    for i in range(25):
        data = random_bytes(2048)
        r = api.start_upload(api_repo)
        loc = _location(r)
        for start in (0, 1024):
            r = api.patch(loc, body=data[start:start + 1024], headers={
                "Content-Type": "application/octet-stream",
                "Content-Range": f"{start}-{start + 1023}"})
            assert_status(r, 202)
            loc = _location(r)
        r = api.put_upload(loc, sha256(data), b"")
        assert_status(r, 201)
