"""`portcullis sbom` on the real test images, checked the way a user would check
it: against dpkg-query on the same root filesystem, against the image's own
package-lock.json, and on derived images whose upper layer deletes things."""
import hashlib
import json
import os
import pty
import shutil
import subprocess
from pathlib import Path

import pytest

import layouts
import support

pytestmark = pytest.mark.portcullis_only

DPKG_FORMAT = "${Package}\\t${Version}\\t${source:Package}\\t${source:Version}\\t${Architecture}\\t${db:Status-Abbrev}\\n"


def sbom(binary, image, *args, cache_dir=None, check=True, timeout=300):
    env = dict(os.environ)
    if cache_dir is not None:
        env["PORTCULLIS_CACHE_DIR"] = str(cache_dir)
    p = subprocess.run([str(binary), "sbom", image, *args], capture_output=True, text=True, timeout=timeout,
                       env=env, stdin=subprocess.DEVNULL)
    if check:
        assert p.returncode == 0, f"sbom {image} exited {p.returncode}:\n{p.stderr}"
    return p


def inventory(binary, image, *args, cache_dir=None):
    p = sbom(binary, image, "--format", "json", "--no-cache" if cache_dir is None else "--quiet", *args,
             cache_dir=cache_dir)
    return json.loads(p.stdout)


def deb_rows(inv):
    return sorted((p["name"], p["version"], p["source_name"], p["source_version"], p["arch"])
                  for p in inv["packages"] if p["ecosystem"] == "deb")


