"""TLS termination (spec F.1-F.5) with real TLS clients (Python's OpenSSL) and certificates made
at test time: certificate choice by SNI, TLS options (versions, sniStrict, the five client
authentication modes), 421 against domain fronting, entry-point TLS, TLS-terminated TCP routes,
https backends through serversTransports, and session resumption."""

from __future__ import annotations

import http.server
import json
import socket
import ssl
import threading

import pytest

import certs
import harness
import tcpkit
from harness import lb, router


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    ca = certs.make_ca(d, "test-ca")
    other = certs.make_ca(d, "other-ca")
    return {
        "ca": ca,
        "a": certs.make_leaf(d, ca, "a.test", ["a.test"]),
        "wild": certs.make_leaf(d, ca, "wild", ["*.w.test"]),
        "fallback": certs.make_leaf(d, ca, "fallback.test", ["fallback.test"]),
        "backend": certs.make_leaf(d, ca, "backend.test", ["backend.test", "127.0.0.1"]),
        "client": certs.make_leaf(d, ca, "client-one", client=True),
        "rogue": certs.make_leaf(d, other, "rogue", client=True),
    }


def tls_file_config(pki, routers: dict, services: dict, options: dict | None = None,
                    default_cert: bool = False, extra_certs: tuple = ("a", "wild")) -> dict:
    doc: dict = {"http": {"routers": routers, "services": services},
                 "tls": {"certificates": [{"certFile": str(pki[n].cert), "keyFile": str(pki[n].key)}
                                          for n in extra_certs]}}
    if options:
        doc["tls"]["options"] = options
    if default_cert:
        doc["tls"]["stores"] = {"default": {"defaultCertificate": {
            "certFile": str(pki["fallback"].cert), "keyFile": str(pki["fallback"].key)}}}
    return doc


def https_get(port: int, sni: str | None, ctx: ssl.SSLContext, host: str | None = None,
              path: str = "/") -> tuple[int, bytes, ssl.SSLSocket]:
    s = tcpkit.tls_connect(port, sni, ctx)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host or sni}\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    status = int(data.split(b" ", 2)[1])
    body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
    return status, body, s


