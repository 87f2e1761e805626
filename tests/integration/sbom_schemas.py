"""The published JSON schemas of CycloneDX 1.5 and SPDX 2.3, for validating the
documents `portcullis sbom` writes.

The schemas come from pinned npm packages, fetched once with `npm pack` into a
cache directory (PORTCULLIS_SCHEMA_CACHE, default ~/.cache/portcullis-schemas).
Validation itself never touches the network: every $ref is resolved from the
cache, and a $ref to anything else is an error rather than a download.

CycloneDX: @cyclonedx/cyclonedx-library ships bom-1.5 and the two schemas it
references (the SPDX licence-id enum and JSF signatures) in res/schema/.

SPDX 2.3: no npm package we could find ships the official schema
(spdx/spdx-spec schemas/spdx-schema.json, $id http://spdx.org/rdf/terms/2.3).
PORTCULLIS_SPDX_SCHEMA may name a local copy of that file; it is checked to
be the official one ($id, title, SHA-256) before use. Without it,
spdx_schema_available() is False and validate_spdx() raises SchemaUnavailable.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import urljoin

import jsonschema

CYCLONEDX_PACKAGE = "@cyclonedx/cyclonedx-library"
CYCLONEDX_VERSION = "10.3.0"
# dist.integrity of that version on the npm registry; `npm pack` checks the
# download against it too, this guards the cache.
CYCLONEDX_INTEGRITY = ("sha512-RIT28sp1U0PCHaaeF3yNRwk6Jig/XJ8UsYAVOMYaHQ+0VVOvsjcp0PTWQFLUq"
                       "JFF8XMud+Kdq6G+wtDAh+QJFA==")
CYCLONEDX_FILES = ("bom-1.5.SNAPSHOT.schema.json", "spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json")

SPDX_ID = "http://spdx.org/rdf/terms/2.3"
SPDX_TITLE = "SPDX 2.3"
# The official file at spdx-spec tag v2.3 (as several projects that vendor it record).
SPDX_SHA256 = "239208b7ac287b3cf5d9a9af23f9d69863971102a5e1587a27a398b43490b89b"


class SchemaUnavailable(Exception):
    """A schema could not be had (npm unreachable, no SPDX schema configured)."""


def cache_dir() -> Path:
    return Path(os.environ.get("PORTCULLIS_SCHEMA_CACHE") or Path.home() / ".cache" / "portcullis-schemas")


def _npm_fetch(package: str, version: str, integrity: str) -> Path:
    """The unpacked `package/` folder of package@version, fetched on first use."""
    dest = cache_dir() / f"{package.replace('/', '+')}-{version}"
    if (dest / "package" / "package.json").is_file():
        return dest / "package"
    npm = shutil.which("npm")
    if npm is None:
        raise SchemaUnavailable("npm is not installed; needed once to fetch the schemas")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        r = subprocess.run([npm, "pack", f"{package}@{version}", "--json", "--pack-destination", tmp],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise SchemaUnavailable(f"npm pack {package}@{version} failed: {r.stderr.strip()[-500:]}")
        info = json.loads(r.stdout)[0]
        if info.get("integrity") != integrity:
            raise SchemaUnavailable(f"{package}@{version}: integrity {info.get('integrity')} != pinned {integrity}")
        staging = Path(tmp) / "unpacked"
        with tarfile.open(Path(tmp) / info["filename"]) as tar:
            for member in tar.getmembers():  # a tarball from the registry is still input: no escapes
                if member.name.startswith("/") or ".." in Path(member.name).parts or not (member.isfile() or member.isdir()):
                    raise SchemaUnavailable(f"{package}@{version}: unexpected tar entry {member.name}")
            tar.extractall(staging)
        if dest.exists():  # a partial earlier fetch
            shutil.rmtree(dest)
        os.replace(staging, dest)
    return dest / "package"


def _patch_extras_msg():
    """jsonschema before 4.18 (Debian 12 has 4.10) sorts the extra items of an
    additionalItems error to word its message, which raises TypeError when they
    are objects: exactly what CycloneDX's licenseChoice oneOf meets with two or
    more licences. Word the message without sorting; validity is unchanged."""
    import jsonschema._validators as v

    def extras_msg(extras):
        return ", ".join(repr(e) for e in extras), "was" if len(extras) == 1 else "were"

    if hasattr(v, "extras_msg"):
        v.extras_msg = extras_msg


_patch_extras_msg()


def _no_network(uri):
    raise jsonschema.RefResolutionError(f"schema $ref {uri} is not in the local cache (validation never downloads)")


def _validator(root: dict, others: list):
    """A draft-07 validator for `root` whose $refs resolve only among `others`,
    under their own $id and under the name `root` refers to them by."""
    store = {}
    for doc, ref_name in others:
        store[doc["$id"]] = doc
        store[urljoin(root["$id"], ref_name)] = doc
    store[root["$id"]] = root
    resolver = jsonschema.RefResolver(root["$id"], root, store=store, handlers={"http": _no_network, "https": _no_network})
    cls = jsonschema.Draft7Validator
    cls.check_schema(root)
    return cls(root, resolver=resolver, format_checker=cls.FORMAT_CHECKER)


_cache = {}


def cyclonedx_validator():
    if "cdx" not in _cache:
        pkg = _npm_fetch(CYCLONEDX_PACKAGE, CYCLONEDX_VERSION, CYCLONEDX_INTEGRITY)
        schemas = [json.loads((pkg / "res" / "schema" / f).read_text(encoding="utf-8")) for f in CYCLONEDX_FILES]
        bom, spdx, jsf = schemas
        assert bom["$id"] == "http://cyclonedx.org/schema/bom-1.5.schema.json", bom["$id"]
        _cache["cdx"] = _validator(bom, [(spdx, CYCLONEDX_FILES[1]), (jsf, CYCLONEDX_FILES[2])])
    return _cache["cdx"]


def spdx_schema_path():
    p = os.environ.get("PORTCULLIS_SPDX_SCHEMA")
    return Path(p) if p else None


def spdx_schema_available() -> bool:
    p = spdx_schema_path()
    return p is not None and p.is_file()


def spdx_validator():
    if "spdx" not in _cache:
        p = spdx_schema_path()
        if p is None or not p.is_file():
            raise SchemaUnavailable("no npm package ships the official SPDX 2.3 JSON schema; "
                                    "set PORTCULLIS_SPDX_SCHEMA to a copy of spdx-spec v2.3 schemas/spdx-schema.json")
        raw = p.read_bytes()
        schema = json.loads(raw)
        if schema.get("$id") != SPDX_ID or schema.get("title") != SPDX_TITLE:
            raise SchemaUnavailable(f"{p} is not the SPDX 2.3 schema ($id {schema.get('$id')}, title {schema.get('title')})")
        digest = hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()
        if digest != SPDX_SHA256:
            raise SchemaUnavailable(f"{p}: sha256 {digest} is not the official v2.3 file's {SPDX_SHA256}")
        _cache["spdx"] = _validator(schema, [])
    return _cache["spdx"]


def _check(validator, doc, what):
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}" for e in errors[:20]]
        raise AssertionError(f"{what} document is not schema-valid ({len(errors)} errors):\n" + "\n".join(lines))


def validate_cyclonedx(doc: dict) -> None:
    """Raises AssertionError listing the violations of the CycloneDX 1.5 schema."""
    _check(cyclonedx_validator(), doc, "CycloneDX 1.5")


def validate_spdx(doc: dict) -> None:
    """Raises AssertionError listing the violations of the SPDX 2.3 schema;
    SchemaUnavailable when no official SPDX 2.3 schema is configured."""
    _check(spdx_validator(), doc, "SPDX 2.3")
