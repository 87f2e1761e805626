"""OCI Distribution Spec 1.1: blobs (end-2 GET/HEAD, end-10 DELETE)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_helpers import *  # noqa: E402,F401,F403


@pytest.fixture
def stored_blob(api, api_repo):
    data = random_bytes(4096)
    digest = api.upload_blob(api_repo, data)
    return api_repo, data, digest


def test_head_existing_blob(api, stored_blob):
    repo, data, digest = stored_blob
    r = api.head(f"/v2/{repo}/blobs/{digest}")
    assert_status(r, 200)
    assert r.body == b""
    assert r.header("Content-Length") == str(len(data)), str(r)
    assert_digest_header(r, digest)


def test_get_existing_blob(api, stored_blob):
    repo, data, digest = stored_blob
    r = api.get(f"/v2/{repo}/blobs/{digest}")
    assert_status(r, 200)
    assert r.body == data, "blob bytes differ"
    assert r.header("Content-Length") == str(len(data)), str(r)
    assert_digest_header(r, digest)


def test_head_missing_blob_is_404(api, api_repo):
    api.upload_blob(api_repo, random_bytes(10))  # the repository exists
    r = api.head(f"/v2/{api_repo}/blobs/{sha256(random_bytes(32))}")
    assert_status(r, 404)
    assert r.body == b""


def test_get_missing_blob_is_404_blob_unknown(api, api_repo):
    api.upload_blob(api_repo, random_bytes(10))
    r = api.get(f"/v2/{api_repo}/blobs/{sha256(random_bytes(32))}")
    assert_error(r, 404, "BLOB_UNKNOWN")


def test_get_blob_in_unknown_repository_is_404(api):
    r = api.get(f"/v2/{unique_repo()}/blobs/{sha256(random_bytes(32))}")
    # The repository does not exist either: BLOB_UNKNOWN or NAME_UNKNOWN both describe it.
    assert_error(r, 404, "BLOB_UNKNOWN", "NAME_UNKNOWN")


def test_blob_is_scoped_to_its_repository(api, stored_blob):
    # "If the blob does not exist in the repository, the registry must return 404":
    # a blob pushed to one repository is not readable through another one.
    repo, data, digest = stored_blob
    other = unique_repo()
    api.upload_blob(other, random_bytes(10))
    assert_status(api.head(f"/v2/{other}/blobs/{digest}"), 404)
    assert_error(api.get(f"/v2/{other}/blobs/{digest}"), 404, "BLOB_UNKNOWN")


# ---------------------------------------------------------------- Range GET

def test_range_get_middle(api, stored_blob):
    repo, data, digest = stored_blob
    r = api.get(f"/v2/{repo}/blobs/{digest}", headers={"Range": "bytes=100-199"})
    assert_status(r, 206)
    assert r.body == data[100:200]
    assert r.header("Content-Range") == f"bytes 100-199/{len(data)}", str(r)
    assert r.header("Content-Length") == "100", str(r)


def test_range_get_open_ended(api, stored_blob):
    repo, data, digest = stored_blob
    r = api.get(f"/v2/{repo}/blobs/{digest}", headers={"Range": "bytes=4000-"})
    assert_status(r, 206)
    assert r.body == data[4000:]
    assert r.header("Content-Range") == f"bytes 4000-{len(data) - 1}/{len(data)}", str(r)


def test_range_get_suffix(api, stored_blob):
    repo, data, digest = stored_blob
    r = api.get(f"/v2/{repo}/blobs/{digest}", headers={"Range": "bytes=-10"})
    assert_status(r, 206)
    assert r.body == data[-10:]
    assert r.header("Content-Range") == f"bytes {len(data) - 10}-{len(data) - 1}/{len(data)}", str(r)


def test_range_get_end_past_size_is_clamped(api, stored_blob):
    # RFC 9110 14.1.2: a last-pos past the end means "to the end".
    repo, data, digest = stored_blob
    r = api.get(f"/v2/{repo}/blobs/{digest}", headers={"Range": f"bytes=4090-{len(data) + 1000}"})
    assert_status(r, 206)
    assert r.body == data[4090:]
    assert r.header("Content-Range") == f"bytes 4090-{len(data) - 1}/{len(data)}", str(r)


def test_range_get_whole_resume(api, stored_blob):
    # Resumable pull: a client that has the first half asks for the rest.
    repo, data, digest = stored_blob
    half = len(data) // 2
    r = api.get(f"/v2/{repo}/blobs/{digest}", headers={"Range": f"bytes={half}-{len(data) - 1}"})
    assert_status(r, 206)
    assert data[:half] + r.body == data


@distribution_deviation("its 416 says Content-Length: <blob size> but sends a 33-byte text body")
def test_range_get_unsatisfiable_is_416(api, stored_blob):
    repo, data, digest = stored_blob
    r = api.get(f"/v2/{repo}/blobs/{digest}", headers={"Range": f"bytes={len(data) + 10}-"})
    assert_status(r, 416)
    assert_complete(r)
    # RFC 9110 15.5.17: a 416 SHOULD carry Content-Range: bytes */<size>.
    assert r.header("Content-Range") == f"bytes */{len(data)}", str(r)


@distribution_deviation("its 416 says Content-Length: <blob size> but sends a 33-byte text body")
def test_range_get_start_at_size_is_416(api, stored_blob):
    repo, data, digest = stored_blob
    r = api.get(f"/v2/{repo}/blobs/{digest}", headers={"Range": f"bytes={len(data)}-{len(data) + 5}"})
    assert_status(r, 416)
    assert_complete(r)


# ---------------------------------------------------------------- DELETE

def test_delete_blob_then_404(api, stored_blob):
    repo, data, digest = stored_blob
    r = api.delete(f"/v2/{repo}/blobs/{digest}")
    assert_status(r, 202)
    assert_status(api.head(f"/v2/{repo}/blobs/{digest}"), 404)
    assert_error(api.get(f"/v2/{repo}/blobs/{digest}"), 404, "BLOB_UNKNOWN")


def test_delete_missing_blob_is_404(api, stored_blob):
    repo, _, _ = stored_blob
    r = api.delete(f"/v2/{repo}/blobs/{sha256(random_bytes(32))}")
    assert_error(r, 404, "BLOB_UNKNOWN")


def test_delete_blob_leaves_other_repositories(api, stored_blob):
    repo, data, digest = stored_blob
    other = unique_repo()
    api.upload_blob(other, data)
    assert_status(api.delete(f"/v2/{repo}/blobs/{digest}"), 202)
    r = api.get(f"/v2/{other}/blobs/{digest}")
    assert_status(r, 200)
    assert r.body == data


def test_blob_reupload_after_delete(api, stored_blob):
    repo, data, digest = stored_blob
    assert_status(api.delete(f"/v2/{repo}/blobs/{digest}"), 202)
    assert api.upload_blob(repo, data) == digest
    r = api.get(f"/v2/{repo}/blobs/{digest}")
    assert_status(r, 200)
    assert r.body == data


# ---------------------------------------------------------------- invalid digests

INVALID_DIGESTS = [
    pytest.param("sha256:" + "a" * 63, id="sha256-short"),
    pytest.param("sha256:" + "a" * 65, id="sha256-long"),
    pytest.param("sha256:" + "A" * 64, id="sha256-uppercase-hex"),
    pytest.param("sha256:" + "g" * 64, id="non-hex"),
    pytest.param("sha512:" + "a" * 64, id="sha512-short"),
    pytest.param("sha256-" + "a" * 64, id="no-colon",
                 marks=distribution_deviation('router 404 "404 page not found" (text)')),
    pytest.param("SHA256:" + "a" * 64, id="uppercase-algorithm",
                 marks=distribution_deviation('router 404 "404 page not found" (text)')),
]


@pytest.mark.parametrize("bad", INVALID_DIGESTS)
def test_get_blob_invalid_digest_is_400(api, api_repo, bad):
    # A digest that can never name content is a malformed request, not an unknown
    # blob: 400 DIGEST_INVALID (what Distribution answers for the well-formed
    # path with a bad encoded part, and what the spec requires of the referrers API).
    api.upload_blob(api_repo, random_bytes(10))
    r = api.get(f"/v2/{api_repo}/blobs/{bad}")
    assert_error(r, 400, "DIGEST_INVALID")


def test_head_blob_invalid_digest_is_400(api, api_repo):
    api.upload_blob(api_repo, random_bytes(10))
    r = api.head(f"/v2/{api_repo}/blobs/sha256:{'a' * 63}")
    assert_status(r, 400)


def test_delete_blob_invalid_digest_is_400(api, api_repo):
    api.upload_blob(api_repo, random_bytes(10))
    r = api.delete(f"/v2/{api_repo}/blobs/sha256:{'a' * 63}")
    assert_error(r, 400, "DIGEST_INVALID")


def test_unsupported_digest_algorithm_is_400(api, api_repo):
    # md5 is syntactically a digest but not a registered algorithm (image-spec:
    # sha256 and sha512 are the registered ones).
    api.upload_blob(api_repo, random_bytes(10))
    r = api.get(f"/v2/{api_repo}/blobs/md5:{'a' * 32}")
    assert_error(r, 400, "DIGEST_INVALID", "UNSUPPORTED")
