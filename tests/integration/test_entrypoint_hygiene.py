"""Entry-point request hygiene that is configured per entry point (spec A.7, G.6):
underscoreHeadersStrategy, encodedCharacters, keepAliveMaxRequests / keepAliveMaxTime."""

from __future__ import annotations

import time

import pytest

import harness
from harness import lb, router
from rawhttp import backend_view


def _pier(pier_factory, backend, http=None, transport=None):
    web = {"address": f"127.0.0.1:{harness.free_port()}"}
    if http:
        web["http"] = http
    if transport:
        web["transport"] = transport
    static = {"entryPoints": {"web": web}}
    dyn = harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)})
    return pier_factory(static=static, dynamic=dyn)


@pytest.mark.parametrize("strategy,expect", [("keep", 200), ("delete", 200), ("reject", 400)])
def test_underscore_headers_strategy(pier_factory, backend, strategy, expect):
    p = _pier(pier_factory, backend, http={"underscoreHeadersStrategy": strategy})
    r = p.get("/u", headers=[("X_Custom", "1"), ("X-Other", "2")])
    assert r.status == expect, r
    if expect == 200:
        seen = backend_view(r)
        assert seen.header("X-Other") == "2"
        assert (seen.header("X_Custom") == "1") == (strategy == "keep")


def test_encoded_characters_policy(pier_factory, backend):
    p = _pier(pier_factory, backend,
              http={"encodedCharacters": {"allowEncodedSlash": False, "allowEncodedHash": False}})
    assert p.get("/a%2Fb").status == 400
    assert p.get("/a%2fb").status == 400
    assert p.get("/a%23b").status == 400
    assert p.get("/a%3Bb").status == 200  # still allowed
    assert p.get("/plain?x=%2F").status == 200  # only the path is checked


def test_encoded_characters_default_allows_all(pier_factory, backend):
    p = _pier(pier_factory, backend)
    for path in ["/a%2Fb", "/a%5Cb", "/a%3Bb", "/a%25b", "/a%3Fb"]:
        assert p.get(path).status == 200, path


def test_keep_alive_max_requests(pier_factory, backend):
    p = _pier(pier_factory, backend, transport={"keepAliveMaxRequests": 3})
    with p.client() as c:
        for i in range(3):
            r = c.get(f"/k{i}")
            assert r.status == 200
            assert (r.header("Connection") == "close") == (i == 2), (i, r.headers)
        assert c.wait_closed(5)


def test_keep_alive_max_time(pier_factory, backend):
    p = _pier(pier_factory, backend, transport={"keepAliveMaxTime": "300ms"})
    with p.client() as c:
        assert c.get("/t1").header("Connection") is None
        time.sleep(0.4)  # the behaviour itself is time-based
        r = c.get("/t2")
        assert r.status == 200
        assert r.header("Connection") == "close"
        assert c.wait_closed(5)
