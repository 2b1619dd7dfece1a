"""TCP routers (spec C.3, C.5, D.6, F.5): plain TCP with HostSNI(`*`), server-first protocols,
TLS passthrough by SNI with mutual TLS reaching the backend untouched, ClientIP, PROXY protocol,
and TCP and HTTP routers sharing one entry point."""

from __future__ import annotations

import socket
import ssl
import time

import pytest

import certs
import harness
import tcpkit
from harness import lb, router

TCP_EP = {"tcp": {"address": None}}


def tcp_config(routers: dict, services: dict, http: dict | None = None) -> dict:
    doc = {"tcp": {"routers": routers, "services": services}}
    if http:
        doc["http"] = http
    return doc


def tcp_lb(*servers: tcpkit.TcpServer, proxy_protocol: int | None = None) -> dict:
    lbd: dict = {"servers": [{"address": s.address} for s in servers]}
    if proxy_protocol:
        lbd["proxyProtocol"] = {"version": proxy_protocol}
    return {"loadBalancer": lbd}


@pytest.fixture
def servers():
    made: list[tcpkit.TcpServer] = []

    def make(name: str, **kw) -> tcpkit.TcpServer:
        s = tcpkit.TcpServer(name, **kw)
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


@pytest.fixture
def pki(tmp_path):
    d = tmp_path / "pki"
    ca = certs.make_ca(d, "test-ca")
    other = certs.make_ca(d, "other-ca")
    return {
        "dir": d,
        "ca": ca,
        "other_ca": other,
        "db": certs.make_leaf(d, ca, "db.test", ["db.test"]),
        "client": certs.make_leaf(d, ca, "client-one", client=True),
        "rogue_client": certs.make_leaf(d, other, "rogue", client=True),
    }


def test_plain_tcp_catch_all_round_trip(pier_factory, servers):
    echo = servers("echo")
    p = pier_factory(static={"entryPoints": TCP_EP},
                     dynamic=tcp_config({"t": {"rule": "HostSNI(`*`)", "service": "s",
                                               "entryPoints": ["tcp"]}},
                                        {"s": tcp_lb(echo)}))
    with tcpkit.connect(p.ports["tcp"]) as c:
        c.sendall(b"hello")
        assert tcpkit.recv_some(c, 10) == b"echo:hello"
        c.sendall(b"x" * 200000)
        got = tcpkit.recv_some(c, 200000 + 5)
        assert got.count(b"x") == 200000


def test_server_first_protocol_gets_its_banner_without_client_bytes(pier_factory, servers):
    smtp = servers("smtp", banner=b"220 smtp.test ready\r\n")
    p = pier_factory(static={"entryPoints": TCP_EP},
                     dynamic=tcp_config({"t": {"rule": "HostSNI(`*`)", "service": "s",
                                               "entryPoints": ["tcp"]}},
                                        {"s": tcp_lb(smtp)}))
    with tcpkit.connect(p.ports["tcp"]) as c:  # spec C1.13: the client says nothing first
        assert tcpkit.recv_some(c, 21) == b"220 smtp.test ready\r\n"


def test_tcp_weighted_round_robin(pier_factory, servers):
    a, b = servers("a"), servers("b")
    cfg = tcp_config({"t": {"rule": "HostSNI(`*`)", "service": "s", "entryPoints": ["tcp"]}},
                     {"s": {"loadBalancer": {"servers": [{"address": a.address, "weight": 3},
                                                         {"address": b.address}]}}})
    p = pier_factory(static={"entryPoints": TCP_EP, "workers": 1}, dynamic=cfg)
    seen = []
    for _ in range(8):
        with tcpkit.connect(p.ports["tcp"]) as c:
            c.sendall(b"?")
            seen.append(tcpkit.recv_some(c, 3).split(b":")[0].decode())
    assert seen.count("a") == 6 and seen.count("b") == 2, seen


def test_proxy_protocol_v1_and_v2_reach_the_server(pier_factory, servers):
    v1 = servers("v1", proxy_header=True)
    v2 = servers("v2", proxy_header=True)
    cfg = tcp_config({"one": {"rule": "HostSNI(`*`)", "service": "s1", "entryPoints": ["tcp"]},
                      "two": {"rule": "HostSNI(`*`)", "service": "s2", "entryPoints": ["tcp2"]}},
                     {"s1": tcp_lb(v1, proxy_protocol=1), "s2": tcp_lb(v2, proxy_protocol=2)})
    p = pier_factory(static={"entryPoints": {"tcp": {"address": None}, "tcp2": {"address": None}}},
                     dynamic=cfg)
    for ep, srv in (("tcp", v1), ("tcp2", v2)):
        with tcpkit.connect(p.ports[ep]) as c:
            c.sendall(b"ping")
            assert tcpkit.recv_some(c, 7).endswith(b"ping")
            local_port = c.getsockname()[1]
        header = srv.headers[-1]
        if srv is v1:
            assert header == f"PROXY TCP4 127.0.0.1 127.0.0.1 {local_port} {p.ports['tcp']}\r\n".encode()
        else:
            assert header[:12] == b"\r\n\r\n\x00\r\nQUIT\n" and header[12] == 0x21
            assert header[13] == 0x11
            assert header[16:20] == socket.inet_aton("127.0.0.1")
            assert int.from_bytes(header[24:26], "big") == local_port
            assert int.from_bytes(header[26:28], "big") == p.ports["tcp2"]


