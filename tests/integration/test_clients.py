"""Real OCI clients against the real binary: what users do every day must work, and
must keep every byte (manifest digests identical before and after a round trip).

Repositories: itest/* is a private project (created by the first push, pull needs
credentials); library/* and one-component names are the public project `library`."""

import json
import os
import re
import shutil
import subprocess

import pytest

import support
from clients import (ContainersEnv, Containerd, child_manifest, layout_blobs, layout_digest,
                     layout_entry, run)
from regclient import ACCEPT_ALL, sha256
from support import IMAGE_NAMES, ocitool_verify, require_tools


@pytest.fixture
def cenv(server, tmp_path):
    """Per-test containers config (registries.conf marks the server insecure, vfs storage)."""
    require_tools("skopeo")
    env = ContainersEnv(tmp_path / "containers", [server.addr])
    yield env
    env.cleanup()


def push_layout(cenv, server, images, name, repo, tag="latest"):
    """skopeo copy --all --preserve-digests of a test layout to server/repo:tag."""
    cenv.skopeo("copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false",
                "--dest-creds", server.creds, f"oci:{images.layout(name)}:latest",
                f"docker://{server.addr}/{repo}:{tag}")
    return f"{server.addr}/{repo}:{tag}"


def registry_digest(cenv, ref, creds=None):
    """sha256 of the manifest bytes the registry serves for ref (skopeo inspect --raw)."""
    args = ["inspect", "--raw", "--tls-verify=false"]
    if creds:
        args += ["--creds", creds]
    raw = subprocess.run([str(a) for a in cenv.skopeo_cmd(*args, f"docker://{ref}")],
                         capture_output=True, timeout=120, env=cenv.env,
                         stdin=subprocess.DEVNULL)
    assert raw.returncode == 0, f"skopeo inspect {ref}: {raw.stderr.decode()[-2000:]}"
    return sha256(raw.stdout)


def pull_and_verify(cenv, server, ref, dest, want_digest=None, all_=True):
    """skopeo copy ref -> fresh OCI layout dest; the layout verifies (every blob digest,
    size and diff_id), and its top-level digest is want_digest when given."""
    args = ["copy", "--quiet", "--src-tls-verify=false", "--src-creds", server.creds]
    if all_:
        args += ["--all", "--preserve-digests"]
    cenv.skopeo(*args, f"docker://{ref}", f"oci:{dest}:pulled")
    ocitool_verify(dest)
    got = layout_entry(dest, "pulled")["digest"]
    if want_digest:
        assert got == want_digest, f"pulled {ref}: digest {got}, want {want_digest}"
    return got


# ------------------------------------------------------------------------ skopeo
@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_skopeo_roundtrip(server, images, cenv, tmp_path, name):
    """oci layout -> portcullis -> fresh oci layout: same manifest digest, every blob
    stored with its size, pulled layout verifies."""
    want = images.digest(name)
    ref = push_layout(cenv, server, images, name, f"itest/skopeo-{name}")

    r = server.registry.get_manifest(f"itest/skopeo-{name}", "latest")
    assert r.status == 200, r
    assert sha256(r.body) == want, "registry serves other manifest bytes than were pushed"
    assert r.header("docker-content-digest") == want
    assert r.header("content-type") == images.media_type(name)

    for digest, size in layout_blobs(images.layout(name)).items():
        h = server.registry.blob_head(f"itest/skopeo-{name}", digest)
        if h.status == 404:   # child manifests of an index live under /manifests/
            h = server.registry.head_manifest(f"itest/skopeo-{name}", digest)
        assert h.status == 200, f"{digest} not stored: {h}"
        assert int(h.header("content-length")) == size, f"{digest}: wrong Content-Length"

    pull_and_verify(cenv, server, ref, tmp_path / "pulled", want_digest=want)


