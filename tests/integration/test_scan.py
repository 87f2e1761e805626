"""`portcullis db build` + `portcullis scan` as a CI pipeline uses them: a database
built from the advisory fixtures, the real test images, exit codes by severity,
ignore files with expiry, and clear errors."""
import datetime
import json
import os
import subprocess

import pytest

pytestmark = pytest.mark.portcullis_only

# The GitHub advisories of the fixtures that apply to the versions node-app
# installs (its package-lock.json pins lodash 4.17.15, minimist 1.2.0, axios
# 0.21.0, node-fetch 2.6.0, json5 1.0.1, semver 5.7.1, moment 2.29.1, express
# 4.17.1). GHSA-jf85-cpcp-j695 (lodash < 4.17.12) does not apply.
NODE_APP_EXPECTED = {
    ("GHSA-29mw-wpgm-hmr9", "lodash"), ("GHSA-35jh-r3h4-6jhm", "lodash"), ("GHSA-p6mc-m468-83gw", "lodash"),
    ("GHSA-vh95-rmgr-6w4m", "minimist"), ("GHSA-xvch-5gv4-984h", "minimist"),
    ("GHSA-wf5p-g6vw-rhxx", "axios"), ("GHSA-r683-j2x4-v87g", "node-fetch"), ("GHSA-9c47-m6qq-7p4h", "json5"),
    ("GHSA-c2qf-rxjj-qqgw", "semver"), ("GHSA-8hfj-j24r-96c4", "moment"), ("GHSA-wc69-rhjr-hc9g", "moment"),
    ("GHSA-rv95-896h-c2vc", "express"), ("GHSA-qw6h-vgh9-j6wx", "express"),
}


def run(binary, *args, check_rc=None, timeout=300):
    p = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if check_rc is not None:
        assert p.returncode == check_rc, f"{args} exited {p.returncode}:\n{p.stderr}"
    return p


