"""Fixtures of the integration tests: the portcullis binary, Server instances on free
loopback ports, the test images, and a Distribution (docker-registry) reference server.
See support.py for the environment variables."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import support  # noqa: E402
from support import Images, Server, TARGET, require, require_tools  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "portcullis_only: tests behaviour Distribution does not have "
        "(skipped with PORTCULLIS_ITEST_TARGET=distribution)")


def pytest_report_header(config):
    return (f"integration target: {TARGET} ({support.portcullis_bin() if TARGET == 'portcullis' else 'docker-registry'}), "
            f"shared: {support.SHARED}, images: {support.images_out_dir()}, CI: {support.IN_CI}")


def pytest_collection_modifyitems(config, items):
    if TARGET == "portcullis":
        return
    for item in items:
        m = item.get_closest_marker("portcullis_only")
        if m is not None:
            why = m.kwargs.get("reason") or "portcullis-only behaviour"
            item.add_marker(pytest.mark.skip(reason=f"target is {TARGET}: {why}"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, show the tail of the log of every server that is running (or was
    started by the failing test)."""
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for s in support.live_servers():
            rep.sections.append((f"{s.flavor} log ({s.log_path})", s.log_tail()))


# ---------------------------------------------------------------- paths and images
@pytest.fixture(scope="session")
def portcullis_binary():
    b = support.portcullis_bin()
    if TARGET == "portcullis":
        require(b.is_file() and os.access(b, os.X_OK),
                f"portcullis binary {b} missing (scripts/build, or set PORTCULLIS_BIN)")
    else:
        require_tools("docker-registry", "htpasswd")
    return b


@pytest.fixture(scope="session")
def shared_dir():
    require(support.TESTIMAGES.is_dir(),
            f"shared folder {support.SHARED} has no testimages/ (set PORTCULLIS_SHARED)")
    return support.SHARED


@pytest.fixture(scope="session")
def images(shared_dir):
    out = support.images_out_dir()
    missing = [n for n in support.IMAGE_NAMES if not (out / n / "index.json").is_file()]
    require(not missing,
            f"test images {', '.join(missing)} missing in {out}: build them with "
            f"{support.TESTIMAGES}/build-all.sh --no-push (or set TESTIMAGES_OUT)")
    return Images(out)


# ---------------------------------------------------------------- servers
def _new_server(base: Path, name, **kw):
    base.mkdir(parents=True, exist_ok=True)
    return Server(base / f"{name}-data", base / f"{name}.log", **kw)


@pytest.fixture
def server_factory(portcullis_binary, tmp_path):
    """make(name="pc", start=True) -> Server on a fresh data dir; all are stopped at the
    end of the test."""
    made = []

    def make(name="pc", start=True, **kw):
        s = _new_server(tmp_path, f"{name}{len(made)}", **kw)
        made.append(s)
        if start:
            s.start()
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture(scope="module")
def server(portcullis_binary, tmp_path_factory):
    """One server shared by the tests of a module (they use distinct repositories)."""
    s = _new_server(tmp_path_factory.mktemp("server"), "pc")
    s.start()
    yield s
    s.close()


@pytest.fixture(scope="module")
def reference_registry(tmp_path_factory):
    """Debian's docker-registry (CNCF Distribution 2.8) without auth, on a free port,
    configured like shared/testimages/registry.sh does (delete enabled)."""
    require_tools("docker-registry")
    s = _new_server(tmp_path_factory.mktemp("reference"), "distribution",
                    flavor="distribution", auth=False)
    s.start()
    yield s
    s.close()
