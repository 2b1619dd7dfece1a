"""End-to-end: middlewares declared with Docker labels on real containers, as a Traefik user's
compose file has them (traefik.http.middlewares.<m>.<kind>.<option> and
traefik.http.routers.<r>.middlewares), plus a TCP middleware from labels.

Uses the fixtures and helpers of test_pier_docker.py (same image, same pier-e2e- prefix and
cleanup). Run by hand as that file says, with this file's path.
"""

from __future__ import annotations

import gzip
import subprocess

import harness
import tcpkit
from test_pier_docker import (PREFIX, answer, backend_args, backend_image, docker_pier,  # noqa: F401
                              res, status, wait_routed, wait_status)


def apr1(user: str, password: str) -> str:
    out = subprocess.run(["openssl", "passwd", "-apr1", password], check=True,
                         capture_output=True, text=True).stdout.strip()
    return f"{user}:{out}"


def test_http_middlewares_from_labels(engine, res, pier_factory):
    name = f"{PREFIX}mw"
    res.run(name, image_args=backend_args("mw"), labels={
        "traefik.enable": "true",
        "traefik.http.routers.mw.rule": "Host(`mw.e2e`)",
        "traefik.http.routers.mw.middlewares": "strip,hdr,auth",
        "traefik.http.middlewares.strip.stripprefix.prefixes": "/api",
        "traefik.http.middlewares.hdr.headers.customresponseheaders.X-Pier-E2E": "yes",
        "traefik.http.middlewares.hdr.headers.customrequestheaders.X-From-Label": "label",
        "traefik.http.middlewares.auth.basicauth.users": apr1("bob", "s3cret"),
        "traefik.http.routers.redir.rule": "Host(`redir.e2e`)",
        "traefik.http.routers.redir.middlewares": "to-https",
        "traefik.http.middlewares.to-https.redirectscheme.scheme": "https",
        "traefik.http.middlewares.to-https.redirectscheme.permanent": "true",
        "traefik.http.routers.rl.rule": "Host(`rl.e2e`)",
        "traefik.http.routers.rl.middlewares": "rl",
        "traefik.http.middlewares.rl.ratelimit.average": "1",
        "traefik.http.middlewares.rl.ratelimit.period": "1m",
        "traefik.http.middlewares.rl.ratelimit.burst": "2",
        "traefik.http.routers.deny.rule": "Host(`deny.e2e`)",
        "traefik.http.routers.deny.middlewares": "far-only",
        "traefik.http.middlewares.far-only.ipallowlist.sourcerange": "10.99.0.0/16",
        "traefik.http.services.mw.loadbalancer.server.port": "80",
    })
    p = docker_pier(pier_factory, engine)
    wait_status(p, "mw.e2e", 401, target="/api/items")
    r = p.get("/api/items", "mw.e2e", timeout=5)
    assert r.header("WWW-Authenticate") == 'Basic realm="traefik"'
    assert r.header("X-Pier-E2E") == "yes"  # the headers middleware also dresses the 401
    r = p.get("/api/items", "mw.e2e", timeout=5,
              headers=[("Authorization", "Basic Ym9iOnMzY3JldA==")])  # bob:s3cret
    assert r.status == 200
    seen = r.json()
    assert seen["name"] == "mw"
    assert seen["path"] == "/items"
    assert ["X-Forwarded-Prefix", "/api"] in seen["headers"]
    assert ["X-From-Label", "label"] in seen["headers"]
    assert r.header("X-Pier-E2E") == "yes"

    r = p.get("/x?y=1", "redir.e2e", timeout=5)
    assert r.status == 301
    assert r.header("Location") == "https://redir.e2e/x?y=1"

    assert [status(p, "rl.e2e") for _ in range(3)] == [200, 200, 429]
    assert status(p, "deny.e2e") == 403


