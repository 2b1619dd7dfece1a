"""Ping, graceful shutdown and signals (spec H.1, A.10 SIGHUP)."""

from __future__ import annotations

import signal
import threading
import time

import pytest

import harness
import rawhttp
from harness import lb, router, wait_until


def test_ping(pier_factory):
    """H1.1: any method, prefix rule, body `OK`."""
    p = pier_factory(dynamic={})
    r = p.ping()
    assert r.status == 200 and r.body == b"OK"
    assert p.ping("HEAD").status == 200
    assert p.ping("POST").status == 200
    port = p.port("traefik")
    assert rawhttp.get(port, "/ping/x").status == 200
    assert rawhttp.get(port, "/pingpong").body == b"OK"
    assert rawhttp.get(port, "/other").status == 404


def test_ping_beats_user_catch_all(pier_factory, backend):
    """Internal ping router has priority MaxInt64 on its entry point."""
    p = pier_factory(dynamic=harness.dynamic({"all": router("PathPrefix(`/`)", "s", ["web", "traefik"])},
                                             {"s": lb(backend)}))
    r = rawhttp.get(p.port("traefik"), "/ping")
    assert r.status == 200 and r.body == b"OK"
    assert rawhttp.get(p.port("traefik"), "/x").status == 200


class InFlight(threading.Thread):
    """Runs one request in a thread, keeping the response or the exception."""

    def __init__(self, port: int, target: str, timeout: float = 20.0):
        super().__init__(daemon=True)
        self.port, self.target, self.timeout = port, target, timeout
        self.response = None
        self.error = None

    def run(self) -> None:
        try:
            self.response = rawhttp.get(self.port, self.target, timeout=self.timeout)
        except Exception as e:  # noqa: BLE001
            self.error = e


def _slow_setup(pier_factory, backend, static=None):
    return pier_factory(static=static, dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}))


def test_sigterm_drains_in_flight_request(pier_factory, backend):
    """H.1: SIGTERM → in-flight request completes, listeners close, exit 0."""
    p = _slow_setup(pier_factory, backend)
    idle = p.client()  # an idle keep-alive connection opened before the signal
    assert idle.get("/warm").status == 200
    slow = InFlight(p.port(), "/slow?delay_ms=1500")
    slow.start()
    wait_until(lambda: "/slow?delay_ms=1500" in backend.requests_seen(), 5, what="slow request at the backend")
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    wait_until(lambda: not rawhttp.try_connect(p.port(), timeout=0.5), 2, what="web listener to close")
    assert slow.is_alive(), "the slow request must still be in flight when new connections are refused"
    assert idle.wait_closed(5), "idle keep-alive connections are closed during drain"
    slow.join(10)
    assert slow.error is None, slow.error
    assert slow.response.status == 200
    assert rawhttp.backend_view(slow.response)["path"] == "/slow"
    assert p.wait_exit(10) == 0
    assert time.monotonic() - t0 < 10
    idle.close()


def test_request_accept_grace_timeout(pier_factory, backend):
    """H1.2: during requestAcceptGraceTimeout ping answers 503 while routes still answer 200."""
    life = {"transport": {"lifeCycle": {"requestAcceptGraceTimeout": "2s", "graceTimeOut": "5s"}}}
    p = _slow_setup(pier_factory, backend, static={"entryPoints": {"web": life, "traefik": life}})
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    r = wait_until(lambda: (x := p.ping(timeout=1)).status == 503 and x, 1.0, what="ping 503")
    assert r.body == b"Service Unavailable"
    r = p.get("/during-grace")
    assert r.status == 200
    assert time.monotonic() - t0 < 1.5, "checks must run inside the grace period"
    wait_until(lambda: not rawhttp.try_connect(p.port(), timeout=0.5), 5, what="listener closed after the grace period")
    assert time.monotonic() - t0 >= 1.8
    assert p.wait_exit(10) == 0


def test_terminating_status_code(pier_factory):
    """H1.3"""
    life = {"transport": {"lifeCycle": {"requestAcceptGraceTimeout": "2s"}}}
    p = pier_factory(static={"ping": {"terminatingStatusCode": 204}, "entryPoints": {"traefik": life}}, dynamic={})
    p.send_signal(signal.SIGTERM)
    wait_until(lambda: p.ping(timeout=1).status == 204, 1.0, what="ping 204")
    assert p.wait_exit(10) == 0


def test_grace_timeout_cuts_long_requests(pier_factory, backend):
    """H.1: after graceTimeOut open requests are closed and the process still exits 0."""
    life = {"transport": {"lifeCycle": {"graceTimeOut": "1s"}}}
    p = _slow_setup(pier_factory, backend, static={"entryPoints": {"web": life}})
    slow = InFlight(p.port(), "/slow?delay_ms=8000")
    slow.start()
    wait_until(lambda: any(t.startswith("/slow") for t in backend.requests_seen()), 5)
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    assert p.wait_exit(8) == 0
    assert time.monotonic() - t0 < 4
    slow.join(5)
    assert slow.response is None or slow.response.status != 200


def test_sigint_is_graceful(pier_factory):
    p = pier_factory(dynamic={})
    p.send_signal(signal.SIGINT)
    assert p.wait_exit(10) == 0


def test_sighup_rereads_dynamic_file(pier_factory, backend):
    """A.10: SIGHUP re-reads the file provider (here with watch disabled)."""
    p = pier_factory(static={"providers": {"file": {"watch": False}}},
                     dynamic=harness.dynamic({"a": router("PathPrefix(`/a`)", "s")}, {"s": lb(backend)}))
    assert p.get("/a").status == 200
    p.write_dynamic(harness.dynamic({"b": router("PathPrefix(`/b`)", "s")}, {"s": lb(backend)}), wait=False)
    assert p.get("/b").status == 404  # not watched: nothing changes by itself
    p.send_signal(signal.SIGHUP)
    p.wait_generation(p.generation)
    assert p.get("/b").status == 200
    assert p.get("/a").status == 404
    assert p.running()
