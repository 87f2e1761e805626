"""Authentication and authorization on the /v2/ API (HTTP Basic).

Portcullis' model: a repository's first path component is its project; a
one-component name (`alpine`) belongs to the public project `library`, which
anyone may pull from; any other project is created private on first push, and
only authenticated principals with access may read it. Every write needs
credentials. A 401 always carries a Basic challenge (RFC 7235), and its JSON
body, if any, the OCI code UNAUTHORIZED.

Skipped when the server under test has no credentials (PORTCULLIS_USER unset).
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_helpers import *  # noqa: E402,F401,F403


def assert_401(r):
    assert_status(r, 401)
    assert (r.header("WWW-Authenticate") or "").lower().startswith("basic"), \
        f"401 without a Basic challenge:\n{r}"
    if r.method != "HEAD" and r.body and r.error_codes():
        assert_error(r, 401, "UNAUTHORIZED")


@pytest.fixture
def private_image(api_auth):
    repo = unique_repo("app")  # conf<random>/app: a new private project
    image = make_image()
    api_auth.push_image(repo, image, ref="v1")
    return repo, image


@pytest.fixture(params=["one-component", "library-prefixed"])
def library_image(api_auth, request):
    name = unique_library_repo()
    repo = name if request.param == "one-component" else f"library/{name}"
    image = make_image()
    api_auth.push_image(repo, image, ref="v1")
    return repo, image


@pytest.fixture
def wrong_password(api_auth):
    return api_auth.with_credentials(api_auth.user, (api_auth.password or "") + "-wrong")


# ---------------------------------------------------------------- writes

def test_anonymous_push_to_new_project_is_401(api_auth, api_anon):
    repo = unique_repo("app")
    assert_401(api_anon.post(f"/v2/{repo}/blobs/uploads/", headers={"Content-Length": "0"}))
    data = random_bytes(100)
    assert_401(api_anon.post(f"/v2/{repo}/blobs/uploads/?digest={sha256(data)}", body=data,
                             headers={"Content-Type": "application/octet-stream"}))
    image = make_image()
    assert_401(api_anon.put_manifest(repo, "v1", image.manifest, image.media_type))
    # nothing was created
    assert_status(api_auth.head(f"/v2/{repo}/blobs/{sha256(data)}"), 404)
    assert_status(api_auth.get(f"/v2/{repo}/tags/list"), 404)


def test_anonymous_push_to_existing_private_repo_is_401(api_anon, private_image):
    repo, image = private_image
    assert_401(api_anon.post(f"/v2/{repo}/blobs/uploads/", headers={"Content-Length": "0"}))
    assert_401(api_anon.put_manifest(repo, "v2", image.manifest, image.media_type))


def test_anonymous_push_to_library_is_401(api_anon, library_image):
    repo, image = library_image
    assert_401(api_anon.post(f"/v2/{repo}/blobs/uploads/", headers={"Content-Length": "0"}))
    assert_401(api_anon.put_manifest(repo, "v2", image.manifest, image.media_type))


def test_anonymous_cannot_use_an_upload_session(api_auth, api_anon):
    repo = unique_repo("app")
    r = api_auth.start_upload(repo)
    assert_status(r, 202)
    loc = r.header("Location")
    data = random_bytes(50)
    assert_401(api_anon.patch(loc, body=data, headers={"Content-Type": "application/octet-stream"}))
    assert_401(api_anon.put_upload(loc, sha256(data), data))
    assert_401(api_anon.get(loc))
    assert_401(api_anon.delete(loc))
    # the owner can still finish it
    r = api_auth.put_upload(loc, sha256(data), data)
    assert_status(r, 201)


def test_anonymous_mount_is_401(api_anon, private_image):
    repo, image = private_image
    target = unique_repo("app")
    digest = sha256(image.blobs[0])
    assert_401(api_anon.post(f"/v2/{target}/blobs/uploads/?mount={digest}&from={repo}",
                             headers={"Content-Length": "0"}))


def test_anonymous_delete_is_401(api_auth, api_anon, private_image):
    repo, image = private_image
    assert_401(api_anon.delete(f"/v2/{repo}/manifests/{image.digest}"))
    assert_401(api_anon.delete(f"/v2/{repo}/manifests/v1"))
    assert_401(api_anon.delete(f"/v2/{repo}/blobs/{sha256(image.blobs[0])}"))
    g = api_auth.get_manifest(repo, "v1")
    assert_status(g, 200)
    assert api_auth.blob_exists(repo, sha256(image.blobs[0]))


def test_anonymous_delete_in_library_is_401(api_auth, api_anon, library_image):
    repo, image = library_image
    assert_401(api_anon.delete(f"/v2/{repo}/manifests/{image.digest}"))
    assert_401(api_anon.delete(f"/v2/{repo}/blobs/{sha256(image.blobs[0])}"))
    assert_status(api_auth.get_manifest(repo, "v1"), 200)


def test_wrong_password_push_is_401(api_auth, wrong_password):
    repo = unique_repo("app")
    assert_401(wrong_password.post(f"/v2/{repo}/blobs/uploads/", headers={"Content-Length": "0"}))
    image = make_image()
    assert_401(wrong_password.put_manifest(repo, "v1", image.manifest, image.media_type))


def test_wrong_password_delete_is_401(api_auth, wrong_password, private_image):
    repo, image = private_image
    assert_401(wrong_password.delete(f"/v2/{repo}/manifests/{image.digest}"))
    assert_status(api_auth.get_manifest(repo, "v1"), 200)


# ---------------------------------------------------------------- reads

@distribution_deviation("htpasswd auth has no anonymous access at all")
def test_anonymous_pull_from_library_works(api_anon, library_image):
    repo, image = library_image
    g = api_anon.get_manifest(repo, "v1")
    assert_status(g, 200)
    assert g.body == image.manifest
    assert_digest_header(g, image.digest)
    assert_status(api_anon.head_manifest(repo, image.digest), 200)
    for blob in image.blobs:
        b = api_anon.get(f"/v2/{repo}/blobs/{sha256(blob)}")
        assert_status(b, 200)
        assert b.body == blob
    t = api_anon.get(f"/v2/{repo}/tags/list")
    assert_status(t, 200)
    assert t.json()["tags"] == ["v1"]


@distribution_deviation("no referrers route (404 before auth)")
def test_anonymous_pull_from_private_project_is_401(api_anon, private_image):
    repo, image = private_image
    assert_401(api_anon.get_manifest(repo, "v1"))
    assert_401(api_anon.head_manifest(repo, image.digest))
    assert_401(api_anon.get(f"/v2/{repo}/blobs/{sha256(image.blobs[0])}"))
    assert_401(api_anon.head(f"/v2/{repo}/blobs/{sha256(image.blobs[0])}"))
    assert_401(api_anon.get(f"/v2/{repo}/tags/list"))
    assert_401(api_anon.get(f"/v2/{repo}/referrers/{image.digest}"))


def test_anonymous_private_answers_do_not_reveal_existence(api_anon, private_image):
    # The same 401 for a repository that exists and one that does not: no oracle.
    repo, _ = private_image
    project = repo.split("/")[0]
    assert_401(api_anon.get_manifest(f"{project}/nosuchrepo", "v1"))
    assert_401(api_anon.get_manifest(unique_repo("app"), "v1"))


def test_wrong_password_pull_is_401_even_from_library(api_auth, wrong_password, library_image):
    # Bad credentials are an error, not a fallback to anonymous access.
    repo, _ = library_image
    assert_401(wrong_password.get_manifest(repo, "v1"))


def test_authenticated_pull_from_private_project(api_auth, private_image):
    repo, image = private_image
    g = api_auth.get_manifest(repo, "v1")
    assert_status(g, 200)
    assert g.body == image.manifest


def test_anonymous_cannot_mount_private_blob_into_library(api_anon, private_image):
    repo, image = private_image
    digest = sha256(image.blobs[0])
    r = api_anon.post(f"/v2/{unique_library_repo()}/blobs/uploads/?mount={digest}&from={repo}",
                      headers={"Content-Length": "0"})
    assert_401(r)