def test_client_ip_rule(pier_factory, servers):
    inside = servers("inside")
    cfg = tcp_config({"t": {"rule": "ClientIP(`10.0.0.0/8`)", "service": "s",
                            "entryPoints": ["tcp"]}},
                     {"s": tcp_lb(inside)})
    p = pier_factory(static={"entryPoints": TCP_EP}, dynamic=cfg)
    # 127.0.0.1 is outside 10/8: no TCP route, no HTTP router -> HTTP 404 on that entry point.
    with tcpkit.connect(p.ports["tcp"]) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert tcpkit.recv_some(c, 12).startswith(b"HTTP/1.1 404")
    assert inside.connections == 0


def test_dead_tcp_server_closes_the_client(pier_factory):
    closed = harness.ClosedPort()
    try:
        cfg = tcp_config({"t": {"rule": "HostSNI(`*`)", "service": "s", "entryPoints": ["tcp"]}},
                         {"s": {"loadBalancer": {"servers": [{"address": f"127.0.0.1:{closed.port}"}]}}})
        p = pier_factory(static={"entryPoints": TCP_EP}, dynamic=cfg)
        with tcpkit.connect(p.ports["tcp"]) as c:
            c.sendall(b"x")
            assert tcpkit.closed_within(c, 3)
    finally:
        closed.close()


def test_passthrough_by_sni_carries_mutual_tls_to_the_backend(pier_factory, servers, pki):
    """The reference deployment's REST APIs: the client sees the backend's own certificate and
    completes mutual TLS with it; Pier never terminates."""
    ctx = tcpkit.server_context(str(pki["db"].cert), str(pki["db"].key),
                                client_ca=str(pki["ca"].cert), require_client=True)
    db = servers("db", tls=ctx)
    cfg = tcp_config({"pass": {"rule": "HostSNI(`db.test`)", "service": "s",
                               "entryPoints": ["tcp"], "tls": {"passthrough": True}}},
                     {"s": tcp_lb(db)})
    p = pier_factory(static={"entryPoints": TCP_EP}, dynamic=cfg)
    good = tcpkit.client_context(ca=str(pki["ca"].cert), cert=str(pki["client"].cert),
                                 key=str(pki["client"].key))
    with tcpkit.tls_connect(p.ports["tcp"], "db.test", good) as c:
        # Verified against the test CA with hostname db.test: the backend's certificate.
        assert c.getpeercert()["subject"] == ((("commonName", "db.test"),),)
        c.sendall(b"secret")
        assert tcpkit.recv_some(c, 9) == b"db:secret"
    assert db.peer_certs[-1]["subject"] == ((("commonName", "client-one"),),)
    # A client certificate from another CA is refused by the backend itself.
    rogue = tcpkit.client_context(ca=str(pki["ca"].cert), cert=str(pki["rogue_client"].cert),
                                  key=str(pki["rogue_client"].key))
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        with tcpkit.tls_connect(p.ports["tcp"], "db.test", rogue) as c:
            c.sendall(b"x")
            if not c.recv(10):
                raise ConnectionError("closed")


def test_passthrough_and_plain_http_share_an_entry_point(pier_factory, servers, backend, pki):
    ctx = tcpkit.server_context(str(pki["db"].cert), str(pki["db"].key))
    db = servers("db", tls=ctx)
    cfg = tcp_config({"pass": {"rule": "HostSNI(`db.test`)", "service": "s",
                               "tls": {"passthrough": True}}},
                     {"s": tcp_lb(db)},
                     http={"routers": {"web": router("Host(`www.test`)", "w")},
                           "services": {"w": lb(backend)}})
    p = pier_factory(dynamic=cfg)
    good = tcpkit.client_context(ca=str(pki["ca"].cert))
    with tcpkit.tls_connect(p.ports["web"], "db.test", good) as c:
        c.sendall(b"q")
        assert tcpkit.recv_some(c, 4) == b"db:q"
    r = p.get("/hello", "www.test")
    assert r.status == 200 and r.json()["path"] == "/hello"


def test_malformed_client_hello_is_closed_and_others_are_unharmed(pier_factory, servers, pki):
    echo = servers("echo")
    ctx = tcpkit.server_context(str(pki["db"].cert), str(pki["db"].key))
    db = servers("db", tls=ctx)
    cfg = tcp_config({"pass": {"rule": "HostSNI(`db.test`)", "service": "s",
                               "entryPoints": ["tcp"], "tls": {"passthrough": True}},
                      "plain": {"rule": "HostSNI(`*`)", "service": "e", "entryPoints": ["tcp"]}},
                     {"s": tcp_lb(db), "e": tcp_lb(echo)})
    p = pier_factory(static={"entryPoints": TCP_EP}, dynamic=cfg)
    with tcpkit.connect(p.ports["tcp"]) as bad:
        bad.sendall(b"\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00")  # a ServerHello, not a ClientHello
        assert tcpkit.closed_within(bad, 3)
    assert db.connections == 0
    good = tcpkit.client_context(ca=str(pki["ca"].cert))
    with tcpkit.tls_connect(p.ports["tcp"], "db.test", good) as c:
        c.sendall(b"ok")
        assert tcpkit.recv_some(c, 5) == b"db:ok"


