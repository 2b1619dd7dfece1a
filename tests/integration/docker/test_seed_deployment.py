"""End-to-end: the reference deployment of the seed (examples/docker-compose.yml) with TLS.

The real example file is brought up with Compose against a real engine: Pier's image built
offline from the current binary, the test backend image standing in for ns / sfs / mc, and test
certificates written by examples/make-test-certs.sh into a temporary directory (PIER_CERTS_DIR).
Pier's :80 and :443 are published on 127.0.0.1 only, on free ports. Clients are Python's own TLS
stack (OpenSSL), so nothing here shares code with Pier or the backend:

* the four wss:// paths reach ns:9999, ns:8888, mc:8888, sfs:8888 over TLS 1.3 with Pier's
  certificate for the host, and a WebSocket upgrade works through them;
* TLS 1.2 is refused on websecure (TLS options `default`: minVersion VersionTLS13);
* plain HTTP on :80 redirects to https;
* ns-api.<host> / mc-api.<host> are passed through on SNI: the client sees the backend's own
  certificate, completes mutual TLS with it, and the backend reports the client certificate's CN;
  without a certificate, or with one from another CA, the backend refuses;
* the admin entry point answers /ping inside the proxy container and is not published.

The Compose project is up once for the module (names pier-seed-*, removed at the end and swept
before). Every wait is bounded. Needs PIER_BIN and PIER_BACKEND_STATIC_BIN:
  PIER_BIN=build/src/app/pier \
  PIER_BACKEND_STATIC_BIN=build/tests/support/backend/pier-test-backend-static \
    /usr/bin/python3 -m pytest -q -s -p no:cacheprovider \
    tests/integration/docker/test_seed_deployment.py
"""

from __future__ import annotations

import base64
import os
import socket
import ssl
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

import certs
import dockerlib
import harness
import rawhttp
from dockerlib import REPO_ROOT, docker

PREFIX = "pier-seed-"
PROJECT = f"{PREFIX}deploy"
HOST = "nextauth.seed.test"
# Own tags, so a concurrent run of test_pier_docker.py (pier:dev) cannot swap the images.
PIER_TAG = "pier:seed-e2e"
BACKEND_TAG = "pier-test-backend:seed-e2e"
COMPOSE_FILE = REPO_ROOT / "examples/docker-compose.yml"
WSS_ROUTES = {"/ns/websocket": "ns:9999", "/ns/sigmai": "ns:8888",
              "/mc/sigmai": "mc:8888", "/sfs/sigmai": "sfs:8888"}
API_HOSTS = {"ns": f"ns-api.{HOST}", "mc": f"mc-api.{HOST}"}

pytestmark = pytest.mark.usefixtures("require_pier")


# ----------------------------------------------------------------------------------------------
# TLS clients on top of rawhttp (the same parser and WebSocket framing as the plain tests).


class TlsClient(rawhttp.RawClient):
    """One TLS connection to 127.0.0.1:port with the given SNI; the handshake is done here."""

    def __init__(self, port: int, ctx: ssl.SSLContext, sni: str,
                 timeout: float = rawhttp.DEFAULT_TIMEOUT, addr: str = "127.0.0.1"):
        self.host, self.port, self.timeout = addr, port, timeout
        raw = socket.create_connection((addr, port), timeout=timeout)
        try:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock = ctx.wrap_socket(raw, server_hostname=sni)
        except BaseException:
            raw.close()
            raise
        self.sock.settimeout(timeout)
        self.reader = rawhttp._Reader(self.sock)

    @property
    def version(self) -> str:
        return self.sock.version() or ""

    def peer_cert(self) -> dict:
        return self.sock.getpeercert() or {}


def subject_cn(cert: dict, field: str = "subject") -> str:
    for rdn in cert.get(field, ()):
        for k, v in rdn:
            if k == "commonName":
                return v
    return ""


def client_context(ca: Path, cert: Optional[certs.Pem] = None,
                   max_version: Optional[ssl.TLSVersion] = None) -> ssl.SSLContext:
    """Verifies the server against `ca` (chain and host name), optionally presents `cert`."""
    ctx = ssl.create_default_context(cafile=str(ca))
    if cert is not None:
        ctx.load_cert_chain(str(cert.cert), str(cert.key))
    if max_version is not None:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.maximum_version = max_version
    return ctx


def https_get(port: int, ctx: ssl.SSLContext, sni: str, target: str = "/",
              timeout: float = 10.0):
    """(response, TLS version, peer certificate) of one GET on a fresh TLS connection."""
    with TlsClient(port, ctx, sni, timeout) as c:
        r = c.get(target, host=sni, headers={"Connection": "close"}, timeout=timeout)
        return r, c.version, c.peer_cert()


