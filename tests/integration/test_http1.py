"""HTTP/1.1 semantics through the proxy: keep-alive, pipelining, chunked bodies, 100-continue,
bodiless responses, streaming."""

from __future__ import annotations

import hashlib
import time

import pytest

import harness
import rawhttp
from harness import lb, router
from rawhttp import backend_view, build_request, chunked_body


@pytest.fixture
def proxy(pier_factory, backend_factory):
    b1 = backend_factory("b1")
    b2 = backend_factory("b2")
    p = pier_factory(dynamic=harness.dynamic(
        {"one": router("PathPrefix(`/`)", "s1"), "two": router("Host(`two.test`)", "s2")},
        {"s1": lb(b1), "s2": lb(b2)}))
    return p, b1, b2


def test_keep_alive_reuses_client_and_upstream_connections(proxy):
    p, b1, _ = proxy
    with p.client() as c:
        remotes = set()
        for i in range(5):
            r = c.get(f"/ka{i}")
            assert r.status == 200 and not r.wants_close()
            remotes.add(backend_view(r)["remote"])
        assert len(remotes) == 1, f"upstream connection not reused: {remotes}"


def test_pipelined_requests_answered_in_order(proxy):
    p, _, _ = proxy
    reqs = [
        build_request("GET", "/p0?delay_ms=300"),
        build_request("GET", "/p1", host="two.test"),
        build_request("POST", "/p2", body=b"body-of-p2"),
        build_request("GET", "/p3?delay_ms=50"),
        build_request("HEAD", "/p4"),
        build_request("GET", "/p5", host="two.test"),
    ]
    with p.client() as c:
        c.send(b"".join(reqs))
        out = [c.read_response("HEAD" if i == 4 else "GET") for i in range(6)]
        assert [r.status for r in out] == [200] * 6
        views = [backend_view(r) for i, r in enumerate(out) if i != 4]
        assert [v["path"] for v in views] == ["/p0", "/p1", "/p2", "/p3", "/p5"]
        assert [v["name"] for v in views] == ["b1", "b2", "b1", "b1", "b2"]
        assert views[2]["body"] == "body-of-p2"
        assert out[4].body == b""
        assert c.get("/after").status == 200


def test_chunked_request_body(proxy):
    p, _, _ = proxy
    chunks = [b"x" * 1, b"y" * 100000, b"z" * 3]
    body = b"".join(chunks)
    with p.client() as c:
        c.send(build_request("POST", "/chunked", headers=[("Transfer-Encoding", "chunked")]) + chunked_body(chunks))
        v = backend_view(c.read_response())
        assert v["body_bytes"] == len(body)
        assert v["body_sha256"] == hashlib.sha256(body).hexdigest()
        assert c.get("/next").status == 200  # framing intact afterwards


def test_chunked_request_sent_slowly(proxy):
    p, _, _ = proxy
    with p.client() as c:
        c.send(build_request("PUT", "/slow", headers=[("Transfer-Encoding", "chunked")]))
        for part in (b"5\r\nhel", b"lo\r\n", b"6\r\n world\r\n", b"0\r\n", b"\r\n"):
            c.send(part)
            time.sleep(0.02)
        v = backend_view(c.read_response())
        assert v["body"] == "hello world"


def test_chunked_response_body(proxy):
    p, _, _ = proxy
    with p.client() as c:
        r = c.get("/?chunked=1")
        assert r.status == 200
        assert backend_view(r)["path"] == "/"
        size = 200000
        r = c.get(f"/?chunked=1&size={size}")
        assert len(r.body) == size
        assert c.get("/next").status == 200


def test_expect_100_continue(proxy):
    p, _, _ = proxy
    body = b"b" * 5000
    with p.client() as c:
        c.send(build_request("POST", "/expect", headers=[("Expect", "100-continue"), ("Content-Length", str(len(body)))]))
        interim = c.read_response(keep_interim=True, timeout=5)
        assert interim.status == 100, "no 100 Continue before the body was sent"
        c.send(body)
        r = c.read_response()
        assert r.status == 200
        assert backend_view(r)["body_bytes"] == len(body)


def test_http10_client(proxy):
    p, _, _ = proxy
    with p.client() as c:
        r = c.request("GET", "/old", host="a.test", version="HTTP/1.0")
        assert r.status == 200
        assert c.wait_closed(5), "HTTP/1.0 without keep-alive must be closed after the response"
    with p.client() as c:
        r = c.request("GET", "/old", host="a.test", version="HTTP/1.0", headers=[("Connection", "keep-alive")])
        assert r.status == 200 and r.header("Content-Length") is not None
        r = c.request("GET", "/old2", host="a.test", version="HTTP/1.0", headers=[("Connection", "keep-alive")])
        assert r.status == 200


def test_connection_close_from_client(proxy):
    p, _, _ = proxy
    with p.client() as c:
        r = c.get("/bye", headers=[("Connection", "close")])
        assert r.status == 200
        assert c.wait_closed(5)


@pytest.mark.parametrize("status", [204, 304])
def test_bodiless_statuses(proxy, status):
    p, _, _ = proxy
    with p.client() as c:
        r = c.get(f"/?status={status}")
        assert r.status == status and r.body == b""
        assert c.get("/next").status == 200


def test_head_keeps_content_length(proxy):
    p, _, _ = proxy
    with p.client() as c:
        r = c.request("HEAD", "/?size=12345")
        assert r.status == 200 and r.header("Content-Length") == "12345" and r.body == b""
        assert c.get("/next").status == 200


def test_backend_closing_does_not_close_client(proxy):
    p, _, _ = proxy
    with p.client() as c:
        r = c.get("/?close=1")
        assert r.status == 200
        r2 = c.get("/second")
        assert r2.status == 200
        assert backend_view(r2)["remote"] != backend_view(r)["remote"]


def test_server_sent_events_are_streamed(proxy):
    """Events must reach the client as the backend sends them (no response buffering)."""
    p, _, _ = proxy
    with p.client() as c:
        t0 = time.monotonic()
        arrivals: list[tuple[float, bytes]] = []
        r = c.get("/?sse=5", sink=lambda d: arrivals.append((time.monotonic() - t0, d)), timeout=10)
    assert r.status == 200
    assert r.header("Content-Type") == "text/event-stream"
    assert b"".join(d for _, d in arrivals).count(b"data: ") == 5
    assert arrivals[0][0] < 0.3, f"first event arrived late: {arrivals}"
    assert arrivals[-1][0] - arrivals[0][0] >= 0.3


def test_slow_response_body_streamed(proxy):
    p, _, _ = proxy
    with p.client() as c:
        t0 = time.monotonic()
        first = []
        r = c.get("/?size=4096&chunk_size=1024&slow_body_ms=150",
                  sink=lambda d: first.append(time.monotonic() - t0) if not first else None)
        assert r.status == 200
        assert first[0] < 0.3 and time.monotonic() - t0 >= 0.4


def test_large_request_headers_below_limit(proxy):
    p, _, _ = proxy
    r = p.get("/", headers=[(f"X-H{i}", "v" * 1000) for i in range(60)])
    assert r.status == 200
    assert backend_view(r).header("X-H59") == "v" * 1000
