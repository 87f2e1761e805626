"""Derived OCI image layouts for scanner tests: copy a layout and stack one more
layer on it (a tar built here, whiteouts included), or damage a layer blob.
Stdlib only; the result passes `ocitool.py verify` unless damaged on purpose."""
import gzip
import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path


def _put_blob(layout: Path, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest[7:]).write_bytes(data)
    return digest


def _blob(layout: Path, digest: str) -> bytes:
    return (layout / "blobs" / "sha256" / digest.split(":", 1)[1]).read_bytes()


def manifest_of(layout: Path):
    index = json.loads((layout / "index.json").read_text())
    desc = index["manifests"][0]
    return desc, json.loads(_blob(layout, desc["digest"]))


def layer_tar(entries) -> bytes:
    """entries: list of (path, bytes | None); None = a directory; names starting with
    '.wh.' are whiteouts (empty regular files)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for path, content in entries:
            info = tarfile.TarInfo(path)
            info.mtime = 0
            if content is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                t.addfile(info)
            else:
                info.size = len(content)
                info.mode = 0o644
                t.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def stack_layer(src: Path, dst: Path, tar_bytes: bytes, tag="latest", compress=True) -> Path:
    """dst = src + one layer holding tar_bytes (gzip unless compress=False)."""
    shutil.copytree(src, dst)
    desc, manifest = manifest_of(dst)
    config = json.loads(_blob(dst, manifest["config"]["digest"]))
    blob = gzip.compress(tar_bytes, mtime=0) if compress else tar_bytes
    layer_digest = _put_blob(dst, blob)
    config["rootfs"]["diff_ids"].append("sha256:" + hashlib.sha256(tar_bytes).hexdigest())
    config.setdefault("history", []).append({"created_by": "test layer"})
    config_bytes = json.dumps(config).encode()
    manifest["config"] = {**manifest["config"], "digest": _put_blob(dst, config_bytes), "size": len(config_bytes)}
    manifest["layers"].append({
        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip" if compress
        else "application/vnd.oci.image.layer.v1.tar",
        "digest": layer_digest, "size": len(blob)})
    manifest_bytes = json.dumps(manifest).encode()
    index = {"schemaVersion": 2, "manifests": [{
        "mediaType": desc["mediaType"], "digest": _put_blob(dst, manifest_bytes), "size": len(manifest_bytes),
        "annotations": {"org.opencontainers.image.ref.name": tag}}]}
    (dst / "index.json").write_text(json.dumps(index))
    return dst


def layer_blob_path(layout: Path, i: int) -> Path:
    _, manifest = manifest_of(layout)
    return layout / "blobs" / "sha256" / manifest["layers"][i]["digest"].split(":", 1)[1]


def replace_layer_blob(layout: Path, i: int, data: bytes):
    """Overwrites layer i's blob file in place (its digest no longer matches: damage)."""
    layer_blob_path(layout, i).write_bytes(data)
