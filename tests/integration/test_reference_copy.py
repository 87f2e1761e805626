"""Copies between portcullis and the reference registry (CNCF Distribution 2.8, Debian's
docker-registry), both ways, with skopeo: an image moved between the two keeps every
digest, so users can migrate in either direction."""

import pytest

from clients import ContainersEnv, layout_blobs, layout_entry
from regclient import sha256
from support import ocitool_verify, require_tools


@pytest.fixture
def cenv(server, reference_registry, tmp_path):
    require_tools("skopeo")
    env = ContainersEnv(tmp_path / "containers", [server.addr, reference_registry.addr])
    yield env
    env.cleanup()


def served_digest(reg, repo, tag):
    r = reg.get_manifest(repo, tag)
    assert r.status == 200, f"GET {repo}:{tag}: {r}"
    assert r.header("docker-content-digest") == sha256(r.body)
    return sha256(r.body)


def assert_all_blobs(reg, repo, layout):
    """Every blob and child manifest of the layout is present in repo with its size."""
    for digest, size in layout_blobs(layout).items():
        h = reg.blob_head(repo, digest)
        if h.status == 404:
            h = reg.head_manifest(repo, digest)
        assert h.status == 200, f"{repo}: {digest} missing"
        assert int(h.header("content-length")) == size, f"{repo}: {digest} size"


@pytest.mark.parametrize("name", ["debian-app", "multiarch"])
def test_portcullis_to_reference(server, reference_registry, images, cenv, tmp_path, name):
    want = images.digest(name)
    cenv.skopeo("copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false",
                "--dest-creds", server.creds, f"oci:{images.layout(name)}:latest",
                f"docker://{server.addr}/itest/ref-{name}:v1")
    cenv.skopeo("copy", "--quiet", "--all", "--preserve-digests",
                "--src-tls-verify=false", "--src-creds", server.creds,
                "--dest-tls-verify=false",
                f"docker://{server.addr}/itest/ref-{name}:v1",
                f"docker://{reference_registry.addr}/from-pc/{name}:v1")
    assert served_digest(server.registry, f"itest/ref-{name}", "v1") == want
    assert served_digest(reference_registry.registry, f"from-pc/{name}", "v1") == want
    assert_all_blobs(reference_registry.registry, f"from-pc/{name}", images.layout(name))

    back = tmp_path / "back"
    cenv.skopeo("copy", "--quiet", "--all", "--preserve-digests", "--src-tls-verify=false",
                f"docker://{reference_registry.addr}/from-pc/{name}:v1", f"oci:{back}:x")
    ocitool_verify(back)
    assert layout_entry(back, "x")["digest"] == want


@pytest.mark.parametrize("name", ["debian-app", "multiarch"])
def test_reference_to_portcullis(server, reference_registry, images, cenv, tmp_path, name):
    want = images.digest(name)
    cenv.skopeo("copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false",
                f"oci:{images.layout(name)}:latest",
                f"docker://{reference_registry.addr}/upstream/{name}:v1")
    cenv.skopeo("copy", "--quiet", "--all", "--preserve-digests",
                "--src-tls-verify=false", "--dest-tls-verify=false",
                "--dest-creds", server.creds,
                f"docker://{reference_registry.addr}/upstream/{name}:v1",
                f"docker://{server.addr}/itest/from-ref-{name}:v1")
    assert served_digest(reference_registry.registry, f"upstream/{name}", "v1") == want
    assert served_digest(server.registry, f"itest/from-ref-{name}", "v1") == want
    assert_all_blobs(server.registry, f"itest/from-ref-{name}", images.layout(name))

    back = tmp_path / "back"
    cenv.skopeo("copy", "--quiet", "--all", "--preserve-digests", "--src-tls-verify=false",
                "--src-creds", server.creds,
                f"docker://{server.addr}/itest/from-ref-{name}:v1", f"oci:{back}:x")
    ocitool_verify(back)
    assert layout_entry(back, "x")["digest"] == want
