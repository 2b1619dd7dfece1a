"""Fixtures for Pier integration tests (see harness.py for the process helpers).

Processes started through these fixtures are killed by PID at teardown, also on failure. When a
test fails, the logs of every pier and backend it started are attached to the report.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for p in getattr(item, "_piers", []):
            # A pier that died on its own says how: a signal leaves no line in its log.
            code = p.proc.poll() if p.proc is not None else None
            died = "" if code is None else f" (exited by itself with status {code})"
            rep.sections.append((f"pier log ({p.workdir}){died}", p.log_text()[-20000:] or "<empty>"))
        for b in getattr(item, "_backends", []):
            text = b.log_text()
            if text:
                rep.sections.append((f"backend {b.name} log", text[-4000:]))


def _require_pier() -> None:
    if not harness.pier_bin().exists():
        if os.environ.get("PIER_BIN"):
            pytest.fail(f"PIER_BIN={os.environ['PIER_BIN']} does not exist")
        pytest.skip(f"pier binary not built at {harness.pier_bin()} (set PIER_BIN)")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def backend_factory(request, workdir):
    started: list[harness.Backend] = []
    request.node._backends = started

    def make(name: str = "b1", args=None, listen: str = "127.0.0.1:0") -> harness.Backend:
        b = harness.Backend(workdir, name=name, args=args, listen=listen)
        started.append(b)
        return b

    yield make
    for b in started:
        b.stop()


@pytest.fixture
def backend(backend_factory) -> harness.Backend:
    return backend_factory("b1")


@pytest.fixture
def pier_factory(request, workdir):
    """pier_factory(static=None|dict|str, dynamic=None|dict|str, args=[...], **Pier kwargs)."""
    started: list[harness.Pier] = []
    request.node._piers = started

    def make(static=None, dynamic=None, args=None, **kw) -> harness.Pier:
        _require_pier()
        start = kw.pop("start", True)
        wait_ready = kw.pop("wait_ready", True)
        p = harness.Pier(workdir, static=static, dynamic_config=dynamic, args=args, start=False, **kw)
        started.append(p)
        if start:
            p.start(wait_ready=wait_ready)
        return p

    yield make
    reports = []
    for p in started:
        p.stop()
        reports += sanitizer_reports(p.log_text())
    # Under the ASan+UBSan build a memory error or undefined behaviour fails the test that
    # caused it, even when the requests it made still got the right answers.
    assert not reports, "sanitizer report in Pier's log:\n" + "\n".join(reports)


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def sanitizer_reports(log: str) -> list[str]:
    """The lines of a Pier log that start a sanitizer report (none in a plain build)."""
    return [line for line in log.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


@pytest.fixture
def require_pier():
    _require_pier()


@pytest.fixture
def routed(pier_factory, backend_factory):
    """routed({router_name: rule | router dict}, static=..., services=...) starts one backend per
    router that has no explicit service (backend and service named after the router) and a pier
    serving them. Use harness.who(pier, ...) to see which router answered."""

    def make(routers: dict, static=None, services=None, middlewares=None, **kw) -> harness.Pier:
        svcs: dict = {}
        rdefs: dict = {}
        for name, spec in routers.items():
            r = {"rule": spec} if isinstance(spec, str) else dict(spec)
            if "service" not in r:
                b = backend_factory(name)
                svcs[f"svc-{name}"] = harness.lb(b)
                r["service"] = f"svc-{name}"
            rdefs[name] = r
        svcs.update(services or {})
        p = pier_factory(static=static, dynamic=harness.dynamic(rdefs, svcs, middlewares), **kw)
        p.routed_services = svcs
        return p

    return make
