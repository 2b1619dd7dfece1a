"""redirectScheme and redirectRegex (spec E.2)."""

from __future__ import annotations

from mwhelp import start
from rawhttp import backend_view


def test_redirect_scheme_https_permanent(pier_factory, backend):
    p = start(pier_factory, backend, {"rs": {"redirectScheme": {"scheme": "https", "permanent": True}}})
    r = p.get("/a/b?x=1", host="example.com:8080")
    assert r.status == 301
    assert r.header("Location") == "https://example.com/a/b?x=1"
    assert r.body == b"Moved Permanently"
    # Other methods: 308.
    r = p.request("POST", "/a", host="example.com", body=b"x")
    assert r.status == 308
    assert r.body == b"Permanent Redirect"
    assert backend.requests_seen() == []


def test_redirect_scheme_port_and_temporary(pier_factory, backend):
    p = start(pier_factory, backend, {"rs": {"redirectScheme": {"scheme": "https", "port": "8443"}}})
    r = p.get("/", host="example.com")
    assert r.status == 302
    assert r.header("Location") == "https://example.com:8443/"
    r = p.request("DELETE", "/", host="example.com")
    assert r.status == 307


def test_redirect_scheme_same_scheme_passes_through(pier_factory, backend):
    """X-Forwarded-Proto from a trusted peer says the request is already https: no redirect."""
    p = start(pier_factory, backend, {"rs": {"redirectScheme": {"scheme": "https"}}},
              static={"entryPoints": {"web": {"forwardedHeaders": {"trustedIPs": ["127.0.0.1"]}}}})
    r = p.get("/x", host="example.com", headers=[("X-Forwarded-Proto", "https")])
    assert r.status == 200
    assert backend_view(r)["path"] == "/x"
    # An untrusted client cannot say so: its X-Forwarded-Proto is replaced by http.
    p2 = start(pier_factory, backend, {"rs": {"redirectScheme": {"scheme": "https"}}})
    r = p2.get("/x", host="example.com", headers=[("X-Forwarded-Proto", "https")])
    assert r.status == 302


def test_redirect_regex(pier_factory, backend):
    p = start(pier_factory, backend, {"rr": {"redirectRegex": {
        "regex": "^http://old\\.test/(.*)", "replacement": "https://new.test/${1}", "permanent": True}}})
    r = p.get("/p/q?z=1", host="old.test")
    assert r.status == 301
    assert r.header("Location") == "https://new.test/p/q?z=1"
    # No match: passes.
    r = p.get("/p", host="other.test")
    assert r.status == 200
    assert backend_view(r)["path"] == "/p"
