"""Status codes produced by the proxy itself (spec G.5)."""

from __future__ import annotations

import time

import harness
import rawhttp
from harness import lb, router


def test_404_no_router(pier_factory, backend):
    p = pier_factory(dynamic=harness.dynamic({"r": router("Host(`a.test`)", "s")}, {"s": lb(backend)}))
    r = p.get("/nothing", "nope.test")
    assert r.status == 404
    assert r.body == b"404 page not found\n"
    assert (r.header("Content-Type") or "").startswith("text/plain")
    with p.client() as c:  # the connection stays usable after a 404
        assert c.get("/x", "nope.test").status == 404
        assert c.get("/x", "a.test").status == 200


def test_404_without_any_dynamic_configuration(pier_factory):
    p = pier_factory(dynamic={}, probe=False)
    r = p.get("/")
    assert r.status == 404 and r.body == b"404 page not found\n"


def test_502_connection_refused(pier_factory):
    closed = harness.ClosedPort()
    try:
        p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(closed.port)}))
        r = p.get("/x")
        assert r.status == 502
        assert r.body == b"Bad Gateway"
        with p.client() as c:  # client connection survives an upstream failure
            assert c.get("/y").status == 502
            assert c.get("/z").status == 502
    finally:
        closed.close()


def test_502_when_the_dial_fails_at_once(pier_factory, backend):
    """255.255.255.255 makes connect(2) fail inside uv_tcp_connect (ENETUNREACH), before Pier's
    UpstreamConnection::connect() returns: the exchange still answers 502 and the client
    connection stays usable."""
    servers = {"s": {"loadBalancer": {"servers": [{"url": "http://255.255.255.255:9"}]}},
               "ok": lb(backend)}
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "s"), "ok": router("PathPrefix(`/ok`)", "ok")}, servers))
    with p.client() as c:
        for path in ("/a", "/b", "/c"):
            r = c.get(path)
            assert r.status == 502, (path, r)
            assert r.body == b"Bad Gateway"
        assert c.get("/ok").status == 200  # the same client connection still works
    assert p.get("/d").status == 502


def test_502_backend_closes_without_answer(pier_factory, backend):
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}))
    for mode in ("1", "rst"):
        r = p.get(f"/x?reset={mode}")
        assert r.status == 502, (mode, r)
        assert r.body == b"Bad Gateway"
    assert p.get("/ok").status == 200  # pool not poisoned


def test_503_service_without_servers(pier_factory):
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "empty")},
                                             {"empty": {"loadBalancer": {"servers": []}}}))
    r = p.get("/x")
    assert r.status == 503
    assert r.body == b"no available server\n"


def test_backend_error_statuses_are_relayed_unchanged(pier_factory, backend):
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}))
    for status in (400, 404, 500, 502, 503):
        r = p.get(f"/x?status={status}")
        assert r.status == status
        assert rawhttp.backend_view(r)["name"] == "b1"  # body from the backend, not the proxy


def test_connect_method_501(pier_factory, backend):
    """G1.11"""
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}))
    with p.client() as c:
        c.send(b"CONNECT a.com:443 HTTP/1.1\r\nHost: a.com:443\r\n\r\n")
        r = c.read_response()
    assert r.status == 501
    assert "CONNECT" not in " ".join(backend.requests_seen())


def test_fragment_in_raw_path_400(pier_factory, backend):
    """G.6 step 2 / G1.7: `#` in the raw path is rejected."""
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}))
    r = p.get("/a#b")
    assert r.status == 400
    assert "/a#b" not in backend.requests_seen()


def test_bad_percent_encoding_400(pier_factory, backend):
    """G.6 step 3: a truncated or invalid %-escape is rejected."""
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}))
    assert p.get("/a%2").status == 400
    assert p.get("/a%zz").status == 400
    assert backend.requests_seen() == []


def test_backend_answering_a_client_that_left_does_not_kill_pier(pier_factory, backend):
    """The client gives up while the backend is still thinking; the late response then meets a
    closed socket (EPIPE). Only that exchange may end: before SIGPIPE was ignored, the whole
    process died silently here (found through `docker pause`)."""
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}))
    for _ in range(3):
        with p.client(timeout=0.2) as c:
            c.send(b"GET /late?delay_ms=600&size=4000000 HTTP/1.1\r\nHost: a\r\n\r\n")
            time.sleep(0.1)
    time.sleep(1.5)  # every late response has been written into a closed socket by now
    assert p.running(), f"pier exited with {p.proc.poll()}"
    assert p.get("/ok").status == 200
