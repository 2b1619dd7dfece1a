"""The buffering middleware (spec E.6): whole request bodies before forwarding (413 past
maxRequestBodyBytes), whole responses before sending (500 past maxResponseBodyBytes)."""

from __future__ import annotations

from mwhelp import start
from rawhttp import backend_view, build_request, chunked_body


def test_request_over_the_limit_is_413_and_never_forwarded(pier_factory, backend):
    p = start(pier_factory, backend, {"b": {"buffering": {"maxRequestBodyBytes": 1000}}})
    r = p.request("POST", "/", body=b"x" * 1001)
    assert r.status == 413
    assert r.body == b"Request Entity Too Large"
    # Chunked: the limit is found while reading.
    with p.client() as c:
        c.send(build_request("POST", "/", headers=[("Transfer-Encoding", "chunked")])
               + chunked_body([b"y" * 600, b"y" * 600]))
        r = c.read_response()
        assert r.status == 413
    assert backend.requests_seen() == []
    ok = p.request("POST", "/", body=b"z" * 1000)
    assert ok.status == 200 and backend_view(ok)["body_bytes"] == 1000


def test_chunked_request_goes_upstream_with_a_content_length(pier_factory, backend):
    p = start(pier_factory, backend, {"b": {"buffering": {}}})
    with p.client() as c:
        c.send(build_request("POST", "/up", headers=[("Transfer-Encoding", "chunked")])
               + chunked_body([b"hello ", b"buffered ", b"world"]))
        r = c.read_response()
        assert r.status == 200
        v = backend_view(r)
        assert v.header("Content-Length") == str(len(b"hello buffered world"))
        assert v.header("Transfer-Encoding") is None
        assert v["body"] == "hello buffered world"
        # The connection goes on with the next request.
        assert c.get("/next").status == 200


def test_expect_continue_is_answered_before_buffering(pier_factory, backend):
    p = start(pier_factory, backend, {"b": {"buffering": {"maxRequestBodyBytes": 100}}})
    with p.client() as c:
        c.send(build_request("PUT", "/", headers=[("Expect", "100-continue"), ("Content-Length", "5")]))
        interim = c.read_response(keep_interim=True)
        assert interim.status == 100
        c.send(b"abcde")
        r = c.read_response()
        assert r.status == 200 and backend_view(r)["body"] == "abcde"
    # Too large from the head alone: 413 without asking for the body.
    r = p.request("PUT", "/", headers=[("Expect", "100-continue"), ("Content-Length", "101")], body=b"")
    assert r.status == 413


def test_response_over_the_limit_is_500(pier_factory, backend):
    p = start(pier_factory, backend, {"b": {"buffering": {"maxResponseBodyBytes": 4000}}})
    ok = p.get("/?size=4000&chunked=1")
    assert ok.status == 200 and len(ok.body) == 4000
    big = p.get("/?size=4001")
    assert big.status == 500 and big.body == b"Internal Server Error"
    with p.client() as c:
        r = c.get("/?size=50000&chunked=1&chunk_size=1000")
        assert r.status == 500
        assert c.get("/?size=10").status == 200  # the connection is still usable


def test_retry_expression_is_refused(pier_factory, backend):
    p = start(pier_factory, backend, {"b": {"buffering": {"retryExpression": "IsNetworkError() && Attempts() < 2"}}})
    assert p.get("/").status == 404  # the middleware is in error, so is its router
    assert "retryExpression" in p.log_text()
