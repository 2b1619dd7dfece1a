"""/live and /ready next to /ping (issue #5), and ping's manualRouting."""

from __future__ import annotations

import signal
import socket
import threading
import time

import pytest

import harness
import rawhttp
from harness import lb, router, wait_until


def _get(p, target, headers=None, timeout=5.0):
    return rawhttp.get(p.port("traefik"), target, headers=headers, timeout=timeout)


def test_live_and_ready_answer_ok(pier_factory):
    p = pier_factory(dynamic={})
    r = _get(p, "/live")
    assert r.status == 200 and r.body == b"OK"
    r = wait_until(lambda: (x := _get(p, "/ready")).status == 200 and x, what="/ready 200")
    assert r.body == b"OK"
    # Only on the ping entry point, and only these exact paths.
    assert rawhttp.get(p.port("web"), "/live").status == 404
    assert _get(p, "/live/x").status == 404


class SilentEngine:
    """A unix socket that accepts connections and never answers: a Docker engine that hangs."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(16)
        self.conns = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except OSError:
                continue

    def close(self):
        self.stop = True
        self.thread.join(timeout=2)
        for c in self.conns:
            c.close()
        self.sock.close()


def test_ready_503_until_every_provider_delivered(pier_factory, workdir):
    """A Docker provider whose engine never answers keeps /ready at 503, naming it; the file
    provider alone would be ready; /live is unaffected."""
    engine = SilentEngine(workdir / "engine.sock")
    try:
        p = pier_factory(static={"providers": {"docker": {"endpoint": f"unix://{engine.path}"}}},
                         dynamic={})
        wait_until(lambda: engine.conns, what="pier to connect to the fake engine")
        time.sleep(0.5)
        r = _get(p, "/ready")
        assert r.status == 503
        assert b"docker" in r.body and b"file" not in r.body
        assert _get(p, "/live").status == 200
        assert p.ping().status == 200
    finally:
        engine.close()


def test_ready_503_while_draining(pier_factory, backend):
    p = pier_factory(static={"entryPoints": {"traefik": {"transport": {"lifeCycle": {"requestAcceptGraceTimeout": "3s"}}}}},
                     dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}))
    wait_until(lambda: _get(p, "/ready").status == 200, what="ready")
    p.send_signal(signal.SIGTERM)
    r = wait_until(lambda: (x := _get(p, "/ready")).status == 503 and x, timeout=3, what="/ready 503")
    assert b"draining" in r.body
    assert p.ping().status == 503
    assert p.wait_exit(15) == 0


def test_live_fails_when_a_worker_loop_is_stalled(pier_factory):
    """With PIER_TEST_HOOKS=1, `X-Pier-Test-Stall-Ms` on /live blocks the worker that reads it.
    Meanwhile /live from the other worker answers 503 naming the stuck worker; afterwards 200."""
    import os
    os.environ["PIER_TEST_HOOKS"] = "1"
    try:
        p = pier_factory(dynamic={}, workers=2)
    finally:
        del os.environ["PIER_TEST_HOOKS"]
    assert _get(p, "/live").status == 200
    stall = threading.Thread(target=lambda: _get(p, "/live", headers={"X-Pier-Test-Stall-Ms": "10000"}, timeout=15),
                             daemon=True)
    stall.start()
    time.sleep(2.6)  # past the 2 s threshold
    statuses = []
    bodies = []
    # Each connection lands on one worker's listener (SO_REUSEPORT), half of them on the stalled
    # one, where it just hangs: keep asking, well inside the stall, until the other worker has
    # answered a few times (a slow sanitizer build on a busy machine needs the longer window).
    end = time.monotonic() + 5.0
    while time.monotonic() < end and statuses.count(503) < 3:
        try:
            r = _get(p, "/live", timeout=0.5)
            statuses.append(r.status)
            bodies.append(r.body)
        except (TimeoutError, OSError):
            statuses.append("timeout")
    assert 503 in statuses, statuses
    assert 200 not in statuses, statuses
    assert any(b"has not run its loop" in b for b in bodies)
    stall.join(timeout=15)
    wait_until(lambda: _get(p, "/live").status == 200, timeout=5, what="/live back to 200")


def test_stall_hook_is_off_without_the_env_variable(pier_factory):
    p = pier_factory(dynamic={})
    t0 = time.monotonic()
    r = _get(p, "/live", headers={"X-Pier-Test-Stall-Ms": "3000"})
    assert r.status == 200
    assert time.monotonic() - t0 < 2.5


def test_ping_manual_routing(pier_factory, backend):
    """ping.manualRouting: no automatic /ping route; a user router can target ping@internal."""
    p = pier_factory(static={"ping": {"manualRouting": True}},
                     dynamic=harness.dynamic({"myping": router("Path(`/health`)", "ping@internal", ["web"])}),
                     wait_ready=False)
    r = wait_until(lambda: (x := rawhttp.get(p.port("web"), "/health")).status == 200 and x,
                   what="/health routed to ping@internal")
    assert r.body == b"OK"
    # No automatic /ping route on `traefik` with manualRouting.
    assert _get(p, "/ping").status == 404