# ------------------------------------------------------------------------ podman
@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_podman_pull_push(server, images, cenv, tmp_path, name):
    """podman pull from portcullis, push to a new repository: the manifest digest is kept
    (for the index: the arm64 child, chosen with --arch), and the pushed image pulls back
    and verifies."""
    require_tools("podman")
    src = push_layout(cenv, server, images, name, f"itest/podman-src-{name}")
    dst = f"{server.addr}/itest/podman-{name}:pushed"
    pull = ["pull", "-q", "--tls-verify=false", "--creds", server.creds]
    want = images.digest(name)
    if name == "multiarch":
        pull += ["--arch", "arm64", "--variant", "v8"]
        want = child_manifest(images.layout(name), "arm64", "v8")
    cenv.tool("podman", *pull, src)
    cenv.tool("podman", "tag", src, dst)
    cenv.tool("podman", "push", "-q", "--tls-verify=false", "--creds", server.creds, dst)
    assert registry_digest(cenv, dst, server.creds) == want
    pull_and_verify(cenv, server, dst, tmp_path / "back", want_digest=want)


# ------------------------------------------------------------------------ buildah
@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_buildah_from_commit_push(server, images, cenv, tmp_path, name):
    """buildah from <portcullis image>, add a file, commit, push back: the new image has
    the base's layers (same diff_ids) plus one, and pulls back and verifies."""
    require_tools("buildah")
    src = push_layout(cenv, server, images, name, f"itest/buildah-src-{name}")
    dst = f"{server.addr}/itest/buildah-{name}:built"
    c = cenv.tool("buildah", "from", "-q", "--tls-verify=false", "--creds", server.creds,
                  src).stdout.strip()
    (tmp_path / "hello.txt").write_text("hello from buildah\n")
    cenv.tool("buildah", "copy", c, str(tmp_path / "hello.txt"), "/portcullis-itest.txt")
    cenv.tool("buildah", "config", "--label", "org.example.itest=buildah", c)
    cenv.tool("buildah", "commit", "-q", "--format", "oci", c, f"localhost/itest-buildah-{name}")
    cenv.tool("buildah", "push", "-q", "--tls-verify=false", "--creds", server.creds,
              f"localhost/itest-buildah-{name}", f"docker://{dst}")
    cenv.tool("buildah", "rm", c, check=False)

    got = pull_and_verify(cenv, server, dst, tmp_path / "back")
    back = tmp_path / "back"
    manifest = json.loads((back / "blobs" / "sha256" / got.split(":")[1]).read_bytes())
    config = json.loads((back / "blobs" / "sha256" /
                         manifest["config"]["digest"].split(":")[1]).read_bytes())
    base_diff_ids = base_config(images.layout(name))["rootfs"]["diff_ids"]
    assert config["rootfs"]["diff_ids"][:len(base_diff_ids)] == base_diff_ids
    assert len(config["rootfs"]["diff_ids"]) == len(base_diff_ids) + 1
    assert config["config"]["Labels"]["org.example.itest"] == "buildah"


def base_config(layout):
    """Config of the layout's (amd64) image."""
    def blob(d):
        return json.loads((layout / "blobs" / "sha256" / d.split(":")[1]).read_bytes())
    m = blob(layout_digest(layout))
    if "manifests" in m:
        m = blob(child_manifest(layout, "amd64"))
    return blob(m["config"]["digest"])


# ------------------------------------------------------------------------ containerd
@pytest.fixture(scope="module")
def containerd(tmp_path_factory):
    require_tools("containerd", "ctr")
    c = Containerd(tmp_path_factory.mktemp("containerd"))
    yield c
    c.stop()


@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_ctr_pull_push(server, images, cenv, containerd, tmp_path, name):
    """containerd's ctr pulls (all platforms of the index) and pushes to a new repository;
    the top-level digest is kept."""
    src = push_layout(cenv, server, images, name, f"itest/ctr-src-{name}")
    dst = f"{server.addr}/itest/ctr-{name}:pushed"
    plat = ["--all-platforms"] if name == "multiarch" else []
    containerd.ctr("images", "pull", "--plain-http", "--user", server.creds, *plat, src)
    containerd.ctr("images", "tag", "--force", src, dst)
    containerd.ctr("images", "push", "--plain-http", "--user", server.creds, dst)
    want = images.digest(name)
    assert registry_digest(cenv, dst, server.creds) == want
    pull_and_verify(cenv, server, dst, tmp_path / "back", want_digest=want)
    containerd.ctr("images", "rm", src, dst, check=False)


