"""Checks of the harness itself (clients, load generator, config emitter) and of pier-test-backend,
without pier. nginx (when installed) stands in for a proxy to check the client logic of the proxy
tests: pipelining, streaming, WebSocket through an intermediary, RSS sampling."""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import threading
import time

import pytest

import harness
import rawhttp
import yamlgen
from loadgen import LoadGen
from rawhttp import OP_BINARY, OP_CLOSE, OP_PONG, OP_TEXT, RawClient, WebSocket, backend_view

PATTERN = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+/"


class PatternChecker:
    """Sink for size=N downloads: counts bytes and checks byte i == PATTERN[i % 64]."""

    def __init__(self) -> None:
        self.count = 0
        self.ok = True
        self._ref = PATTERN * ((1 << 20) // 64 + 2)

    def __call__(self, data: bytes) -> None:
        mv = memoryview(data)
        while len(mv):
            take = min(len(mv), 1 << 20)
            off = self.count % 64
            if mv[:take] != self._ref[off:off + take]:
                self.ok = False
            self.count += take
            mv = mv[take:]


def test_backend_describes_request(backend):
    with RawClient("127.0.0.1", backend.port) as c:
        r = c.request("POST", "/a/b%2Fc?x=1&y=%41", host="h.test",
                      headers=[("X-First", "1"), ("x-lower", "v"), ("X-Dup", "a"), ("X-Dup", "b")], body=b"hello")
    assert r.status == 200
    assert r.header("Content-Type") == "application/json"
    v = backend_view(r)
    assert v["name"] == "b1"
    assert v["method"] == "POST"
    assert v["target"] == "/a/b%2Fc?x=1&y=%41"
    assert v["path"] == "/a/b%2Fc"
    assert v["query"] == "x=1&y=%41"
    assert v["version"] == "HTTP/1.1"
    assert v.header_names() == ["Host", "X-First", "x-lower", "X-Dup", "X-Dup", "Content-Length"]
    assert v.header_all("X-Dup") == ["a", "b"]
    assert v["body_bytes"] == 5 and v["body"] == "hello"
    assert v["body_sha256"] == hashlib.sha256(b"hello").hexdigest()
    assert v["remote"].startswith("127.0.0.1:")


def test_backend_keep_alive_and_pipelining(backend):
    with RawClient("127.0.0.1", backend.port) as c:
        r1 = c.get("/1")
        r2 = c.get("/2")
        assert backend_view(r1)["remote"] == backend_view(r2)["remote"] == f"127.0.0.1:{c.local_port}"
        c.send(b"".join(rawhttp.build_request("GET", f"/p{i}?delay_ms={50 if i == 0 else 0}") for i in range(3)))
        paths = [backend_view(c.read_response())["path"] for _ in range(3)]
        assert paths == ["/p0", "/p1", "/p2"]


def test_backend_chunked_request_and_response(backend):
    chunks = [b"a" * 10, b"b" * 70000, b"c"]
    body = b"".join(chunks)
    with RawClient("127.0.0.1", backend.port) as c:
        c.send(rawhttp.build_request("POST", "/?chunked=1", headers=[("Transfer-Encoding", "chunked")])
               + rawhttp.chunked_body(chunks, trailers=[("X-T", "1")]))
        r = c.read_response()
        assert r.chunked
        v = backend_view(r)
        assert v["body_bytes"] == len(body)
        assert v["body_sha256"] == hashlib.sha256(body).hexdigest()
        assert c.get("/again").status == 200


def test_backend_expect_continue(backend):
    with RawClient("127.0.0.1", backend.port) as c:
        c.send(rawhttp.build_request("PUT", "/up", headers=[("Expect", "100-continue"), ("Content-Length", "4")]))
        interim = c.read_response(keep_interim=True, timeout=5)
        assert interim.status == 100
        c.send(b"data")
        v = backend_view(c.read_response())
        assert v["body_bytes"] == 4


def test_backend_controls(backend):
    port = backend.port
    r = rawhttp.get(port, "/?status=503&header=X-A:1&header=X-B:two%20words")
    assert r.status == 503 and r.header("X-A") == "1" and r.header("X-B") == "two words"
    r = rawhttp.get(port, "/?content_type=")
    assert not r.has_header("Content-Type")
    r = rawhttp.get(port, "/?status=204")
    assert r.status == 204 and r.body == b"" and not r.has_header("Content-Length")
    r = rawhttp.request(port, "HEAD", "/?size=1000")
    assert r.status == 200 and r.header("Content-Length") == "1000" and r.body == b""
    with RawClient("127.0.0.1", port) as c:
        r = c.get("/?close=1")
        assert r.wants_close()
        assert c.wait_closed(2)
    with RawClient("127.0.0.1", port) as c:
        t0 = time.monotonic()
        r = c.get("/?delay_ms=300")
        assert time.monotonic() - t0 >= 0.29
    r = rawhttp.request(port, "GET", "/", version="HTTP/1.0", host=None)
    assert r.status == 200 and backend_view(r)["version"] == "HTTP/1.0"


def test_backend_reset(backend):
    with RawClient("127.0.0.1", backend.port) as c:
        with pytest.raises(rawhttp.ClosedError):
            c.get("/?reset=1")
    with RawClient("127.0.0.1", backend.port) as c:
        with pytest.raises((ConnectionResetError, rawhttp.ClosedError)):
            c.get("/?reset=rst")


def test_backend_size_streams_pattern(backend):
    for extra in ("", "&chunked=1"):
        chk = PatternChecker()
        with RawClient("127.0.0.1", backend.port) as c:
            r = c.get(f"/?size={3 * 1024 * 1024 + 7}{extra}", sink=chk)
        assert r.status == 200 and chk.ok and chk.count == 3 * 1024 * 1024 + 7


def test_backend_sse_streams(backend):
    with RawClient("127.0.0.1", backend.port) as c:
        t0 = time.monotonic()
        arrivals = []
        r = c.get("/?sse=4", sink=lambda d: arrivals.append((time.monotonic() - t0, d)))
    assert r.header("Content-Type") == "text/event-stream"
    text = b"".join(d for _, d in arrivals)
    assert text.count(b"data: ") == 4
    assert arrivals[0][0] < 0.2 and arrivals[-1][0] >= 0.29


def test_backend_websocket(backend):
    with WebSocket.connect(backend.port, "/ws?hello=1", host="ws.test", headers=[("X-Forwarded-Proto", "ws")]) as ws:
        op, hello = ws.recv_message()
        info = rawhttp.BackendView(__import__("json").loads(hello))
        assert op == OP_TEXT and info["path"] == "/ws" and info.header("X-Forwarded-Proto") == "ws"
        ws.send_text("hi")
        assert ws.recv_message() == (OP_TEXT, b"hi")
        big = bytes(range(256)) * 4096  # 1 MiB
        ws.send_binary(big)
        assert ws.recv_message(timeout=20) == (OP_BINARY, big)
        ws.send_frame(OP_TEXT, b"frag1-", fin=False)
        ws.send_frame(rawhttp.OP_CONT, b"frag2", fin=True)
        assert ws.recv_message() == (OP_TEXT, b"frag1-frag2")
        ws.send_frame(rawhttp.OP_PING, b"p")
        assert ws.recv_message() == (OP_PONG, b"p")
        assert ws.close(1000) == 1000
    with WebSocket.connect(backend.port, "/ws") as ws:
        huge = b"x" * (16 << 20)
        ws.send_binary(huge)
        assert ws.recv_message(timeout=30) == (OP_BINARY, huge)


def test_backend_raw_banner(backend_factory):
    b = backend_factory("raw", args=["--raw-banner", "220 hello\\r\\n"])
    with socket.create_connection(("127.0.0.1", b.port), timeout=5) as s:
        assert s.recv(100) == b"220 hello\r\n"
        s.sendall(b"ping")
        assert s.recv(100) == b"ping"
        s.shutdown(socket.SHUT_WR)
        assert s.recv(100) == b""


def test_backend_large_upload_streamed(backend):
    """64 MiB here; the 512 MiB variant runs through pier in test_large_bodies."""
    size = 64 << 20
    block = hashlib.sha256(b"seed").digest() * 2048  # 64 KiB
    h = hashlib.sha256()
    with RawClient("127.0.0.1", backend.port, timeout=60) as c:
        c.send(rawhttp.build_request("POST", "/up", headers=[("Content-Length", str(size))]))
        for _ in range(size // len(block)):
            c.sock.sendall(block)
            h.update(block)
        r = c.read_response(timeout=60)
    v = backend_view(r)
    assert v["body_bytes"] == size and v["body_sha256"] == h.hexdigest()
    assert harness.rss_kib(backend.pid) < 64 * 1024


def test_loadgen_and_wait_until(backend):
    with LoadGen(backend.port, "/", threads=3, duration=1.0) as lg:
        harness.wait_until(lambda: lg.result.ok > 50, 5)
    res = lg.stop()
    assert res.failed == 0 and res.ok > 50, str(res)
    bad = LoadGen(backend.port, "/?status=500", threads=1, duration=0.3).start()
    res = bad.stop()
    assert res.failed > 0 and res.ok == 0
    with pytest.raises(TimeoutError):
        harness.wait_until(lambda: False, 0.1)


def test_closed_port_refuses():
    cp = harness.ClosedPort()
    try:
        assert not rawhttp.try_connect(cp.port)
    finally:
        cp.close()


def test_yaml_emitter_roundtrip():
    yaml = pytest.importorskip("yaml")  # only to check the emitter; tests never need it
    doc = {"http": {"routers": {"r": {"rule": "Host(`a`) && Path(\"/x\") || Header(`K`, `v: {x}`)",
                                      "service": "s", "entryPoints": ["web"], "priority": 5}},
                    "services": {"s": harness.lb(1, ("http://x:2", 3)), "e": {"loadBalancer": {"servers": []}}}},
           "ping": {}, "true": "yes", "list": [[1, 2], {}]}
    assert yaml.safe_load(yamlgen.dump(doc)) == doc


# ----------------------------------------------------------------------------------------------
# nginx as a stand-in proxy.

@pytest.fixture
def nginx(workdir, backend):
    exe = shutil.which("nginx") or ("/usr/sbin/nginx" if __import__("os").path.exists("/usr/sbin/nginx") else None)
    if not exe:
        pytest.skip("nginx not installed")
    port = harness.free_port()
    (workdir / "ngx").mkdir()
    conf = workdir / "ngx" / "nginx.conf"
    conf.write_text(f"""
daemon off; master_process off; worker_processes 1; user root;
error_log {workdir}/ngx/error.log info; pid {workdir}/ngx/nginx.pid;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/ngx/body; proxy_temp_path {workdir}/ngx/proxy;
  fastcgi_temp_path {workdir}/ngx/fcgi; uwsgi_temp_path {workdir}/ngx/uwsgi; scgi_temp_path {workdir}/ngx/scgi;
  upstream be {{ server 127.0.0.1:{backend.port}; keepalive 8; }}
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 0; proxy_request_buffering off; proxy_buffering off;
    proxy_http_version 1.1;
    location /ws {{ proxy_pass http://be; proxy_set_header Upgrade $http_upgrade;
                   proxy_set_header Connection "upgrade"; proxy_set_header X-Forwarded-Proto ws;
                   proxy_read_timeout 60s; }}
    location / {{ proxy_pass http://be; proxy_set_header Connection ""; proxy_set_header Host $http_host; }}
  }}
}}
""")
    proc = subprocess.Popen([exe, "-c", str(conf), "-p", str(workdir / "ngx")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        harness.wait_until(lambda: rawhttp.try_connect(port), 10, what="nginx to listen")
        yield port, proc
    finally:
        harness._kill_process(proc)


def test_standin_pipelining_and_keepalive(nginx):
    port, _ = nginx
    with RawClient("127.0.0.1", port) as c:
        c.send(b"".join(rawhttp.build_request("GET", f"/p{i}" + ("?delay_ms=200" if i == 0 else ""), host="a.test")
                        for i in range(3)))
        views = [backend_view(c.read_response()) for _ in range(3)]
        assert [v["path"] for v in views] == ["/p0", "/p1", "/p2"]
        assert all(v.header("Host") == "a.test" for v in views)
        r1, r2 = c.get("/x"), c.get("/y")
        assert backend_view(r1)["remote"] == backend_view(r2)["remote"]  # upstream keep-alive reuse


def test_standin_websocket(nginx):
    port, _ = nginx
    with WebSocket.connect(port, "/ws?hello=1", host="ws.test") as ws:
        op, hello = ws.recv_message()
        info = rawhttp.BackendView(__import__("json").loads(hello))
        assert info.header("X-Forwarded-Proto") == "ws"
        msg = b"\x01" * (1 << 20)
        ws.send_binary(msg)
        assert ws.recv_message(timeout=20) == (OP_BINARY, msg)
        assert ws.close() == 1000


def test_standin_streamed_download_rss(nginx):
    port, proc = nginx
    size = 256 << 20
    chk = PatternChecker()
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], harness.rss_kib(proc.pid))
            time.sleep(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        with RawClient("127.0.0.1", port, timeout=60) as c:
            r = c.get(f"/?size={size}", sink=chk, timeout=60)
    finally:
        done.set()
        t.join(5)
    assert r.status == 200 and chk.ok and chk.count == size
    assert 0 < peak[0] < 64 * 1024


def test_standin_close_after_bad_request(nginx):
    port, _ = nginx
    with RawClient("127.0.0.1", port) as c:
        c.send(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde")
        r = c.read_response()
        assert r.status == 400
        assert c.wait_closed(5)