def unpack(layout: Path, dest: Path) -> Path:
    support.require_tools("umoci")
    subprocess.run(["umoci", "unpack", "--rootless", "--image", f"{layout}:latest", str(dest)], check=True,
                   capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
    return dest / "rootfs"


def dpkg_query_rows(rootfs: Path):
    out = subprocess.run(["dpkg-query", f"--admindir={rootfs}/var/lib/dpkg", "-W", "-f", DPKG_FORMAT],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    rows = []
    for line in out.splitlines():
        name, version, src, src_version, arch, status = line.split("\t")
        if status.startswith(("rc", "un", "pn")):  # not installed: config files left, or unknown
            continue
        rows.append((name, version, src, src_version, arch))
    return sorted(rows)


def test_debian_app_inventory_equals_dpkg_query(portcullis_binary, images, tmp_path):
    rootfs = unpack(images.layout("debian-app"), tmp_path / "bundle")
    expected = dpkg_query_rows(rootfs)
    assert len(expected) > 150
    inv = inventory(portcullis_binary, f"oci:{images.layout('debian-app')}:latest")
    assert deb_rows(inv) == expected
    assert inv["os"]["family"] == "debian" and inv["os"]["release"] == "12"
    # The unpacked tree read in place gives the same list.
    assert deb_rows(inventory(portcullis_binary, f"dir:{rootfs}")) == expected


def test_every_package_records_where_it_was_found(portcullis_binary, images):
    layout = images.layout("debian-app")
    inv = inventory(portcullis_binary, f"oci:{layout}:latest")
    _, manifest = layouts.manifest_of(layout)
    config = json.loads((layout / "blobs" / "sha256" / manifest["config"]["digest"][7:]).read_bytes())
    diff_ids = config["rootfs"]["diff_ids"]
    assert [l["diff_id"] for l in inv["layers"]] == diff_ids
    by_name = {p["name"]: p for p in inv["packages"]}
    # Base packages come from the first layer's database, the app's from the second
    # (whose rewritten status file lists them all: the newest file wins).
    assert by_name["curl"]["layer"] == diff_ids[1]
    assert all(p["path"] == "var/lib/dpkg/status" for p in inv["packages"] if p["ecosystem"] == "deb")
    assert by_name["curl"]["purl"].startswith("pkg:deb/debian/curl@")
    assert "distro=debian-12" in by_name["curl"]["purl"]


def test_node_app_lists_every_package_of_its_lock_file(portcullis_binary, images, shared_dir):
    lock = json.loads((shared_dir / "testimages" / "node-app" / "package-lock.json").read_text())
    expected = {}
    for key, entry in lock["packages"].items():
        if not key or entry.get("link"):
            continue
        name = entry.get("name") or key.rsplit("node_modules/", 1)[1]
        expected.setdefault(name, set()).add(entry["version"])
    assert {"lodash", "minimist", "axios", "express"} <= expected.keys()
    inv = inventory(portcullis_binary, f"oci:{images.layout('node-app')}:latest")
    found = {}
    for p in inv["packages"]:
        if p["ecosystem"] == "npm":
            found.setdefault(p["name"], set()).add(p["version"])
    missing = {n: v for n, v in expected.items() if not v <= found.get(n, set())}
    assert not missing, f"packages of package-lock.json missing or with other versions: {missing}"
    lodash = next(p for p in inv["packages"] if p["name"] == "lodash")
    assert lodash["purl"] == f"pkg:npm/lodash@{lodash['version']}"


def test_an_upper_layer_that_deletes_the_package_database_removes_its_packages(portcullis_binary, images, tmp_path):
    derived = layouts.stack_layer(images.layout("debian-app"), tmp_path / "no-dpkg",
                                  layouts.layer_tar([("var/lib/dpkg/.wh.status", b"")]))
    inv = inventory(portcullis_binary, f"oci:{derived}:latest")
    assert deb_rows(inv) == []
    assert inv["os"]["family"] == "debian"  # the release file is still there


def test_an_upper_layer_that_rewrites_the_database_shows_the_removal(portcullis_binary, images, tmp_path):
    rootfs = unpack(images.layout("debian-app"), tmp_path / "bundle")
    status = (rootfs / "var/lib/dpkg/status").read_text()
    kept = [p for p in status.split("\n\n") if p.strip() and not p.startswith("Package: curl\n")]
    assert len(kept) < len(status.split("\n\n"))
    derived = layouts.stack_layer(images.layout("debian-app"), tmp_path / "no-curl",
                                  layouts.layer_tar([("var/lib/dpkg/status", ("\n\n".join(kept) + "\n").encode())]))
    names = {r[0] for r in deb_rows(inventory(portcullis_binary, f"oci:{derived}:latest"))}
    assert "curl" not in names and "libcurl4" in names


def test_an_upper_layer_that_deletes_a_packages_files_removes_it(portcullis_binary, images, tmp_path):
    base = inventory(portcullis_binary, f"oci:{images.layout('node-app')}:latest")
    npm = [p for p in base["packages"] if p["ecosystem"] == "npm"]
    lodash = next(p for p in npm if p["name"] == "lodash")
    app_dir = lodash["path"].split("node_modules/")[0].rstrip("/")
    derived = layouts.stack_layer(images.layout("node-app"), tmp_path / "no-lodash",
                                  layouts.layer_tar([(f"{app_dir}/node_modules/.wh.lodash", b"")]))
    inv = inventory(portcullis_binary, f"oci:{derived}:latest")
    names = {p["name"] for p in inv["packages"] if p["ecosystem"] == "npm"}
    assert "lodash" not in names
    assert names == {p["name"] for p in npm} - {"lodash"}

    # An opaque node_modules hides every lower package; the layer's own new one stays.
    fresh = json.dumps({"name": "fresh-pkg", "version": "1.0.0", "license": "MIT"}).encode()
    derived = layouts.stack_layer(images.layout("node-app"), tmp_path / "opaque",
                                  layouts.layer_tar([(f"{app_dir}/node_modules/.wh..wh..opq", b""),
                                                     (f"{app_dir}/node_modules/fresh-pkg/package.json", fresh)]))
    inv = inventory(portcullis_binary, f"oci:{derived}:latest")
    names = {p["name"] for p in inv["packages"] if p["ecosystem"] == "npm"}
    assert names == {"fresh-pkg"}


def test_docker_archive_gives_the_same_inventory(portcullis_binary, images, tmp_path):
    support.require_tools("skopeo")
    archive = tmp_path / "debian-app.tar"
    subprocess.run(["skopeo", "copy", f"oci:{images.layout('debian-app')}:latest",
                    f"docker-archive:{archive}:test/debian-app:1"], check=True, capture_output=True, timeout=300)
    from_oci = inventory(portcullis_binary, f"oci:{images.layout('debian-app')}:latest")
    from_archive = inventory(portcullis_binary, f"docker-archive:{archive}")
    assert deb_rows(from_archive) == deb_rows(from_oci)
    assert [l["diff_id"] for l in from_archive["layers"]] == [l["diff_id"] for l in from_oci["layers"]]
    assert from_archive["repo_tags"] == ["docker.io/test/debian-app:1"]  # as skopeo names it
    named = inventory(portcullis_binary, f"docker-archive:{archive}:test/debian-app:1")
    assert named["config_digest"] == from_oci["config_digest"]
    p = sbom(portcullis_binary, f"docker-archive:{archive}:other:2", "--no-cache", check=False)
    assert p.returncode == 1 and 'no image "other:2"' in p.stderr
    assert from_archive["config_digest"] == from_oci["config_digest"]


def test_a_multi_platform_image_is_read_for_the_platform_asked(portcullis_binary, images):
    layout = images.layout("multiarch")
    arm = inventory(portcullis_binary, f"oci:{layout}", "--platform", "linux/arm64/v8")
    amd = inventory(portcullis_binary, f"oci:{layout}", "--platform", "linux/amd64")
    assert arm["platform"] == "linux/arm64/v8" and amd["platform"] == "linux/amd64"
    assert arm["manifest_digest"] != amd["manifest_digest"]
    p = sbom(portcullis_binary, f"oci:{layout}", "--platform", "linux/s390x", "--no-cache", check=False)
    assert p.returncode == 1
    assert "no image for platform linux/s390x" in p.stderr and "linux/arm64" in p.stderr


def test_cached_layers_are_not_read_again(portcullis_binary, images, tmp_path):
    layout = shutil.copytree(images.layout("debian-app"), tmp_path / "app")
    cache = tmp_path / "cache"
    first = inventory(portcullis_binary, f"oci:{layout}:latest", cache_dir=cache)
    assert (cache / "cache.db").is_file()
    for i in range(len(first["layers"])):
        layouts.layer_blob_path(layout, i).unlink()
    second = inventory(portcullis_binary, f"oci:{layout}:latest", cache_dir=cache)
    assert second == first
    p = sbom(portcullis_binary, f"oci:{layout}:latest", "--no-cache", check=False)
    assert p.returncode == 1 and "No such file" in p.stderr


def test_damaged_layers_give_clear_errors(portcullis_binary, images, tmp_path):
    src = images.layout("debian-base")
    blob = layouts.layer_blob_path(src, 0).read_bytes()
    cases = {
        "corrupt": blob[:len(blob) // 2] + bytes(b ^ 0x55 for b in blob[len(blob) // 2:len(blob) // 2 + 4096])
        + blob[len(blob) // 2 + 4096:],
        "truncated": blob[:len(blob) // 3],
        "other-content": __import__("gzip").compress(layouts.layer_tar([("etc/x", b"x")]), mtime=0),
    }
    for name, data in cases.items():
        layout = shutil.copytree(src, tmp_path / name)
        layouts.replace_layer_blob(layout, 0, data)
        p = sbom(portcullis_binary, f"oci:{layout}:latest", "--no-cache", check=False)
        assert p.returncode == 1, (name, p.stderr)
        assert "layer 1 (sha256:" in p.stderr, p.stderr
        if name == "corrupt":
            assert "gzip" in p.stderr
        if name == "truncated":
            assert "truncated" in p.stderr
        if name == "other-content":
            assert "diff_id" in p.stderr


def test_a_malformed_package_database_is_a_warning(portcullis_binary, images, tmp_path):
    # A paragraph without a Version is skipped; the rest of the database counts.
    derived = layouts.stack_layer(images.layout("debian-base"), tmp_path / "bad-paragraph",
                                  layouts.layer_tar([("var/lib/dpkg/status",
                                                      b"Package: ok\nVersion: 1.0\nStatus: install ok installed\n\n"
                                                      b"Package: broken\nStatus: install ok installed\n\n")]))
    p = sbom(portcullis_binary, f"oci:{derived}:latest", "--format", "json", "--no-cache")
    inv = json.loads(p.stdout)
    assert [r[0] for r in deb_rows(inv)] == ["ok"]
    assert "warning: var/lib/dpkg/status: line 5: package broken has no Version" in p.stderr
    assert inv["warnings"]
    # Binary garbage is not a dpkg database at all: no packages, a warning, exit 0.
    derived = layouts.stack_layer(images.layout("debian-base"), tmp_path / "garbage",
                                  layouts.layer_tar([("var/lib/dpkg/status", b"Package: x\n\xff\xfe\x00\x01garbage")]))
    p = sbom(portcullis_binary, f"oci:{derived}:latest", "--format", "json", "--no-cache")
    assert deb_rows(json.loads(p.stdout)) == []
    assert "not a dpkg status file" in p.stderr


def test_bad_arguments_exit_2(portcullis_binary, tmp_path):
    p = sbom(portcullis_binary, "ftp://example/x", check=False)
    assert p.returncode == 2 and "unknown image source" in p.stderr
    p = sbom(portcullis_binary, f"dir:{tmp_path}", "--format", "xml", check=False)
    assert p.returncode == 2 and "xml" in p.stderr
    p = sbom(portcullis_binary, f"dir:{tmp_path}", "--platform", "amd64", check=False)
    assert p.returncode == 2 and "OS/ARCH" in p.stderr
    p = sbom(portcullis_binary, f"oci:{tmp_path / 'none'}", "--no-cache", check=False)
    assert p.returncode == 1 and "not an OCI image layout" in p.stderr


def test_output_file_and_progress_on_a_terminal(portcullis_binary, images, tmp_path):
    out = tmp_path / "inv.json"
    # stderr on a pseudo-terminal: the progress line is drawn there.
    master, slave = pty.openpty()
    p = subprocess.Popen([str(portcullis_binary), "sbom", f"oci:{images.layout('debian-app')}:latest", "--no-cache",
                          "--format", "json", "--output", str(out)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert p.wait(timeout=300) == 0
    os.close(master)
    shown = b"".join(chunks).decode(errors="replace")
    assert "layer 1/2" in shown and "layer 2/2" in shown
    assert json.loads(out.read_text())["packages"]
    assert not (tmp_path / "inv.json.tmp").exists()
    # Not a terminal: nothing but the document.
    p = sbom(portcullis_binary, f"oci:{images.layout('debian-base')}:latest", "--no-cache")
    assert p.stderr == ""


def test_images_in_the_registry_read_from_its_storage_and_over_the_api(portcullis_binary, images, server, tmp_path):
    """The same image pushed with skopeo: read from the data directory while the server
    runs (registry:), and pulled through the Distribution API (docker://), both equal to
    the layout it came from."""
    from clients import ContainersEnv
    cenv = ContainersEnv(tmp_path / "containers", [server.addr])
    try:
        for name, repo in (("debian-app", "team/app"), ("multiarch", "team/multi")):
            cenv.skopeo("copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false",
                        "--dest-creds", server.creds, f"oci:{images.layout(name)}:latest",
                        f"docker://{server.addr}/{repo}:v1")
    finally:
        cenv.cleanup()
    from_layout = inventory(portcullis_binary, f"oci:{images.layout('debian-app')}:latest")
    stored = inventory(portcullis_binary, "registry:team/app:v1", "--data", str(server.data_dir))
    pulled = inventory(portcullis_binary, f"docker://{server.addr}/team/app:v1", "--creds", server.creds)
    for inv in (stored, pulled):
        assert deb_rows(inv) == deb_rows(from_layout)
        assert inv["manifest_digest"] == from_layout["manifest_digest"]
    by_digest = inventory(portcullis_binary, f"registry:team/app@{from_layout['manifest_digest']}",
                          "--data", str(server.data_dir))
    assert deb_rows(by_digest) == deb_rows(from_layout)
    arm = inventory(portcullis_binary, "registry:team/multi:v1", "--data", str(server.data_dir),
                    "--platform", "linux/arm64/v8")
    assert arm["platform"] == "linux/arm64/v8"
    p = sbom(portcullis_binary, "registry:team/none:v1", "--data", str(server.data_dir), "--no-cache", check=False)
    assert p.returncode == 1 and "no repository team/none" in p.stderr
    p = sbom(portcullis_binary, "registry:team/app:v9", "--data", str(server.data_dir), "--no-cache", check=False)
    assert p.returncode == 1 and "not tagged" in p.stderr