# ------------------------------------------------------------------------ umoci
@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_umoci_unpack_repack_push(server, images, cenv, tmp_path, name):
    """Pull a layout with skopeo, unpack and repack it with umoci (a new layer with a
    file and a whiteout), push it back: the registry keeps umoci's digest, and the pulled
    image unpacks to the modified tree."""
    require_tools("umoci")
    src = push_layout(cenv, server, images, name, f"itest/umoci-src-{name}")
    lay = tmp_path / "layout"
    cenv.skopeo("copy", "--quiet", "--src-tls-verify=false", "--src-creds", server.creds,
                f"docker://{src}", f"oci:{lay}:pulled")   # one platform (amd64) of an index
    run(["umoci", "unpack", "--image", f"{lay}:pulled", tmp_path / "bundle"])
    rootfs = tmp_path / "bundle" / "rootfs"
    (rootfs / "etc" / "portcullis-itest").write_text("repacked by umoci\n")
    gone = rootfs / "etc" / "issue.net"
    assert gone.exists(), "base image has no /etc/issue.net to delete"
    gone.unlink()
    run(["umoci", "repack", "--image", f"{lay}:modified", tmp_path / "bundle"])
    want = layout_entry(lay, "modified")["digest"]
    dst = f"{server.addr}/itest/umoci-{name}:modified"
    cenv.skopeo("copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", server.creds,
                f"oci:{lay}:modified", f"docker://{dst}")
    assert registry_digest(cenv, dst, server.creds) == want

    back = tmp_path / "back"
    pull_and_verify(cenv, server, dst, back, want_digest=want)
    run(["umoci", "unpack", "--image", f"{back}:pulled", tmp_path / "bundle2"])
    assert (tmp_path / "bundle2/rootfs/etc/portcullis-itest").read_text() == "repacked by umoci\n"
    assert not (tmp_path / "bundle2/rootfs/etc/issue.net").exists(), "whiteout not applied"
    shutil.rmtree(tmp_path / "bundle", ignore_errors=True)
    shutil.rmtree(tmp_path / "bundle2", ignore_errors=True)


# ------------------------------------------------------------------------ access rules
@pytest.mark.portcullis_only
def test_library_pulls_are_anonymous(server, images, cenv, tmp_path):
    """Images of the public project `library` (library/x and one-component names) pull
    without credentials; a private project's do not."""
    want = images.digest("debian-base")
    push_layout(cenv, server, images, "debian-base", "library/itest-base")
    push_layout(cenv, server, images, "debian-base", "itest-single")
    anon = server.anon
    for repo in ("library/itest-base", "itest-single"):
        r = anon.get_manifest(repo, "latest")
        assert r.status == 200, f"anonymous GET manifest of {repo}: {r}"
        assert sha256(r.body) == want
        layer = json.loads(r.body)["layers"][0]["digest"]
        st, _, got, _ = anon.get_stream_digest(f"/v2/{repo}/blobs/{layer}", auth=False)
        assert (st, got) == (200, layer), f"anonymous blob GET of {repo}"
    # a real client without any credentials
    cenv.skopeo("copy", "--quiet", "--src-tls-verify=false",
                f"docker://{server.addr}/library/itest-base:latest", f"oci:{tmp_path / 'anon'}:x")
    ocitool_verify(tmp_path / "anon")
    assert layout_entry(tmp_path / "anon", "x")["digest"] == want

    push_layout(cenv, server, images, "debian-base", "itest-private/base")
    r = anon.get_manifest("itest-private/base", "latest")
    assert r.status == 401, f"anonymous pull of a private project's image: {r}"
    assert r.header("www-authenticate", "").lower().startswith("basic")
    p = cenv.skopeo("inspect", "--raw", "--tls-verify=false",
                    f"docker://{server.addr}/itest-private/base:latest", check=False)
    assert p.returncode != 0, "skopeo read a private image without credentials"


