"""forwardAuth (spec E.3) through the real binary: allowed and denied requests, headers the auth
server and the backend see, the auth server down, and a client leaving mid-auth."""

from __future__ import annotations

import socket
import time

import pytest

import harness
from authserver import AuthServer
from mwhelp import start
from rawhttp import backend_view


@pytest.fixture
def auth():
    server = AuthServer()
    yield server
    server.close()


def test_allowed_copies_auth_response_headers(pier_factory, backend, auth):
    p = start(pier_factory, backend, {"fa": {"forwardAuth": {
        "address": auth.url + "/verify?app=1", "authResponseHeaders": ["X-User"],
        "addAuthCookiesToResponse": ["session"]}}})
    r = p.get("/some/path?q=1", headers=[("X-User", "eve"), ("X-Test-Auth", "allow")])
    assert r.status == 200
    view = backend_view(r)
    assert view.header_all("X-User") == ["bob"]  # the client's own value is replaced
    assert view.header("X-Auth-Extra") is None    # not listed
    assert view["path"] == "/some/path"
    assert r.header_all("Set-Cookie") == ["session=fromauth; Path=/"]
    # What the auth server was asked.
    assert auth.requests[-1]["method"] == "GET"
    assert auth.requests[-1]["path"] == "/verify?app=1"
    assert auth.header(-1, "X-Forwarded-Method") == "GET"
    assert auth.header(-1, "X-Forwarded-Uri") == "/some/path?q=1"
    assert auth.header(-1, "X-Forwarded-Host") == "localhost"
    assert auth.header(-1, "X-Forwarded-Proto") == "http"
    assert auth.header(-1, "X-Forwarded-For") == "127.0.0.1"
    assert auth.header(-1, "X-User") == "eve"  # client headers go to the auth server


def test_denied_returns_auth_server_response(pier_factory, backend, auth):
    p = start(pier_factory, backend, {"fa": {"forwardAuth": {"address": auth.url + "/auth/check"}}})
    before = len(backend.requests_seen())
    r = p.get("/x", headers=[("X-Test-Auth", "deny")])
    assert r.status == 403
    assert r.body == b"nope"
    assert r.header("X-Deny-Reason") == "test"
    r = p.get("/x", headers=[("X-Test-Auth", "redirect")])
    assert r.status == 302
    assert r.header("Location") == auth.url + "/login?rd=1"  # made absolute
    assert len(backend.requests_seen()) == before
    # The connection stays usable and allowed requests still pass.
    assert p.get("/x", headers=[("X-Test-Auth", "allow")]).status == 200


def test_trust_forward_header_and_regex(pier_factory, backend, auth):
    p = start(pier_factory, backend, {"fa": {"forwardAuth": {
        "address": auth.url, "trustForwardHeader": False, "authResponseHeadersRegex": "^X-(User|Auth-)"}}})
    r = p.get("/", headers=[("X-Forwarded-Prefix", "/evil"), ("X-Auth-Extra", "client")])
    assert r.status == 200
    view = backend_view(r)
    assert view.header("X-User") == "bob"
    assert view.header_all("X-Auth-Extra") == ["e"]
    assert auth.header(-1, "X-Forwarded-Prefix") is None
    assert auth.header(-1, "X-Forwarded-Port") == "80"  # Host has no port; plain HTTP


def test_auth_server_down_is_500(pier_factory, backend):
    port = harness.free_port()
    p = start(pier_factory, backend, {"fa": {"forwardAuth": {"address": f"http://127.0.0.1:{port}/"}}})
    r = p.get("/")
    assert r.status == 500
    assert r.body == b""
    assert p.get("/").status == 500  # and again on the same pier


def test_invalid_option_disables_router(pier_factory, backend):
    p = start(pier_factory, backend, {"fa": {"forwardAuth": {"address": "not-a-url"}}})
    assert p.get("/").status == 404


def test_client_closing_mid_auth(pier_factory, backend, auth):
    auth.slow_seconds = 2.0
    p = start(pier_factory, backend, {"fa": {"forwardAuth": {"address": auth.url}}})
    before = len(backend.requests_seen())
    s = socket.create_connection(("127.0.0.1", p.port()), timeout=5)
    s.sendall(b"GET /gone HTTP/1.1\r\nHost: localhost\r\nX-Test-Auth: slow\r\n\r\n")
    harness.wait_until(lambda: any(h == ("X-Test-Auth", "slow") for r in auth.requests for h in r["headers"]),
                       timeout=10, what="the auth request")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()  # RST: the client is gone while the auth call is pending
    assert auth.slow_done.wait(15)
    time.sleep(0.5)
    assert p.running()
    r = p.get("/next", headers=[("X-Test-Auth", "allow")])
    assert r.status == 200
    assert backend_view(r)["path"] == "/next"
    seen = backend.requests_seen()[before:]
    assert not any("/gone" in line for line in seen)


