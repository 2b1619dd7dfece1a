"""Malformed requests, request smuggling and header limits (spec G.5, G.6, G.7, A.7 maxHeaderBytes).

Each rejected request must get its error status and the connection must then be closed, and
nothing smuggled behind it may reach the backend."""

from __future__ import annotations

import threading

import pytest

import harness
import rawhttp
from harness import lb, router


@pytest.fixture
def proxy(pier_factory, backend):
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}))
    return p, backend


def send_expect_close(pier, data: bytes, status: int) -> rawhttp.Response:
    with pier.client() as c:
        c.send(data)
        r = c.read_response()
        assert r.status == status, r
        assert c.wait_closed(5), "connection must be closed after a rejected request"
        return r


SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"


@pytest.mark.parametrize("data", [
    pytest.param(b"GARBAGE\r\n\r\n", id="no-target-no-version"),
    pytest.param(b"GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n", id="extra-token"),
    pytest.param(b"GET / HTTX/1.1\r\nHost: a\r\n\r\n", id="bad-version"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nNoColonHere\r\n\r\n", id="header-without-colon"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", id="space-in-header-name"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n", id="space-before-colon"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x00c\r\n\r\n", id="nul-in-value"),
])
def test_malformed_request_400(proxy, data):
    p, backend = proxy
    send_expect_close(p, data, 400)
    assert backend.requests_seen() == []


def test_content_length_and_transfer_encoding_400(proxy):
    p, backend = proxy
    body = b"0\r\n\r\n" + SMUGGLED
    data = (b"POST /cl-te HTTP/1.1\r\nHost: a\r\nContent-Length: " + str(len(body)).encode()
            + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    send_expect_close(p, data, 400)
    assert "/smuggled" not in backend.requests_seen()
    assert "/cl-te" not in backend.requests_seen()


def test_transfer_encoding_then_content_length_400(proxy):
    p, backend = proxy
    data = (b"POST /te-cl HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
            b"0\r\n\r\n" + SMUGGLED)
    send_expect_close(p, data, 400)
    assert "/smuggled" not in backend.requests_seen()


def test_duplicate_content_length_400(proxy):
    p, backend = proxy
    data = b"POST /dup HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd" + SMUGGLED
    send_expect_close(p, data, 400)
    assert "/smuggled" not in backend.requests_seen()
    data = b"POST /dup2 HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 40\r\n\r\nabcd" + SMUGGLED
    send_expect_close(p, data, 400)
    assert backend.requests_seen() == []


@pytest.mark.parametrize("value", ["-1", "+4", "4x", "0x4", "1 2"])
def test_invalid_content_length_400(proxy, value):
    p, backend = proxy
    data = f"POST /badcl HTTP/1.1\r\nHost: a\r\nContent-Length: {value}\r\n\r\nabcd".encode()
    send_expect_close(p, data, 400)
    assert backend.requests_seen() == []


@pytest.mark.parametrize("chunk", [b"zz\r\nab\r\n0\r\n\r\n", b"-1\r\n\r\n", b"4\r\nabcdXX0\r\n\r\n"],
                         ids=["non-hex", "negative", "missing-crlf"])
def test_bad_chunked_body_400(proxy, chunk):
    p, backend = proxy
    data = b"POST /badchunk HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + SMUGGLED
    send_expect_close(p, data, 400)
    assert "/smuggled" not in backend.requests_seen()


def test_unknown_transfer_coding_rejected(proxy):
    p, backend = proxy
    data = b"POST /te HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc" + SMUGGLED
    with p.client() as c:
        c.send(data)
        r = c.read_response()
        assert r.status in (400, 501), r
        assert c.wait_closed(5)
    assert "/smuggled" not in backend.requests_seen()


def _send_big_head(pier, header_bytes: int) -> tuple[rawhttp.Response, bool]:
    """Sends a request with ~header_bytes of headers while reading concurrently (the proxy may
    answer and close before the whole head is sent). Returns (response, closed afterwards)."""
    line = b"X-Filler: " + b"f" * 8000 + b"\r\n"
    head = b"GET /big HTTP/1.1\r\nHost: a\r\n" + line * (header_bytes // len(line) + 1) + b"\r\n"
    with pier.client(timeout=15) as c:
        t = threading.Thread(target=c.send_ignoring_errors, args=(head,), daemon=True)
        t.start()
        r = c.read_response(timeout=15)
        closed = c.wait_closed(5) if r.status >= 400 else False
        t.join(5)
        return r, closed


def test_default_max_header_bytes_431(proxy):
    """A.7 http.maxHeaderBytes default 1 MiB: 1.5 MiB of headers → 431; 256 KiB pass."""
    p, backend = proxy
    r, closed = _send_big_head(p, 1536 * 1024)
    assert r.status == 431 and closed
    assert "/big" not in backend.requests_seen()
    r, _ = _send_big_head(p, 256 * 1024)
    assert r.status == 200
    assert len(rawhttp.backend_view(r).header_all("X-Filler")) >= 32


def test_configured_max_header_bytes_431(pier_factory, backend):
    p = pier_factory(static={"entryPoints": {"web": {"http": {"maxHeaderBytes": 8192}}}},
                     dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}))
    r, closed = _send_big_head(p, 64 * 1024)
    assert r.status == 431 and closed
    r = p.get("/small", headers=[("X-Small", "s" * 1000)])
    assert r.status == 200
