"""Request forwarding: forwarded headers (G.1), upstream request (G.2), response relay."""

from __future__ import annotations

import socket

import pytest

import harness
import rawhttp
from harness import lb, router
from rawhttp import backend_view

HOSTNAME = socket.gethostname()

SPOOFED = [
    ("X-Forwarded-For", "6.6.6.6"),
    ("X-Real-Ip", "6.6.6.6"),
    ("X-Forwarded-Proto", "https"),
    ("X-Forwarded-Host", "evil.test"),
    ("X-Forwarded-Port", "1234"),
    ("X-Forwarded-Server", "evil"),
    ("X-Forwarded-Uri", "/evil"),
    ("X-Forwarded-Method", "EVIL"),
    ("X-Forwarded-Prefix", "/evil"),
    ("X-Forwarded-Tls-Client-Cert", "evil"),
    ("X-Forwarded-Tls-Client-Cert-Info", "evil"),
    ("X_Forwarded_For", "7.7.7.7"),
]


def make(pier_factory, backend, static=None, **svc_kw):
    return pier_factory(static=static, dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend, **svc_kw)}))


def seen(pier, target="/", host="a.test", headers=None, **kw) -> rawhttp.BackendView:
    r = pier.get(target, host, headers=headers, **kw)
    assert r.status == 200, r
    return backend_view(r)


def test_untrusted_peer_managed_headers_replaced(pier_factory, backend):
    """G1.1 / G.1 step 1: an untrusted peer's X-Forwarded-* (any spelling) are deleted, then set."""
    p = make(pier_factory, backend)
    v = seen(p, host="a.test", headers=SPOOFED)
    assert v.header_all("X-Forwarded-For") == ["127.0.0.1"]
    assert v.header_all("X-Real-Ip") == ["127.0.0.1"]
    assert v.header_all("X-Forwarded-Proto") == ["http"]
    assert v.header_all("X-Forwarded-Host") == ["a.test"]
    assert v.header_all("X-Forwarded-Port") == ["80"]
    assert v.header_all("X-Forwarded-Server") == [HOSTNAME]
    for name in ("X-Forwarded-Uri", "X-Forwarded-Method", "X-Forwarded-Prefix", "X-Forwarded-Tls-Client-Cert",
                 "X-Forwarded-Tls-Client-Cert-Info", "X_Forwarded_For"):
        assert v.header(name) is None, name


def test_trusted_peer_headers_kept_and_xff_appended(pier_factory, backend):
    """G1.2: a peer in trustedIPs keeps its values; X-Forwarded-For gets the peer appended."""
    p = make(pier_factory, backend, static={"entryPoints": {"web": {"forwardedHeaders": {"trustedIPs": ["127.0.0.1"]}}}})
    v = seen(p, host="a.test", headers=[
        ("X-Forwarded-For", "6.6.6.6"), ("X-Real-Ip", "6.6.6.6"), ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "orig.test"), ("X-Forwarded-Port", "443"), ("X-Forwarded-Prefix", "/p"),
        ("X-Forwarded-Server", "upstream-proxy")])
    assert v.header_all("X-Forwarded-For") == ["6.6.6.6, 127.0.0.1"]
    assert v.header_all("X-Real-Ip") == ["6.6.6.6"]
    assert v.header_all("X-Forwarded-Proto") == ["https"]
    assert v.header_all("X-Forwarded-Host") == ["orig.test"]
    assert v.header_all("X-Forwarded-Port") == ["443"]
    assert v.header_all("X-Forwarded-Prefix") == ["/p"]
    assert v.header_all("X-Forwarded-Server") == [HOSTNAME]  # always overwritten
    # Several X-Forwarded-For lines are folded into one line.
    v = seen(p, headers=[("X-Forwarded-For", "1.1.1.1"), ("X-Forwarded-For", "2.2.2.2")])
    assert v.header_all("X-Forwarded-For") == ["1.1.1.1, 2.2.2.2, 127.0.0.1"]
    # Without incoming values the proxy fills them in.
    v = seen(p, host="b.test:8000")
    assert v.header_all("X-Forwarded-For") == ["127.0.0.1"]
    assert v.header_all("X-Forwarded-Host") == ["b.test:8000"]