def wss_connect(port: int, ctx: ssl.SSLContext, host: str, target: str,
                timeout: float = 10.0) -> rawhttp.WebSocket:
    key = base64.b64encode(os.urandom(16)).decode()
    c = TlsClient(port, ctx, host, timeout)
    try:
        c.send(rawhttp.build_request("GET", target, host, [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")]))
        resp = c.read_response("GET")
        assert resp.status == 101, f"upgrade over TLS refused: {resp!r}"
        assert resp.header("Sec-WebSocket-Accept") == rawhttp.ws_accept(key)
    except BaseException:
        c.close()
        raise
    return rawhttp.WebSocket(c, resp)


# ----------------------------------------------------------------------------------------------
# The deployment.


@dataclass
class Deployment:
    engine: str
    cmd: list
    env: dict
    http_port: int
    https_port: int
    certs: Path
    ca: Path
    client: certs.Pem
    stranger: certs.Pem   # a client certificate from another CA

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return dockerlib.compose(self.cmd, PROJECT, [COMPOSE_FILE], *args, host=self.engine,
                                 env=self.env, check=check)

    def container(self, service: str) -> str:
        cid = self.compose("ps", "-q", service).stdout.strip()
        assert cid, f"no container for service {service}"
        return cid

    def logs(self, service: str) -> str:
        r = docker("logs", self.container(service), host=self.engine, check=False)
        return r.stdout + r.stderr


def _make_certs(directory: Path) -> tuple[certs.Pem, certs.Pem]:
    """examples/make-test-certs.sh into directory, plus a client certificate from another CA."""
    r = subprocess.run(["sh", str(REPO_ROOT / "examples/make-test-certs.sh"), str(directory)],
                       env=dict(os.environ, NEXTAUTH_HOST=HOST, CLIENT_CN="seed-api-client"),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"make-test-certs.sh failed:\n{r.stdout}\n{r.stderr}"
    other_ca = certs.make_ca(directory / "other", "other-ca")
    stranger = certs.make_leaf(directory / "other", other_ca, "stranger", client=True)
    return certs.Pem(directory / "client.crt", directory / "client.key"), stranger


def _all_routes_up(d: Deployment) -> bool:
    ctx = client_context(d.ca)
    for path, who in WSS_ROUTES.items():
        r, _, _ = https_get(d.https_port, ctx, HOST, path, timeout=5)
        if r.status != 200 or r.json().get("name") != who:
            return False
    with_cert = client_context(d.ca, d.client)
    for svc, sni in API_HOSTS.items():
        r, _, _ = https_get(d.https_port, with_cert, sni, "/", timeout=5)
        if r.status != 200 or r.json().get("name") != f"{svc}:8080":
            return False
    return True


@pytest.fixture(scope="module")
def deployment(engine):
    backend_static = os.environ.get("PIER_BACKEND_STATIC_BIN", "")
    if not backend_static or not Path(backend_static).exists():
        pytest.skip("PIER_BACKEND_STATIC_BIN not set or missing (build pier-test-backend-static)")
    if shutil.which("openssl") is None:
        pytest.skip("the openssl CLI is needed to make the test certificates")
    if dockerlib.ensure_busybox_static() is None:
        pytest.skip("busybox-static unavailable (apt-get install busybox-static)")
    cmd = dockerlib.compose_cmd(engine)
    if cmd is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is available")
    t0 = time.monotonic()
    dockerlib.remove_everything_named(PREFIX, engine)
    dockerlib.build_backend_image(engine, backend_static, BACKEND_TAG)
    dockerlib.build_pier_image(engine, str(harness.pier_bin()), PIER_TAG)
    tmp = Path(tempfile.mkdtemp(prefix=f"{PREFIX}certs-"))
    client, stranger = _make_certs(tmp)
    http_port, https_port = harness.free_port(), harness.free_port()
    while https_port == http_port:
        https_port = harness.free_port()
    env = {"NEXTAUTH_HOST": HOST, "PIER_CERTS_DIR": str(tmp),
           "PIER_HTTP_PUBLISH": f"127.0.0.1:{http_port}",
           "PIER_HTTPS_PUBLISH": f"127.0.0.1:{https_port}",
           "PIER_IMAGE": PIER_TAG, "BACKEND_IMAGE": BACKEND_TAG}
    d = Deployment(engine, cmd, env, http_port, https_port, tmp, tmp / "ca.crt", client, stranger)
    try:
        d.compose("up", "-d")
        harness.wait_until(lambda: _all_routes_up(d), 60, interval=0.25,
                           what="the four wss routes and the two API hosts through pier")
        print(f"\n[seed] deployment up and routed in {time.monotonic() - t0:.1f}s "
              f"(images built, certificates made, compose up)")
        yield d
    except BaseException:
        logs = d.compose("logs", "--no-color", "--tail", "80", check=False)
        print("compose logs:\n" + (logs.stdout + logs.stderr)[-12000:])
        raise
    finally:
        d.compose("down", "-t", "2", check=False)
        dockerlib.remove_everything_named(PREFIX, engine)
        for tag in (PIER_TAG, BACKEND_TAG):
            docker("rmi", tag, host=engine, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# What Pier terminates: the four wss:// paths on websecure.


@pytest.mark.parametrize("path", list(WSS_ROUTES))
def test_wss_path_reaches_its_container_over_tls13(deployment, path):
    d = deployment
    r, version, cert = https_get(d.https_port, client_context(d.ca), HOST, path + "?from=seed")
    assert r.status == 200, r
    body = r.json()
    assert body["name"] == WSS_ROUTES[path]
    assert version == "TLSv1.3"
    # Pier's certificate for the host (made by make-test-certs.sh; verified against its CA).
    assert subject_cn(cert) == HOST
    assert subject_cn(cert, "issuer") == "Pier example test CA"
    # TLS ended at Pier: the backend saw plain HTTP with the forwarded scheme.
    assert "tls" not in body
    headers = {k.lower(): v for k, v in body["headers"]}
    assert headers.get("x-forwarded-proto") == "https"
    assert body["target"] == path + "?from=seed"

    with wss_connect(d.https_port, client_context(d.ca), HOST, path) as ws:
        assert ws.response.header("X-Backend-Name") == WSS_ROUTES[path]
        for msg in ("hello over wss " + path, "x" * 70000):
            ws.send_text(msg)
            op, data = ws.recv_message(10)
            assert (op, data.decode()) == (rawhttp.OP_TEXT, msg)
        ws.send_frame(rawhttp.OP_CLOSE, (1000).to_bytes(2, "big"))
        op, data = ws.recv_message(10)
        assert (op, data) == (rawhttp.OP_CLOSE, (1000).to_bytes(2, "big"))


def test_tls12_refused_on_websecure(deployment):
    d = deployment
    for sni in (HOST, f"other.{HOST}"):
        with pytest.raises(ssl.SSLError):
            TlsClient(d.https_port, client_context(d.ca, max_version=ssl.TLSVersion.TLSv1_2),
                      sni, timeout=10).close()
    # The same client allowed TLS 1.3 gets through: the refusal is about the version.
    r, version, _ = https_get(d.https_port, client_context(d.ca), HOST, "/ns/sigmai")
    assert (r.status, version) == (200, "TLSv1.3")


def test_unrouted_host_and_path_on_websecure(deployment):
    d = deployment
    r, version, _ = https_get(d.https_port, client_context(d.ca), HOST, "/nowhere")
    assert (r.status, version) == (404, "TLSv1.3")
    # *.host is covered by the wildcard certificate, but no router serves other.<host>.
    r, _, cert = https_get(d.https_port, client_context(d.ca), f"other.{HOST}", "/ns/sigmai")
    assert r.status == 404
    assert subject_cn(cert) == HOST


def test_http_redirects_to_https(deployment):
    d = deployment
    for path in (*WSS_ROUTES, "/anything"):
        r = rawhttp.get(d.http_port, path + "?q=1", host=HOST, timeout=10)
        assert r.status in (301, 308), r
        assert r.header("Location") in (f"https://{HOST}{path}?q=1",
                                        f"https://{HOST}:443{path}?q=1"), r
        assert r.header("X-Backend-Name") is None   # answered by Pier, not forwarded


# ----------------------------------------------------------------------------------------------
# What Pier passes through: ns-api / mc-api by SNI, mutual TLS with the backends.


@pytest.mark.parametrize("svc", list(API_HOSTS))
def test_api_passthrough_mutual_tls_with_backend(deployment, svc):
    d = deployment
    sni = API_HOSTS[svc]
    r, version, cert = https_get(d.https_port, client_context(d.ca, d.client), sni,
                                 "/v1/ping?x=1")
    assert r.status == 200, r
    body = r.json()
    assert body["name"] == f"{svc}:8080"
    # The client saw the backend's own certificate, not Pier's.
    assert subject_cn(cert) == sni
    assert ("DNS", sni) in cert.get("subjectAltName", ())
    assert ("DNS", f"*.{HOST}") not in cert.get("subjectAltName", ())
    assert version == "TLSv1.3"
    # ...and the backend verified the client's certificate itself.
    assert body["tls"] == {"version": "TLSv1.3", "client_cn": "seed-api-client"}
    # Bytes were not rewritten: no forwarding headers were added on the way.
    headers = {k.lower() for k, _ in body["headers"]}
    assert not any(h.startswith("x-forwarded-") for h in headers), headers
    assert body["target"] == "/v1/ping?x=1"


def _refused(d: Deployment, sni: str, ctx: ssl.SSLContext) -> str:
    """Connects and sends a request; returns how the TLS 1.3 peer refused (the client's handshake
    may finish before the server has checked the client certificate, so the refusal can come on
    the first read). Fails when an HTTP answer arrives instead."""
    try:
        with TlsClient(d.https_port, ctx, sni, timeout=10) as c:
            c.send(rawhttp.build_request("GET", "/", sni, {"Connection": "close"}))
            r = c.read_response("GET", timeout=10)
    except (ssl.SSLError, ConnectionError) as e:
        return repr(e)
    pytest.fail(f"{sni}: expected the backend to refuse, got an answer: {r!r}")


@pytest.mark.parametrize("svc", list(API_HOSTS))
def test_api_passthrough_refuses_missing_or_foreign_client_certificate(deployment, svc):
    d = deployment
    sni = API_HOSTS[svc]
    before = d.logs(svc).count(f"TLS-REFUSED {svc}:8080")
    no_cert = _refused(d, sni, client_context(d.ca))
    foreign = _refused(d, sni, client_context(d.ca, d.stranger))
    print(f"\n[seed] {sni}: without a client certificate: {no_cert}; "
          f"with one from another CA: {foreign}")
    # It is the backend that refused (Pier does not terminate these connections).
    harness.wait_until(lambda: d.logs(svc).count(f"TLS-REFUSED {svc}:8080") >= before + 2, 10,
                       what=f"{svc} to log both refusals")
    # TLS 1.2 is refused by the backend as well (it speaks TLS 1.3 only).
    with pytest.raises((ssl.SSLError, ConnectionError)):
        TlsClient(d.https_port, client_context(d.ca, d.client, ssl.TLSVersion.TLSv1_2), sni,
                  timeout=10).close()


# ----------------------------------------------------------------------------------------------
# Internal only: the admin entry point; and the image contract.


def test_admin_entry_point_internal_and_not_published(deployment):
    d = deployment
    proxy = d.container("proxy")
    ping = docker("exec", proxy, "wget", "-q", "-O", "-", "http://127.0.0.1:9000/ping",
                  host=d.engine, timeout=30).stdout
    assert ping.strip() == "OK"
    info = dockerlib.inspect(proxy, d.engine)
    ports = info["NetworkSettings"]["Ports"] or {}
    published = {k: v for k, v in ports.items() if v}
    assert set(published) == {"80/tcp", "443/tcp"}, ports
    assert "9000/tcp" not in ports
    for bindings in published.values():
        assert all(b["HostIp"] == "127.0.0.1" for b in bindings), published
    # Bound to loopback inside the container: its network address does not answer on 9000.
    ip = next(iter(info["NetworkSettings"]["Networks"].values()))["IPAddress"]
    assert ip and not rawhttp.try_connect(9000, addr=ip, timeout=2)
    # The compose health check (busybox wget on /ping) passes.
    harness.wait_until(
        lambda: (dockerlib.inspect(proxy, d.engine)["State"].get("Health") or {})
        .get("Status") == "healthy", 60, interval=0.5, what="proxy container healthy")
    # The backends' admin ports (9613) are not routed: no router exists for them.
    for svc in ("ns", "mc", "sfs"):
        for p in (dockerlib.inspect(d.container(svc), d.engine)["NetworkSettings"]["Ports"]
                  or {}).values():
            assert not p, f"{svc} publishes a port: {p}"


def test_pier_image_contract(deployment):
    """Spec A.12, as the example uses the image: flags, sub-commands and commands through the
    entrypoint (kept from the plain-HTTP example test this file replaces)."""
    d = deployment
    ver = docker("run", "--rm", "--name", f"{PREFIX}version", PIER_TAG, "version",
                 host=d.engine).stdout
    assert "Version" in ver or "0." in ver, ver
    assert docker("run", "--rm", "--name", f"{PREFIX}sh", PIER_TAG, "sh", "-c", "echo ok",
                  host=d.engine).stdout.strip() == "ok"
    assert docker("run", "--rm", "--name", f"{PREFIX}traefik", "--entrypoint", "traefik",
                  PIER_TAG, "version", host=d.engine).returncode == 0