def test_tcp_middleware_from_labels(engine, res, pier_factory):
    name = f"{PREFIX}tcpmw"
    res.run(name, image_args=backend_args("tcpmw"), labels={
        "traefik.enable": "true",
        "traefik.tcp.routers.raw.rule": "HostSNI(`*`)",
        "traefik.tcp.routers.raw.entrypoints": "tcp",
        "traefik.tcp.routers.raw.middlewares": "lo-only,one-conn",
        "traefik.tcp.middlewares.lo-only.ipallowlist.sourcerange": "127.0.0.1/32",
        "traefik.tcp.middlewares.one-conn.inflightconn.amount": "1",
        "traefik.tcp.services.raw.loadbalancer.server.port": "80",
    })
    p = docker_pier(pier_factory, engine, static={"entryPoints": {"tcp": {"address": None}}})
    port = p.ports["tcp"]

    def raw_get() -> bytes:
        """The answer, or b"" when Pier closes the connection (EOF or reset: a refused
        connection's unread request makes the kernel reset it)."""
        with tcpkit.connect(port) as c:
            try:
                c.sendall(b"GET / HTTP/1.1\r\nHost: raw\r\nConnection: close\r\n\r\n")
                return tcpkit.recv_some(c, 1 << 20)
            except ConnectionResetError:
                return b""

    harness.wait_until(lambda: b'"name":"tcpmw"' in raw_get().replace(b" ", b""), 20,
                       what="the TCP route from labels")
    def take_slot():
        # The last probe's slot is given back when Pier sees that connection close: retry.
        c = tcpkit.connect(port)
        try:
            c.sendall(b"GET / HTTP/1.1\r\nHost: raw\r\n\r\n")
            if b"200" in tcpkit.recv_some(c, 12):
                return c
        except OSError:
            pass
        c.close()
        return None

    held = harness.wait_until(take_slot, 10, what="the one inFlightConn slot")
    try:
        assert raw_get() == b""  # a second connection is closed unanswered
    finally:
        held.close()


def test_forward_auth_and_compress_from_labels(engine, res, backend_factory, pier_factory):
    # Pier runs on the host, so the auth server can be a host process on loopback.
    auth = backend_factory("auth")
    allow = f"{auth.url}/check?status=200&header=X-User:alice"
    deny = f"{auth.url}/check?status=401&header=WWW-Authenticate:Bearer"
    res.run(f"{PREFIX}fa", image_args=backend_args("fa"), labels={
        "traefik.enable": "true",
        "traefik.http.routers.in.rule": "Host(`in.e2e`)",
        "traefik.http.routers.in.middlewares": "allow,gz",
        "traefik.http.middlewares.allow.forwardauth.address": allow,
        "traefik.http.middlewares.allow.forwardauth.authresponseheaders": "X-User",
        "traefik.http.middlewares.gz.compress": "true",
        "traefik.http.routers.out.rule": "Host(`out.e2e`)",
        "traefik.http.routers.out.middlewares": "deny",
        "traefik.http.middlewares.deny.forwardauth.address": deny,
        "traefik.http.services.fa.loadbalancer.server.port": "80",
    })
    p = docker_pier(pier_factory, engine)
    wait_routed(p, "in.e2e", "fa")
    r = p.get("/", "in.e2e", timeout=5, headers=[("X-User", "mallory")])
    assert r.status == 200
    seen = r.json()
    assert ["X-User", "alice"] in seen["headers"]  # the auth answer replaced the client's value
    assert ["X-User", "mallory"] not in seen["headers"]
    big = p.get("/?size=20000&content_type=text/plain", "in.e2e", timeout=5,
                headers=[("Accept-Encoding", "gzip")])
    assert big.status == 200
    assert big.header("Content-Encoding") == "gzip"
    assert len(gzip.decompress(big.body)) == 20000
    denied = p.get("/", "out.e2e", timeout=5)
    assert denied.status == 401
    assert denied.header("WWW-Authenticate") == "Bearer"
