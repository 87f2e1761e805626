"""`portcullis sbom` writes CycloneDX 1.5 and SPDX 2.3 documents that validate
against the published schemas (sbom_schemas.py) and list the packages of a
root filesystem built here from real fixture files: a dpkg status database,
a Debian 12 os-release, an npm lockfile and a Python wheel's METADATA."""

import json
import re
import shutil
import subprocess

import pytest

import sbom_schemas
from support import SHARED, require

FIXTURES = SHARED / "fixtures"
# Where each fixture goes in the root filesystem, and packages it must yield.
ROOTFS = {
    "etc/os-release": "osrelease/claircore-debian/dist/12/etc/os-release",
    "var/lib/dpkg/status": "pkgdb/dpkg/claircore/postgresql.status",
    "srv/app/package-lock.json": "lang/npm/old-deps/package-lock.json",
    "usr/lib/python3/dist-packages/zipp-3.12.1.dist-info/METADATA": "lang/python/trivy-metadata/zipp-3.12.1.METADATA",
}
EXPECTED = {  # name -> purl prefix
    "postgresql-client-11": "pkg:deb/debian/postgresql-client-11@11.22-0%2Bdeb10u2?arch=amd64&distro=debian-12",
    "zipp": "pkg:pypi/zipp@3.12.1",
    "axios": "pkg:npm/axios@",
}


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory):
    missing = [src for src in ROOTFS.values() if not (FIXTURES / src).is_file()]
    require(not missing, f"fixtures missing under {FIXTURES}: {missing}")
    root = tmp_path_factory.mktemp("sbom-rootfs")
    for dest, src in ROOTFS.items():
        (root / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / src, root / dest)
    return root


def run_sbom(binary, rootfs, fmt, out):
    r = subprocess.run([str(binary), "sbom", f"dir:{rootfs}", "--format", fmt, "--output", str(out), "--no-cache", "-q"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"portcullis sbom --format {fmt} exited {r.returncode}: {r.stderr}"
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cyclonedx(portcullis_binary, rootfs, tmp_path_factory):
    return run_sbom(portcullis_binary, rootfs, "cyclonedx-json", tmp_path_factory.mktemp("cdx") / "bom.json")


@pytest.fixture(scope="module")
def spdx(portcullis_binary, rootfs, tmp_path_factory):
    return run_sbom(portcullis_binary, rootfs, "spdx-json", tmp_path_factory.mktemp("spdx") / "bom.spdx.json")


def test_cyclonedx_validates_against_bom_1_5_schema(cyclonedx):
    try:
        sbom_schemas.cyclonedx_validator()
    except sbom_schemas.SchemaUnavailable as e:
        require(False, str(e))
    sbom_schemas.validate_cyclonedx(cyclonedx)


def test_cyclonedx_lists_the_packages(cyclonedx):
    assert cyclonedx["specVersion"] == "1.5"
    assert cyclonedx["metadata"]["component"]["type"] == "container"
    comps = cyclonedx["components"]
    os_comps = [c for c in comps if c["type"] == "operating-system"]
    assert [c["name"] for c in os_comps] == ["debian"]
    by_name = {}
    for c in comps:
        by_name.setdefault(c["name"], []).append(c)
    for name, purl in EXPECTED.items():
        assert name in by_name, f"{name} missing from {sorted(by_name)}"
        assert any(c["purl"].startswith(purl) for c in by_name[name]), [c["purl"] for c in by_name[name]]
    refs = [c["bom-ref"] for c in comps]
    assert len(refs) == len(set(refs))
    assert set(cyclonedx["dependencies"][0]["dependsOn"]) == set(refs)


def test_spdx_structure_and_packages(spdx):
    # What the SPDX 2.3 schema and specification require, checked even where
    # the official schema file is not at hand (see sbom_schemas.py).
    for key in ("SPDXID", "creationInfo", "dataLicense", "name", "spdxVersion", "documentNamespace"):
        assert key in spdx
    assert spdx["spdxVersion"] == "SPDX-2.3" and spdx["dataLicense"] == "CC0-1.0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", spdx["creationInfo"]["created"])
    assert spdx["creationInfo"]["creators"][0].startswith("Tool: portcullis-")
    ids = [p["SPDXID"] for p in spdx["packages"]]
    assert all(re.fullmatch(r"SPDXRef-[A-Za-z0-9.-]+", i) for i in ids), ids
    assert len(ids) == len(set(ids))
    known = set(ids) | {"SPDXRef-DOCUMENT"}
    for rel in spdx["relationships"]:
        assert rel["relationshipType"] in ("DESCRIBES", "CONTAINS")
        assert rel["spdxElementId"] in known and rel["relatedSpdxElement"] in known
    defined = {e["licenseId"] for e in spdx.get("hasExtractedLicensingInfos", [])}
    for p in spdx["packages"]:
        for ref in re.findall(r"LicenseRef-[A-Za-z0-9.-]+", p["licenseDeclared"]):
            assert ref in defined, f"{p['name']}: {ref} is not defined"
    purls = {p["name"]: [r["referenceLocator"] for r in p.get("externalRefs", []) if r["referenceType"] == "purl"]
             for p in spdx["packages"]}
    for name, purl in EXPECTED.items():
        assert name in purls, f"{name} missing"
        assert any(u.startswith(purl) for u in purls[name]), purls[name]


def test_spdx_validates_against_spdx_2_3_schema(spdx):
    if not sbom_schemas.spdx_schema_available():
        pytest.skip("no npm package ships the official SPDX 2.3 JSON schema; set PORTCULLIS_SPDX_SCHEMA "
                    "to spdx-spec v2.3 schemas/spdx-schema.json to run this (structure is checked above)")
    sbom_schemas.validate_spdx(spdx)
