"""The retry middleware (spec E.6, issue #6): attempts on the balancer's next server when an
attempt failed before any response byte reached the client, back-off between attempts, the
retries counter and the access log's RetryAttempts."""

from __future__ import annotations

import json
import socket
import threading
import time

import harness
import rawhttp
from harness import ClosedPort, lb, router, wait_until
from test_metrics import parse, scrape, value


class ScriptedServer:
    """A loopback server that reads one request per connection and answers it with `reply` (raw
    bytes, possibly a truncated response, or b"" to close without answering). Records what each
    connection received."""

    def __init__(self, reply: bytes = b""):
        self.reply = reply
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        data = b""
        conn.settimeout(5)
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, v = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(v.strip())
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
                data += chunk
            with self.lock:
                self.received.append(data)
            if self.reply:
                conn.sendall(self.reply)
        except OSError:
            pass
        finally:
            conn.close()

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def close(self):
        self.sock.close()


def start(pier_factory, servers, retry: dict, static=None):
    return pier_factory(static=static, dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "s", middlewares=["retry"])},
        {"s": lb(*servers)},
        {"retry": {"retry": retry}}))


def test_refused_server_is_skipped_and_counted(pier_factory, backend, workdir):
    closed = ClosedPort()
    log = workdir / "access.log"
    static = {"metrics": {"prometheus": {}}, "accessLog": {"filePath": str(log), "format": "json"}}
    p = start(pier_factory, [closed.port, backend], {"attempts": 2}, static=static)
    for _ in range(8):
        r = p.get("/x")
        assert r.status == 200, r
        assert r.header("X-Backend-Name") == backend.name
    samples, _ = parse(scrape(p))
    retries = value(samples, "traefik_service_retries_total", service="s@file")
    assert 1 <= retries <= 8
    entries = wait_until(lambda: (ls := [json.loads(l) for l in log.read_text().splitlines() if '"/x"' in l])
                         and len(ls) >= 8 and ls, 15, what="8 access log lines")
    attempts = [e.get("RetryAttempts", 0) for e in entries]
    assert set(attempts) <= {0, 1}
    assert sum(attempts) == retries
    closed.close()


def test_attempts_exhausted_is_502(pier_factory, workdir):
    a, b = ClosedPort(), ClosedPort()
    static = {"metrics": {"prometheus": {}}}
    p = start(pier_factory, [a.port, b.port], {"attempts": 3}, static=static)
    r = p.get("/x")
    assert r.status == 502
    samples, _ = parse(scrape(p))
    assert value(samples, "traefik_service_retries_total", service="s@file") == 2
    a.close()
    b.close()


def test_reset_before_head_retried_for_idempotent_methods_with_body(pier_factory):
    s = ScriptedServer(reply=b"")  # reads the request, closes without a response
    p = start(pier_factory, [s.port], {"attempts": 3})
    body = b"0123456789" * 100
    r = p.request("PUT", "/put", body=body)
    assert r.status == 502
    wait_until(lambda: s.count() == 3, 10, what="three attempts")
    for data in s.received:
        assert data.startswith(b"PUT /put HTTP/1.1")
        assert data.endswith(body)  # the kept body was sent again
    # POST may have been acted upon: not re-sent.
    before = s.count()
    assert p.request("POST", "/post", body=b"x" * 10).status == 502
    time.sleep(1.0)
    assert s.count() == before + 1
    s.close()


def test_no_retry_once_the_response_started(pier_factory):
    s = ScriptedServer(reply=b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
    p = start(pier_factory, [s.port], {"attempts": 3})
    with rawhttp.RawClient("127.0.0.1", p.port()) as c:
        c.send(rawhttp.build_request("GET", "/started"))
        data = c.read_all_until_close(timeout=10)
    assert data.startswith(b"HTTP/1.1 200")
    assert data.endswith(b"partial")  # truncated: the client sees the broken response
    time.sleep(1.0)
    assert s.count() == 1
    s.close()


def test_body_beyond_max_request_body_bytes_is_not_retried(pier_factory):
    s = ScriptedServer(reply=b"")
    p = start(pier_factory, [s.port], {"attempts": 3, "maxRequestBodyBytes": 100})
    assert p.request("PUT", "/big", body=b"y" * 1000).status == 502
    time.sleep(1.0)
    assert s.count() == 1
    assert p.request("PUT", "/small", body=b"y" * 50).status == 502
    wait_until(lambda: s.count() == 4, 10, what="three attempts of the small body")
    s.close()


def test_initial_interval_spaces_attempts(pier_factory):
    a, b = ClosedPort(), ClosedPort()
    p = start(pier_factory, [a.port, b.port], {"attempts": 3, "initialInterval": "500ms"})
    t0 = time.monotonic()
    r = p.get("/x", timeout=30)
    elapsed = time.monotonic() - t0
    assert r.status == 502
    # Waits of 500 ms then ~707 ms: at least 1.2 s in all (no upper bound on a busy machine).
    assert elapsed >= 1.15
    a.close()
    b.close()


def test_bad_retry_options_disable_the_router(pier_factory, backend):
    p = start(pier_factory, [backend], {"attempts": 0})
    assert p.get("/").status == 404
    assert 'middleware "retry@file": retry.attempts' in p.log_text()