def read_response(s: socket.socket) -> bytes:
    """One Content-Length response from a keep-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        assert chunk, data
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int([line.split(b":", 1)[1] for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:")][0])
    while len(body) < length:
        chunk = s.recv(65536)
        assert chunk
        body += chunk
    return head + b"\r\n\r\n" + body


def peer_cn(port: int, sni: str | None) -> str:
    ctx = tcpkit.client_context(verify=False)
    with tcpkit.tls_connect(port, sni, ctx) as s:
        der = s.getpeercert(binary_form=True)
    pem = ssl.DER_cert_to_PEM_cert(der)
    import subprocess
    out = subprocess.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "multiline"],
                         input=pem.encode(), capture_output=True, check=True).stdout.decode()
    return out.split("commonName", 1)[1].split("=", 1)[1].strip()


def test_https_router_serves_over_tls_only(pier_factory, backend, pki):
    cfg = tls_file_config(pki, {"secure": router("Host(`a.test`)", "s", tls={}),
                                "plain": router("Host(`plain.test`)", "s")},
                          {"s": lb(backend)})
    p = pier_factory(dynamic=cfg)
    ctx = tcpkit.client_context(ca=str(pki["ca"].cert))
    status, body, _ = https_get(p.ports["web"], "a.test", ctx, path="/x")
    assert status == 200
    seen = json.loads(body)
    headers = {k.lower(): v for k, v in seen["headers"]}
    assert headers["x-forwarded-proto"] == "https"
    # spec C.4: a TLS router does not answer plain HTTP, a plain router does not answer TLS.
    assert p.get("/", "a.test").status == 404
    assert p.get("/", "plain.test").status == 200
    status, _, _ = https_get(p.ports["web"], "a.test", ctx, host="plain.test")
    assert status == 404


def test_certificate_chosen_by_sni_exact_wildcard_default(pier_factory, backend, pki):
    cfg = tls_file_config(pki, {"r": router("HostRegexp(`.+`)", "s", tls={})},
                          {"s": lb(backend)}, default_cert=True)
    p = pier_factory(dynamic=cfg)
    port = p.ports["web"]
    assert peer_cn(port, "a.test") == "a.test"
    assert peer_cn(port, "x.w.test") == "wild"
    assert peer_cn(port, "y.x.w.test") == "fallback.test"  # wildcards cover one label only
    assert peer_cn(port, "unknown.test") == "fallback.test"
    assert peer_cn(port, None) == "fallback.test"


def test_generated_default_certificate(pier_factory, backend, pki):
    cfg = tls_file_config(pki, {"r": router("HostRegexp(`.+`)", "s", tls={})},
                          {"s": lb(backend)}, extra_certs=())
    p = pier_factory(dynamic=cfg)
    assert peer_cn(p.ports["web"], "anything.test") == "TRAEFIK DEFAULT CERT"
    # Every entry point answers TLS (spec C.5 4f), then HTTP routing says 404 for plain routers.
    ctx = tcpkit.client_context(verify=False)
    status, _, _ = https_get(p.ports["web"], "anything.test", ctx)
    assert status == 200


def test_sni_strict_refuses_unknown_names(pier_factory, backend, pki):
    cfg = tls_file_config(pki, {"r": router("HostRegexp(`.+`)", "s", tls={})},
                          {"s": lb(backend)}, options={"default": {"sniStrict": True}})
    p = pier_factory(dynamic=cfg)
    ctx = tcpkit.client_context(ca=str(pki["ca"].cert))
    status, _, _ = https_get(p.ports["web"], "a.test", ctx)
    assert status == 200
    with pytest.raises((ssl.SSLError, OSError)):
        https_get(p.ports["web"], "unknown.test", tcpkit.client_context(verify=False))


def test_tls13_only_options_refuse_tls12(pier_factory, backend, pki):
    cfg = tls_file_config(pki, {"r": router("Host(`a.test`)", "s", tls={"options": "modern"})},
                          {"s": lb(backend)}, options={"modern": {"minVersion": "VersionTLS13"}})
    p = pier_factory(dynamic=cfg)
    ok = tcpkit.client_context(ca=str(pki["ca"].cert))
    status, _, s = https_get(p.ports["web"], "a.test", ok)
    assert status == 200 and s.version() == "TLSv1.3"
    old = tcpkit.client_context(ca=str(pki["ca"].cert), max_version=ssl.TLSVersion.TLSv1_2)
    with pytest.raises((ssl.SSLError, OSError)):
        https_get(p.ports["web"], "a.test", old)
    # The default options still allow TLS 1.2 for other names.
    status, _, s = https_get(p.ports["web"], "x.w.test",
                             tcpkit.client_context(ca=str(pki["ca"].cert),
                                                   max_version=ssl.TLSVersion.TLSv1_2))
    assert status == 404 and s.version() == "TLSv1.2"


# clientAuthType -> outcome for (no certificate, certificate from another CA, right CA).
CLIENT_AUTH = {
    "NoClientCert": (True, True, True),
    "RequestClientCert": (True, True, True),
    "RequireAnyClientCert": (False, True, True),
    "VerifyClientCertIfGiven": (True, False, True),
    "RequireAndVerifyClientCert": (False, False, True),
}


@pytest.mark.parametrize("mode", list(CLIENT_AUTH))
def test_client_auth_modes(pier_factory, backend, pki, mode):
    options = {"mtls": {"minVersion": "VersionTLS13",
                        "clientAuth": {"caFiles": [str(pki["ca"].cert)], "clientAuthType": mode}}}
    cfg = tls_file_config(pki, {"r": router("Host(`a.test`)", "s", tls={"options": "mtls"})},
                          {"s": lb(backend)}, options=options)
    p = pier_factory(dynamic=cfg)
    clients = [
        tcpkit.client_context(ca=str(pki["ca"].cert)),
        tcpkit.client_context(ca=str(pki["ca"].cert), cert=str(pki["rogue"].cert),
                              key=str(pki["rogue"].key)),
        tcpkit.client_context(ca=str(pki["ca"].cert), cert=str(pki["client"].cert),
                              key=str(pki["client"].key)),
    ]
    outcomes = []
    for ctx in clients:
        try:
            status, _, _ = https_get(p.ports["web"], "a.test", ctx)
            outcomes.append(status == 200)
        except (ssl.SSLError, OSError, IndexError, ValueError):
            outcomes.append(False)  # TLS 1.3: the alert may only show on the first read
    assert tuple(outcomes) == CLIENT_AUTH[mode], outcomes


def test_domain_fronting_gets_421(pier_factory, backend, pki):
    options = {"mtls": {"clientAuth": {"caFiles": [str(pki["ca"].cert)],
                                       "clientAuthType": "RequireAndVerifyClientCert"}}}
    cfg = tls_file_config(pki, {"public": router("Host(`x.w.test`)", "s", tls={}),
                                "private": router("Host(`a.test`)", "s",
                                                  tls={"options": "mtls"})},
                          {"s": lb(backend)}, options=options)
    p = pier_factory(dynamic=cfg)
    ctx = tcpkit.client_context(ca=str(pki["ca"].cert))
    status, body, _ = https_get(p.ports["web"], "x.w.test", ctx, host="a.test")
    assert status == 421 and body == b"Misdirected Request\n"
    status, _, _ = https_get(p.ports["web"], "x.w.test", ctx)
    assert status == 200


def test_entry_point_tls_makes_its_routers_tls(pier_factory, backend, pki):
    static = {"entryPoints": {"websecure": {"address": None, "http": {"tls": {}}}}}
    cfg = tls_file_config(pki, {"r": router("Host(`a.test`)", "s", entry_points=["websecure"])},
                          {"s": lb(backend)})
    p = pier_factory(static=static, dynamic=cfg)
    status, _, _ = https_get(p.ports["websecure"], "a.test",
                             tcpkit.client_context(ca=str(pki["ca"].cert)))
    assert status == 200
    assert p.get("/", "a.test", entrypoint="websecure").status == 404


def test_tcp_route_terminating_tls(pier_factory, pki):
    echo = tcpkit.TcpServer("plain-db")
    try:
        cfg = tls_file_config(pki, {}, {})
        cfg.pop("http")
        cfg["tcp"] = {"routers": {"t": {"rule": "HostSNI(`a.test`)", "service": "db",
                                        "entryPoints": ["tcp"], "tls": {}}},
                      "services": {"db": {"loadBalancer": {"servers": [{"address": echo.address}]}}}}
        p = pier_factory(static={"entryPoints": {"tcp": {"address": None}}}, dynamic=cfg)
        with tcpkit.tls_connect(p.ports["tcp"], "a.test",
                                tcpkit.client_context(ca=str(pki["ca"].cert))) as s:
            s.sendall(b"decrypted")
            assert tcpkit.recv_some(s, 18) == b"plain-db:decrypted"
    finally:
        echo.close()


class _HttpsBackend:
    """An HTTPS backend (Python's TLS) answering with the client certificate's CN it saw."""

    def __init__(self, pki, require_client: bool):
        ctx = tcpkit.server_context(str(pki["backend"].cert), str(pki["backend"].key),
                                    client_ca=str(pki["ca"].cert) if require_client else None,
                                    require_client=require_client)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                cert = self.connection.getpeercert() or {}
                cn = dict(x[0] for x in cert.get("subject", ())).get("commonName", "")
                body = json.dumps({"client_cn": cn, "path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_https_backend_with_private_ca_and_client_certificate(pier_factory, pki):
    be = _HttpsBackend(pki, require_client=True)
    try:
        transports = {
            "mtls": {"serverName": "backend.test", "rootCAs": [str(pki["ca"].cert)],
                     "certificates": [{"certFile": str(pki["client"].cert),
                                       "keyFile": str(pki["client"].key)}]},
            "wrong-ca": {"serverName": "backend.test", "rootCAs": [str(pki["rogue"].cert)]},
            "skip": {"insecureSkipVerify": True,
                     "certificates": [{"certFile": str(pki["client"].cert),
                                       "keyFile": str(pki["client"].key)}]},
        }
        url = f"https://127.0.0.1:{be.port}"
        services = {n: {"loadBalancer": {"servers": [{"url": url}], "serversTransport": n}}
                    for n in transports}
        routers = {n: router(f"PathPrefix(`/{n}`)", n) for n in transports}
        cfg = {"http": {"routers": routers, "services": services,
                        "serversTransports": transports}}
        p = pier_factory(dynamic=cfg)
        r = p.get("/mtls/x")
        assert r.status == 200, r
        assert r.json() == {"client_cn": "client-one", "path": "/mtls/x"}
        assert p.get("/wrong-ca").status == 502  # the backend's certificate is not trusted
        assert p.get("/skip").status == 200
    finally:
        be.close()


def test_session_resumption(pier_factory, backend, pki):
    cfg = tls_file_config(pki, {"r": router("Host(`a.test`)", "s", tls={})}, {"s": lb(backend)})
    p = pier_factory(dynamic=cfg)
    for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
        ctx = tcpkit.client_context(ca=str(pki["ca"].cert), min_version=version,
                                    max_version=version)
        status, _, first = https_get(p.ports["web"], "a.test", ctx)
        assert status == 200 and not first.session_reused
        session = first.session
        resumed = 0
        for _ in range(4):  # the two workers share ticket keys: every attempt resumes
            raw = tcpkit.connect(p.ports["web"])
            s = ctx.wrap_socket(raw, server_hostname="a.test", session=session)
            s.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
            while s.recv(65536):
                pass
            resumed += int(s.session_reused)
            s.close()
        assert resumed == 4, (version, resumed)


def test_unfinished_handshake_and_garbage_are_closed(pier_factory, backend, pki):
    static = {"entryPoints": {"web": {"transport": {"respondingTimeouts": {"readTimeout": "1s"}}}}}
    cfg = tls_file_config(pki, {"r": router("Host(`a.test`)", "s", tls={})}, {"s": lb(backend)})
    p = pier_factory(static=static, dynamic=cfg)
    with tcpkit.connect(p.ports["web"]) as c:
        c.sendall(b"\x16\x03\x01\x00\x10")
        assert tcpkit.closed_within(c, 4)
    with tcpkit.connect(p.ports["web"]) as c:
        hello = b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00"  # a ClientHello with a broken body
        c.sendall(hello)
        assert tcpkit.closed_within(c, 2)
    status, _, _ = https_get(p.ports["web"], "a.test", tcpkit.client_context(ca=str(pki["ca"].cert)))
    assert status == 200


def test_certificate_files_reloaded_without_dropping_connections(pier_factory, backend, pki,
                                                                 tmp_path):
    live_cert, live_key = tmp_path / "live.crt", tmp_path / "live.key"
    live_cert.write_text(pki["a"].cert_text())
    live_key.write_text(pki["a"].key_text())
    cfg = {"http": {"routers": {"r": router("HostRegexp(`.+`)", "s", tls={})},
                    "services": {"s": lb(backend)}},
           "tls": {"certificates": [{"certFile": str(live_cert), "keyFile": str(live_key)}]}}
    p = pier_factory(dynamic=cfg)
    port = p.ports["web"]
    assert peer_cn(port, "a.test") == "a.test"
    ctx = tcpkit.client_context(ca=str(pki["ca"].cert))
    kept = tcpkit.tls_connect(port, "a.test", ctx)
    kept.sendall(b"GET /1 HTTP/1.1\r\nHost: a.test\r\n\r\n")
    assert read_response(kept).startswith(b"HTTP/1.1 200")
    # Replace the files in place (same paths), as certbot or a secret mount does.
    live_cert.write_text(pki["fallback"].cert_text())
    live_key.write_text(pki["fallback"].key_text())
    harness.wait_until(lambda: peer_cn(port, "fallback.test") == "fallback.test", 10,
                       what="the new certificate to be served")
    kept.sendall(b"GET /2 HTTP/1.1\r\nHost: a.test\r\n\r\n")  # the old connection still works
    assert read_response(kept).startswith(b"HTTP/1.1 200")
    kept.close()


def test_unreadable_certificate_is_reported_and_the_rest_stays(pier_factory, backend, pki,
                                                                tmp_path):
    cfg = tls_file_config(pki, {"r": router("HostRegexp(`.+`)", "s", tls={})}, {"s": lb(backend)})
    missing = tmp_path / "missing.crt"
    cfg["tls"]["certificates"].append({"certFile": str(missing), "keyFile": str(pki["a"].key)})
    # A certificate with another certificate's key.
    cfg["tls"]["certificates"].append({"certFile": str(pki["fallback"].cert),
                                       "keyFile": str(pki["a"].key)})
    p = pier_factory(dynamic=cfg)
    harness.wait_until(lambda: str(missing) in p.log_text(), 5, what="an error naming the file")
    assert str(pki["fallback"].cert) in p.log_text()
    assert peer_cn(p.ports["web"], "a.test") == "a.test"
    assert peer_cn(p.ports["web"], "x.w.test") == "wild"
    assert peer_cn(p.ports["web"], "fallback.test") == "TRAEFIK DEFAULT CERT"


def test_pass_tls_client_cert_headers(pier_factory, backend, pki):
    import urllib.parse
    options = {"mtls": {"clientAuth": {"caFiles": [str(pki["ca"].cert)],
                                       "clientAuthType": "VerifyClientCertIfGiven"}}}
    cfg = tls_file_config(pki, {"r": router("Host(`a.test`)", "s", tls={"options": "mtls"},
                                            middlewares=["cert"])},
                          {"s": lb(backend)}, options=options)
    cfg["http"]["middlewares"] = {"cert": {"passTLSClientCert": {
        "pem": True,
        "info": {"notBefore": True, "sans": True,
                 "subject": {"commonName": True}, "issuer": {"commonName": True}}}}}
    p = pier_factory(dynamic=cfg)
    with_cert = tcpkit.client_context(ca=str(pki["ca"].cert), cert=str(pki["client"].cert),
                                      key=str(pki["client"].key))
    status, body, _ = https_get(p.ports["web"], "a.test", with_cert)
    assert status == 200
    headers = {k.lower(): v for k, v in json.loads(body)["headers"]}
    expected_pem = "".join(line for line in pki["client"].cert_text().splitlines()
                           if "-----" not in line)
    # The chain as the client sent it, leaf first, comma-separated (OpenSSL clients add the CA
    # they trust when building their chain).
    sent = headers["x-forwarded-tls-client-cert"].split(",")
    assert sent[0] == expected_pem
    assert all("-----" not in c and "\n" not in c for c in sent)
    info = urllib.parse.unquote_plus(headers["x-forwarded-tls-client-cert-info"])
    assert info.startswith('Subject="CN=client-one";Issuer="CN=test-ca";NB="'), info
    # Without a client certificate nothing is added, and a client cannot forge the headers.
    no_cert = tcpkit.client_context(ca=str(pki["ca"].cert))
    s = tcpkit.tls_connect(p.ports["web"], "a.test", no_cert)
    s.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\nX-Forwarded-Tls-Client-Cert: forged\r\n"
              b"Connection: close\r\n\r\n")
    data = tcpkit.recv_some(s, 1 << 20)
    while True:
        more = s.recv(65536)
        if not more:
            break
        data += more
    headers = {k.lower(): v for k, v in json.loads(data.split(b"\r\n\r\n", 1)[1])["headers"]}
    assert "x-forwarded-tls-client-cert" not in headers


def test_json_access_log_has_tls_fields(pier_factory, backend, pki, tmp_path):
    log_path = tmp_path / "access.json"
    options = {"mtls": {"clientAuth": {"caFiles": [str(pki["ca"].cert)],
                                       "clientAuthType": "VerifyClientCertIfGiven"}}}
    cfg = tls_file_config(pki, {"r": router("Host(`a.test`)", "s", tls={"options": "mtls"})},
                          {"s": lb(backend)}, options=options)
    p = pier_factory(static={"accessLog": {"filePath": str(log_path), "format": "json"}},
                     dynamic=cfg)
    with_cert = tcpkit.client_context(ca=str(pki["ca"].cert), cert=str(pki["client"].cert),
                                      key=str(pki["client"].key))
    assert https_get(p.ports["web"], "a.test", with_cert, path="/with")[0] == 200
    assert https_get(p.ports["web"], "a.test", tcpkit.client_context(ca=str(pki["ca"].cert)),
                     path="/without")[0] == 200
    assert p.get("/plain", "a.test").status == 404  # the router is TLS-only

    def entries():
        if not log_path.exists():
            return None
        got = {}
        for line in log_path.read_text().splitlines():
            e = json.loads(line)
            got[e["RequestPath"]] = e
        return got if {"/with", "/without", "/plain"} <= set(got) else None

    got = harness.wait_until(entries, 10, what="three access log lines")
    assert got["/with"]["TLSVersion"] == "1.3"
    assert got["/with"]["TLSCipher"].startswith("TLS_")
    assert got["/with"]["TLSClientSubject"] == "CN=client-one"
    assert got["/with"]["RequestScheme"] == "https"
    assert "TLSClientSubject" not in got["/without"]
    assert got["/without"]["TLSVersion"] == "1.3"
    assert "TLSVersion" not in got["/plain"] and got["/plain"]["RequestScheme"] == "http"