def test_silent_client_is_closed_after_read_timeout(pier_factory, servers, pki):
    ctx = tcpkit.server_context(str(pki["db"].cert), str(pki["db"].key))
    db = servers("db", tls=ctx)
    static = {"entryPoints": {"tcp": {"address": None,
                                      "transport": {"respondingTimeouts": {"readTimeout": "1s"}}}}}
    cfg = tcp_config({"pass": {"rule": "HostSNI(`db.test`)", "service": "s",
                               "entryPoints": ["tcp"], "tls": {"passthrough": True}}},
                     {"s": tcp_lb(db)})
    p = pier_factory(static=static, dynamic=cfg)
    with tcpkit.connect(p.ports["tcp"]) as c:
        c.sendall(b"\x16\x03\x01")  # a ClientHello that never finishes
        start = time.monotonic()
        assert tcpkit.closed_within(c, 5)
        assert time.monotonic() - start < 4


def test_entry_point_accepts_proxy_protocol_from_trusted_peers(pier_factory, backend):
    static = {"entryPoints": {"lb": {"address": None,
                                     "proxyProtocol": {"trustedIPs": ["127.0.0.1/32"]}},
                              "untrusted": {"address": None,
                                            "proxyProtocol": {"trustedIPs": ["10.0.0.0/8"]}}}}
    cfg = {"http": {"routers": {"r": router("PathPrefix(`/`)", "s",
                                            entry_points=["lb", "untrusted"])},
                    "services": {"s": lb(backend)}}}
    p = pier_factory(static=static, dynamic=cfg)
    request = b"GET /who HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    for header in (b"PROXY TCP4 203.0.113.9 10.0.0.1 40000 443\r\n",
                   b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c" + socket.inet_aton("203.0.113.9") +
                   socket.inet_aton("10.0.0.1") + (40000).to_bytes(2, "big") + (443).to_bytes(2, "big")):
        with tcpkit.connect(p.ports["lb"]) as c:
            c.sendall(header + request)
            data = tcpkit.recv_some(c, 1 << 20)
        assert data.startswith(b"HTTP/1.1 200"), data[:100]
        body = data.split(b"\r\n\r\n", 1)[1]
        headers = {k.lower(): v for k, v in __import__("json").loads(body)["headers"]}
        assert headers["x-real-ip"] == "203.0.113.9"
        assert headers["x-forwarded-for"] == "203.0.113.9"
    # A direct connection from a trusted peer without a header still works.
    r = p.get("/direct", entrypoint="lb")
    assert r.status == 200
    # From a peer outside trustedIPs the header is not interpreted: it is just a bad request.
    with tcpkit.connect(p.ports["untrusted"]) as c:
        c.sendall(b"PROXY TCP4 203.0.113.9 10.0.0.1 40000 443\r\n" + request)
        assert tcpkit.recv_some(c, 12).startswith(b"HTTP/1.1 400")


def test_weighted_tcp_service_and_tls_to_the_server(pier_factory, servers, pki):
    a, b = servers("a"), servers("b")
    ctx = tcpkit.server_context(str(pki["db"].cert), str(pki["db"].key))
    secure = servers("secure", tls=ctx)
    cfg = tcp_config(
        {"w": {"rule": "HostSNI(`*`)", "service": "split", "entryPoints": ["tcp"]},
         "t": {"rule": "HostSNI(`*`)", "service": "to-tls", "entryPoints": ["tcp2"]}},
        {"split": {"weighted": {"services": [{"name": "sa", "weight": 3},
                                             {"name": "sb", "weight": 1}]}},
         "sa": tcp_lb(a), "sb": tcp_lb(b),
         "to-tls": {"loadBalancer": {"servers": [{"address": secure.address, "tls": True}],
                                     "serversTransport": "private"}}})
    cfg["tcp"]["serversTransports"] = {"private": {"tls": {"serverName": "db.test",
                                                           "rootCAs": [str(pki["ca"].cert)]}}}
    p = pier_factory(static={"entryPoints": {"tcp": {"address": None}, "tcp2": {"address": None}},
                             "workers": 1}, dynamic=cfg)
    seen = []
    for _ in range(8):
        with tcpkit.connect(p.ports["tcp"]) as c:
            c.sendall(b"?")
            seen.append(tcpkit.recv_some(c, 3).split(b":")[0].decode())
    assert seen.count("a") == 6 and seen.count("b") == 2, seen
    with tcpkit.connect(p.ports["tcp2"]) as c:  # plain in, TLS (verified) to the server
        c.sendall(b"hi")
        assert tcpkit.recv_some(c, 9) == b"secure:hi"
    assert secure.errors == []