def test_trust_is_per_peer_address(pier_factory, backend):
    """trustedIPs lists 127.0.0.2 only: the same spoofed headers from 127.0.0.1 are dropped."""
    p = make(pier_factory, backend, static={"entryPoints": {"web": {"forwardedHeaders": {"trustedIPs": ["127.0.0.2/32"]}}}})
    v = seen(p, headers=[("X-Forwarded-For", "6.6.6.6")], source_ip="127.0.0.2")
    assert v.header_all("X-Forwarded-For") == ["6.6.6.6, 127.0.0.2"]
    assert v.header_all("X-Real-Ip") == ["127.0.0.2"]
    v = seen(p, headers=[("X-Forwarded-For", "6.6.6.6")], source_ip="127.0.0.1")
    assert v.header_all("X-Forwarded-For") == ["127.0.0.1"]


def test_insecure_trusts_everyone(pier_factory, backend):
    p = make(pier_factory, backend, static={"entryPoints": {"web": {"forwardedHeaders": {"insecure": True}}}})
    v = seen(p, headers=[("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https")])
    assert v.header_all("X-Forwarded-For") == ["6.6.6.6, 127.0.0.1"]
    assert v.header_all("X-Forwarded-Proto") == ["https"]


def test_forwarded_host_and_port(pier_factory, backend):
    """G1.3: X-Forwarded-Port comes from the Host header, else 80 (not the listening port)."""
    p = make(pier_factory, backend)
    v = seen(p, host="a.com:8000")
    assert v.header_all("X-Forwarded-Host") == ["a.com:8000"]
    assert v.header_all("X-Forwarded-Port") == ["8000"]
    assert v.header_all("X-Forwarded-Proto") == ["http"]
    assert v.header_all("X-Forwarded-Server") == [HOSTNAME]
    v = seen(p, host="a.com")
    assert v.header_all("X-Forwarded-Port") == ["80"]
    assert v.header_all("X-Forwarded-Host") == ["a.com"]


def test_add_x_forwarded_scheme_headers(pier_factory, backend):
    p = make(pier_factory, backend, static={"entryPoints": {"web": {"forwardedHeaders": {"addXForwardedSchemeHeaders": True}}}})
    v = seen(p, headers=[("X-Scheme", "evil")])
    assert v.header_all("X-Forwarded-Scheme") == ["http"]
    assert v.header_all("X-Scheme") == ["http"]


def test_host_passed_through(pier_factory, backend):
    """D.1 passHostHeader default true: the client's Host (with port) reaches the backend."""
    p = make(pier_factory, backend)
    assert seen(p, host="a.test:1234").header_all("Host") == ["a.test:1234"]
    assert seen(p, host="Mixed.Case.Test").header_all("Host") == ["Mixed.Case.Test"]


def test_pass_host_header_false(pier_factory, backend):
    p = make(pier_factory, backend, pass_host_header=False)
    v = seen(p, host="a.test")
    assert v.header_all("Host") == [f"127.0.0.1:{backend.port}"]
    assert v.header_all("X-Forwarded-Host") == ["a.test"]