@pytest.fixture(scope="module")
def osv_db(portcullis_binary, shared_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "advisories.db"
    run(portcullis_binary, "db", "build", "--source", f"osv={shared_dir / 'fixtures/vulndata/osv'}",
        "--output", path, check_rc=0)
    return path


def scan_json(binary, image, db, *args, rc=None):
    p = run(binary, "scan", image, "--db", db, "--format", "json", "--no-cache", "-q", *args, check_rc=rc)
    return p, json.loads(p.stdout)


def test_db_info_describes_the_database(portcullis_binary, osv_db):
    p = run(portcullis_binary, "db", "info", "--db", osv_db, check_rc=0)
    assert "schema:     1" in p.stdout
    assert "source:     osv" in p.stdout
    advisories = int(next(l for l in p.stdout.splitlines() if l.startswith("advisories:")).split()[1])
    assert advisories >= 40


def test_node_app_gets_exactly_the_advisories_that_apply(portcullis_binary, images, osv_db):
    p, report = scan_json(portcullis_binary, f"oci:{images.layout('node-app')}:latest", osv_db, rc=0)
    found = {(f["id"], f["package"]["name"]) for f in report["findings"]}
    assert found == NODE_APP_EXPECTED
    lodash = next(f for f in report["findings"] if f["id"] == "GHSA-35jh-r3h4-6jhm")
    assert lodash["installed_version"] == "4.17.15" and lodash["fixed_versions"] == ["4.17.21"]
    assert lodash["severity"] == "high" and lodash["feed"] == "osv"
    assert report["database"]["built_at"]
    assert report["counts"]["critical"] == 1  # minimist GHSA-xvch-5gv4-984h


def test_fail_on_sets_the_exit_code(portcullis_binary, images, osv_db):
    image = f"oci:{images.layout('node-app')}:latest"
    assert run(portcullis_binary, "scan", image, "--db", osv_db, "-q", "--fail-on", "critical").returncode == 1
    assert run(portcullis_binary, "scan", image, "--db", osv_db, "-q", "--fail-on", "high").returncode == 1
    assert run(portcullis_binary, "scan", image, "--db", osv_db, "-q").returncode == 0
    # debian-app has no language packages and the OSV fixtures name no bookworm package.
    assert run(portcullis_binary, "scan", f"oci:{images.layout('debian-app')}:latest", "--db", osv_db, "-q",
               "--fail-on", "low").returncode == 0


def test_an_ignore_file_suppresses_until_its_entries_expire(portcullis_binary, images, osv_db, tmp_path):
    image = f"oci:{images.layout('node-app')}:latest"
    today = datetime.date.today()
    ignore = tmp_path / "ignore"
    ignore.write_text(f"# accepted\nGHSA-xvch-5gv4-984h exp:{today + datetime.timedelta(days=30)} # minimist, not reachable\n")
    p, report = scan_json(portcullis_binary, image, osv_db, "--ignore-file", ignore, "--fail-on", "critical", rc=0)
    assert "GHSA-xvch-5gv4-984h" not in {f["id"] for f in report["findings"]}
    suppressed = {s["id"]: s["suppressed_by"] for s in report["suppressed"]}
    assert suppressed == {"GHSA-xvch-5gv4-984h": "ignore file line 2: minimist, not reachable"}
    # Expired yesterday: it applies no more.
    ignore.write_text(f"GHSA-xvch-5gv4-984h exp:{today - datetime.timedelta(days=1)}\n")
    p, report = scan_json(portcullis_binary, image, osv_db, "--ignore-file", ignore, "--fail-on", "critical", rc=1)
    assert "GHSA-xvch-5gv4-984h" in {f["id"] for f in report["findings"]}
    assert report["suppressed"] == []


def test_bad_input_is_exit_2_with_a_clear_message(portcullis_binary, images, osv_db, tmp_path):
    image = f"oci:{images.layout('node-app')}:latest"
    p = run(portcullis_binary, "scan", image, "--db", tmp_path / "missing.db")
    assert p.returncode == 2 and "advisory database" in p.stderr and "db build" in p.stderr
    not_db = tmp_path / "not.db"
    not_db.write_text("hello")
    p = run(portcullis_binary, "scan", image, "--db", not_db)
    assert p.returncode == 2 and "not an advisory database" in p.stderr
    p = run(portcullis_binary, "scan", image, "--db", osv_db, "--fail-on", "severe")
    assert p.returncode == 2 and "--fail-on" in p.stderr
    bad_ignore = tmp_path / "bad-ignore"
    bad_ignore.write_text("CVE-1 until:tomorrow\n")
    p = run(portcullis_binary, "scan", image, "--db", osv_db, "--ignore-file", bad_ignore)
    assert p.returncode == 2 and "line 1" in p.stderr
    p = run(portcullis_binary, "scan", f"oci:{tmp_path}/none", "--db", osv_db, "--no-cache")
    assert p.returncode == 2


def test_a_failed_build_leaves_the_previous_database(portcullis_binary, shared_dir, osv_db, tmp_path):
    target = tmp_path / "adv.db"
    run(portcullis_binary, "db", "build", "--source", f"osv={shared_dir / 'fixtures/vulndata/osv/ghsa-npm'}",
        "--output", target, check_rc=0)
    before = target.read_bytes()
    truncated = tmp_path / "all.zip"
    subprocess.run(["python3", "-c", f"""
import zipfile, pathlib
with zipfile.ZipFile({str(tmp_path / 'full.zip')!r}, 'w') as z:
    for f in sorted(pathlib.Path({str(shared_dir / 'fixtures/vulndata/osv/ghsa-npm')!r}).glob('*.json')):
        z.write(f, f.name)
"""], check=True)
    data = (tmp_path / "full.zip").read_bytes()
    truncated.write_bytes(data[:len(data) // 2])
    p = run(portcullis_binary, "db", "build", "--source", f"osv={truncated}", "--output", target)
    assert p.returncode == 1 and "previous database is unchanged" in p.stderr
    assert target.read_bytes() == before
    assert [f for f in os.listdir(tmp_path) if f.startswith("adv.db") and f != "adv.db"] == []
    p = run(portcullis_binary, "db", "build", "--source", "nvd=/x", "--output", target)
    assert p.returncode == 2 and "KIND=PATH" in p.stderr
