"""OCI Distribution Spec 1.1: the version check endpoint, GET /v2/ (end-1)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_helpers import *  # noqa: E402,F401,F403


def test_v2_base_returns_200(api):
    r = api.get("/v2/")
    assert_status(r, 200)


def test_v2_base_api_version_header(api):
    # Spec 1.1 keeps Docker-Distribution-API-Version as an OPTIONAL legacy header,
    # but every Docker-lineage client probes for it, and Distribution sends it.
    r = api.get("/v2/")
    assert_status(r, 200)
    assert r.header("Docker-Distribution-API-Version") == "registry/2.0", str(r)


def test_v2_base_head(api):
    r = api.head("/v2/")
    assert_status(r, 200)
    assert r.body == b""


def test_v2_base_without_credentials_is_401_basic(api_auth, api_anon):
    r = api_anon.get("/v2/")
    assert_status(r, 401)
    challenge = r.header("WWW-Authenticate") or ""
    assert challenge.lower().startswith("basic"), f"WWW-Authenticate must offer Basic:\n{r}"
    assert "realm=" in challenge.lower(), f"Basic challenge without realm (RFC 7617):\n{r}"
    if r.body:
        assert_error(r, 401, "UNAUTHORIZED")


def test_v2_base_wrong_password_is_401(api_auth):
    bad = api_auth.with_credentials(api_auth.user, (api_auth.password or "") + "-wrong")
    r = bad.get("/v2/")
    assert_status(r, 401)
    assert (r.header("WWW-Authenticate") or "").lower().startswith("basic"), str(r)


def test_v2_base_unknown_user_is_401(api_auth):
    bad = api_auth.with_credentials(f"nobody{token()}", "secret")
    r = bad.get("/v2/")
    assert_status(r, 401)


def test_v2_base_malformed_authorization_is_401(api_auth):
    r = api_auth.get("/v2/", headers={"Authorization": "Basic !!!not-base64!!!"})
    assert_status(r, 401)


def test_unknown_v2_route_is_404(api):
    # Not a registry route at all: must not be mistaken for a repository.
    r = api.get(f"/v2/{unique_repo()}/nothing-here/{token()}")
    assert_status(r, 404)