def test_connection_listed_headers_removed(pier_factory, backend):
    """G1.5 and G.2 hop-by-hop list."""
    p = make(pier_factory, backend)
    v = seen(p, headers=[("Connection", "Foo, keep-alive"), ("Foo", "bar"), ("Keep-Alive", "timeout=5"),
                         ("Proxy-Connection", "keep-alive"), ("Proxy-Authorization", "Basic eA=="),
                         ("Te", "gzip"), ("Trailer", "X-T"), ("X-Kept", "yes")])
    for name in ("Foo", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Te", "Trailer"):
        assert v.header(name) is None, (name, v.headers)
    assert "foo" not in ",".join(v.header_all("Connection")).lower()
    assert v.header_all("X-Kept") == ["yes"]


def test_te_trailers_kept(pier_factory, backend):
    p = make(pier_factory, backend)
    v = seen(p, headers=[("Te", "trailers")])
    assert v.header_all("Te") == ["trailers"]


def test_no_user_agent_added(pier_factory, backend):
    """G1.9"""
    p = make(pier_factory, backend)
    assert seen(p).header("User-Agent") is None
    assert seen(p, headers=[("User-Agent", "ua/1")]).header_all("User-Agent") == ["ua/1"]


def test_no_via_and_forwarded_untouched(pier_factory, backend):
    """G.2: no Via or Forwarded added; a client's Forwarded passes unchanged."""
    p = make(pier_factory, backend)
    v = seen(p)
    assert v.header("Via") is None and v.header("Forwarded") is None
    v = seen(p, headers=[("Forwarded", "for=1.2.3.4;proto=https")])
    assert v.header_all("Forwarded") == ["for=1.2.3.4;proto=https"]


def test_end_to_end_headers_and_body_preserved(pier_factory, backend):
    p = make(pier_factory, backend)
    r = p.request("PATCH", "/p?x=1", "a.test",
                  headers=[("X-Multi", "1"), ("X-Multi", "2"), ("Content-Type", "text/plain"), ("Cookie", "a=b")],
                  body=b"payload")
    v = backend_view(r)
    assert v["method"] == "PATCH"
    assert v.header_all("X-Multi") == ["1", "2"] or v.header_all("X-Multi") == ["1, 2"]
    assert v.header_all("Cookie") == ["a=b"]
    assert v["body"] == "payload" and v["body_bytes"] == 7


def test_upstream_is_http11_for_http10_client(pier_factory, backend):
    """G.2: the upstream request line is always HTTP/1.1."""
    p = make(pier_factory, backend)
    r = rawhttp.request(p.port(), "GET", "/old", host="a.test", version="HTTP/1.0")
    assert r.status == 200
    assert backend_view(r)["version"] == "HTTP/1.1"


def test_path_and_query_forwarded_raw(pier_factory, backend):
    """G.2: escaped path preserved; `;` in the query becomes `&`."""
    p = make(pier_factory, backend)
    assert seen(p, "/enc/a%2Fb%20c?q=%2F")["target"] == "/enc/a%2Fb%20c?q=%2F"
    assert seen(p, "/semi?a=1;b=2")["query"] == "a=1&b=2"
    assert seen(p, "/x?")["path"] == "/x"


@pytest.mark.parametrize("target", ["/plain", "/?content_type="])
def test_response_headers_relayed(pier_factory, backend, target):
    """G.2: no Server header added, no Content-Type invented, custom headers kept."""
    p = make(pier_factory, backend)
    r = p.get(target + ("&" if "?" in target else "?") + "header=X-Custom:v1&header=Set-Cookie:a=1&header=Set-Cookie:b=2")
    assert r.status == 200
    assert r.header("Server") is None
    assert r.header("X-Custom") == "v1"
    assert r.header_all("Set-Cookie") == ["a=1", "b=2"]
    if "content_type=" in target:
        assert r.header("Content-Type") is None
    else:
        assert r.header("Content-Type") == "application/json"


def test_response_hop_by_hop_removed(pier_factory, backend):
    p = make(pier_factory, backend)
    with p.client() as c:
        r = c.get("/?header=Connection:X-Hop&header=X-Hop:1&header=Keep-Alive:timeout%3D9&header=X-End:2")
        assert r.status == 200
        assert r.header("X-Hop") is None
        assert r.header("Keep-Alive") is None
        assert r.header("X-End") == "2"
        assert c.get("/again").status == 200