def test_labels_style_keys_in_file_provider_lowercase(pier_factory, backend, auth):
    # Option names match case-insensitively, as labels write them.
    p = start(pier_factory, backend, {"fa": {"forwardauth": {"address": auth.url, "authresponseheaders": "X-User"}}})
    r = p.get("/")
    assert r.status == 200
    assert backend_view(r).header("X-User") == "bob"


def test_https_auth_server_with_ca_and_client_certificate(pier_factory, backend, tmp_path):
    import ssl

    import certs

    ca = certs.make_ca(tmp_path / "pki", "auth-ca")
    server_cert = certs.make_leaf(tmp_path / "pki", ca, "auth-server", ["127.0.0.1"])
    client_cert = certs.make_leaf(tmp_path / "pki", ca, "pier-client", client=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(server_cert.cert), str(server_cert.key))
    ctx.load_verify_locations(str(ca.cert))
    ctx.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: Pier must present its client certificate
    server = AuthServer(tls=ctx)
    try:
        mws = {
            "good": {"forwardAuth": {"address": server.url + "/ok", "authResponseHeaders": ["X-User"],
                                     "tls": {"ca": str(ca.cert), "cert": str(client_cert.cert),
                                             "key": str(client_cert.key)}}},
            "nocert": {"forwardAuth": {"address": server.url, "tls": {"ca": str(ca.cert)}}},
            "untrusted": {"forwardAuth": {"address": server.url,
                                          "tls": {"cert": str(client_cert.cert), "key": str(client_cert.key)}}},
        }
        routers = {name: harness.router(f"PathPrefix(`/{name}`)", "s", middlewares=[name]) for name in mws}
        p = pier_factory(dynamic=harness.dynamic(routers, {"s": harness.lb(backend)}, mws))
        r = p.get("/good")
        assert r.status == 200
        assert backend_view(r).header("X-User") == "bob"
        assert server.requests[-1]["path"] == "/ok"
        assert p.get("/nocert").status == 500     # the server refuses the handshake
        assert p.get("/untrusted").status == 500  # the server certificate does not verify
    finally:
        server.close()


@pytest.mark.parametrize("chunked", [False, True])
def test_request_body_arriving_during_auth_reaches_backend(pier_factory, backend, auth, chunked):
    import hashlib

    auth.slow_seconds = 1.0
    p = start(pier_factory, backend, {"fa": {"forwardAuth": {"address": auth.url}}})
    body = bytes(range(256)) * 3000  # 768 KB: more than Pier buffers before pausing the client
    c = p.client()
    try:
        if chunked:
            head = b"POST /up HTTP/1.1\r\nHost: localhost\r\nX-Test-Auth: slow\r\nTransfer-Encoding: chunked\r\n\r\n"
            c.send(head + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
        else:
            head = b"POST /up HTTP/1.1\r\nHost: localhost\r\nX-Test-Auth: slow\r\nContent-Length: %d\r\n\r\n" % len(body)
            c.send(head + body)
        r = c.read_response(timeout=30)
        assert r.status == 200
        view = backend_view(r)
        assert view["body_bytes"] == len(body)
        assert view["body_sha256"] == hashlib.sha256(body).hexdigest()
        # Keep-alive goes on.
        c.send(b"GET /again HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert backend_view(c.read_response(timeout=30))["path"] == "/again"
    finally:
        c.close()


def test_denied_with_body_keeps_connection(pier_factory, backend, auth):
    p = start(pier_factory, backend, {"fa": {"forwardAuth": {"address": auth.url}}})
    c = p.client()
    try:
        body = b"x" * 700_000
        c.send(b"POST /up HTTP/1.1\r\nHost: localhost\r\nX-Test-Auth: deny\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        r = c.read_response(timeout=30)
        assert r.status == 403
        assert r.body == b"nope"
        c.send(b"GET /again HTTP/1.1\r\nHost: localhost\r\nX-Test-Auth: allow\r\n\r\n")
        assert backend_view(c.read_response(timeout=30))["path"] == "/again"
    finally:
        c.close()