def test_writes_need_credentials(server, images, cenv):
    """GET /v2/ challenges; pushes and deletes without (valid) credentials are refused and
    leave nothing behind."""
    anon, reg = server.anon, server.registry
    r = anon.ping(auth=False)
    assert r.status == 401
    challenge = r.header("www-authenticate", "")
    assert challenge.lower().startswith("basic "), f"challenge: {challenge!r}"
    assert f'realm="{server.realm}"' in challenge, f"challenge: {challenge!r}"
    assert reg.ping().status == 200
    wrong = server.registry.with_auth("admin", "wrong-" + server.password)
    assert wrong.ping().status == 401

    for repo in ("itest/noauth", "library/noauth", "noauth"):
        for who in (anon, wrong):
            r = who.start_upload(repo)
            assert r.status == 401, f"upload start to {repo} without valid credentials: {r}"
            assert r.header("www-authenticate", "").lower().startswith("basic")
        r = anon.put_manifest(repo, "v1", b'{"schemaVersion":2}')
        assert r.status == 401, f"manifest PUT without credentials: {r}"
        p = cenv.skopeo("copy", "--quiet", "--dest-tls-verify=false",
                        f"oci:{images.layout('debian-base')}:latest",
                        f"docker://{server.addr}/{repo}:latest", check=False)
        assert p.returncode != 0, f"skopeo pushed to {repo} without credentials"
        assert reg.get_manifest(repo, "latest").status == 404

    push_layout(cenv, server, images, "debian-base", "itest/keep")
    digest = images.digest("debian-base")
    assert anon.delete_manifest("itest/keep", digest).status == 401
    assert wrong.delete_manifest("itest/keep", digest).status == 401
    assert reg.get_manifest("itest/keep", "latest").status == 200


# ------------------------------------------------------------------------ shared scripts
def _shared_script(server, images, tmp_path, script, *args, timeout=900):
    env = dict(os.environ)
    env.update({"REGISTRY_ADDR": server.addr, "REGISTRY_USER": server.user,
                "REGISTRY_PASSWORD": server.password, "WORK_DIR": str(tmp_path / "work"),
                "OUT_DIR": str(images.out)})
    env.pop("REGISTRY_HTPASSWD", None)
    p = subprocess.run(["bash", str(support.TESTIMAGES / script), *args], capture_output=True,
                       text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    out = p.stdout + p.stderr
    counts = re.findall(r"^(\d+) passed, (\d+) failed$", p.stdout, re.M)
    assert counts, f"{script} printed no summary (exit {p.returncode}):\n{out[-6000:]}"
    passed, failed = map(int, counts[-1])
    bad = "\n".join(l for l in p.stdout.splitlines() if l.startswith("FAIL"))
    log = tmp_path / "work" / "clients" / "matrix.log"
    detail = log.read_text(errors="replace")[-8000:] if log.exists() else ""
    assert failed == 0 and p.returncode == 0, f"{script}: {failed} failed\n{bad}\n{detail}"
    assert passed > 0
    return p.stdout


def test_client_matrix(server, images, tmp_path):
    """shared/testimages/client-matrix.sh (skopeo, podman, buildah, ctr, umoci, docker
    manifest, curl) against portcullis with credentials: 0 failed."""
    require_tools("skopeo", "jq", "curl")
    _shared_script(server, images, tmp_path, "client-matrix.sh")


def test_curl_api_smoke(server, images, tmp_path):
    """shared/testimages/curl-api-smoke.sh: the raw Distribution API walk-through."""
    require_tools("jq", "curl")
    _shared_script(server, images, tmp_path, "curl-api-smoke.sh", "itest/curl-smoke",
                   timeout=300)
