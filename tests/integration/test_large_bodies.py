"""Large bodies are streamed, not buffered: 2 GiB (PIER_LARGE_BODY_MIB; the sanitizer build uses
less) up and down through pier while its RSS stays under 64 MiB (sampled from /proc/<pid>/status)."""

from __future__ import annotations

import hashlib
import os
import threading
import time

import pytest

import harness
from harness import lb, router
from rawhttp import backend_view, build_request

SIZE = int(os.environ.get("PIER_LARGE_BODY_MIB", "2048")) << 20
# ASan keeps freed memory in quarantine (hundreds of MiB), so RSS says nothing about buffering
# there; the sanitizer build checks correctness of the streamed bytes only.
RSS_LIMIT_KIB = 64 * 1024 if os.environ.get("PIER_SANITIZED") != "1" else 1 << 40
PATTERN = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+/"


class RssSampler:
    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, harness.rss_kib(self.pid))
                self.samples += 1
            except (OSError, RuntimeError):
                return
            time.sleep(self.interval)

    def __enter__(self) -> "RssSampler":
        self._t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join(5)


class PatternChecker:
    def __init__(self) -> None:
        self.count = 0
        self.ok = True
        self._ref = PATTERN * ((1 << 20) // 64 + 2)

    def __call__(self, data: bytes) -> None:
        off = self.count % 64
        if data != self._ref[off:off + len(data)]:
            self.ok = False
        self.count += len(data)


@pytest.fixture
def proxy(pier_factory, backend):
    return pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}))


def test_large_upload_streamed(proxy):
    block = hashlib.sha256(b"upload").digest() * 32768  # 1 MiB
    h = hashlib.sha256()
    with RssSampler(proxy.pid) as rss, proxy.client(timeout=180) as c:
        c.send(build_request("POST", "/upload", headers=[("Content-Length", str(SIZE))]))
        for _ in range(SIZE // len(block)):
            c.sock.sendall(block)
            h.update(block)
        r = c.read_response(timeout=180)
    assert r.status == 200, r
    v = backend_view(r)
    assert v["body_bytes"] == SIZE
    assert v["body_sha256"] == h.hexdigest()
    assert rss.samples > 0
    assert rss.peak < RSS_LIMIT_KIB, f"pier RSS peaked at {rss.peak} KiB during a {SIZE >> 20} MiB upload"


def test_large_chunked_upload_streamed(proxy):
    block = hashlib.sha256(b"chunked").digest() * 8192  # 256 KiB
    total = 128 << 20
    h = hashlib.sha256()
    with RssSampler(proxy.pid) as rss, proxy.client(timeout=180) as c:
        c.send(build_request("PUT", "/upload", headers=[("Transfer-Encoding", "chunked")]))
        for _ in range(total // len(block)):
            c.sock.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n")
            h.update(block)
        c.sock.sendall(b"0\r\n\r\n")
        r = c.read_response(timeout=180)
    v = backend_view(r)
    assert v["body_bytes"] == total and v["body_sha256"] == h.hexdigest()
    assert rss.peak < RSS_LIMIT_KIB


@pytest.mark.parametrize("extra", ["", "&chunked=1"], ids=["content-length", "chunked"])
def test_large_download_streamed(proxy, extra):
    chk = PatternChecker()
    with RssSampler(proxy.pid) as rss, proxy.client(timeout=180) as c:
        r = c.get(f"/download?size={SIZE}{extra}", sink=chk, timeout=180)
    assert r.status == 200
    assert chk.count == SIZE and chk.ok
    assert rss.peak < RSS_LIMIT_KIB, f"pier RSS peaked at {rss.peak} KiB during a {SIZE >> 20} MiB download"


def test_slow_reader_does_not_grow_memory(proxy):
    """Back-pressure: a client that reads slowly must not make pier buffer the backend's body."""
    chk = PatternChecker()
    with RssSampler(proxy.pid) as rss, proxy.client(timeout=180) as c:
        c.sock.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 65536)
        c.send(build_request("GET", f"/slow?size={256 << 20}"))
        time.sleep(1.0)  # deliberately stall reading: pier must stop reading from the backend
        stalled_peak = rss.peak
        r = c.read_response(sink=chk, timeout=180)
    assert r.status == 200 and chk.count == 256 << 20 and chk.ok
    assert stalled_peak < RSS_LIMIT_KIB and rss.peak < RSS_LIMIT_KIB
