"""Bounded HTTP load generator: N threads, one keep-alive connection each, until stopped or the
duration ends. Every non-expected status, exception or premature close counts as a failure."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Optional

import rawhttp


@dataclass
class LoadResult:
    ok: int = 0
    failed: int = 0
    connections: int = 0
    failures: list[str] = field(default_factory=list)  # first few reasons

    def __str__(self) -> str:
        return f"ok={self.ok} failed={self.failed} connections={self.connections} first failures={self.failures}"


class LoadGen:
    def __init__(self, port: int, target: str = "/", host: str = "localhost", threads: int = 4,
                 duration: float = 10.0, expect_status: int = 200, addr: str = "127.0.0.1",
                 request_timeout: float = 5.0):
        self.port, self.target, self.host, self.addr = port, target, host, addr
        self.threads_n, self.duration, self.expect_status = threads, duration, expect_status
        self.request_timeout = request_timeout
        self.result = LoadResult()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _fail(self, why: str) -> None:
        with self._lock:
            self.result.failed += 1
            if len(self.result.failures) < 10:
                self.result.failures.append(why)

    def _run(self) -> None:
        end = time.monotonic() + self.duration
        client: Optional[rawhttp.RawClient] = None
        while not self._stop.is_set() and time.monotonic() < end:
            try:
                if client is None:
                    client = rawhttp.RawClient(self.addr, self.port, self.request_timeout)
                    with self._lock:
                        self.result.connections += 1
                resp = client.get(self.target, self.host)
                if resp.status != self.expect_status:
                    self._fail(f"status {resp.status}: {resp.body[:200]!r}")
                else:
                    with self._lock:
                        self.result.ok += 1
                if resp.wants_close():
                    client.close()
                    client = None
            except Exception as e:  # noqa: BLE001 - every error is a failed request
                self._fail(f"{type(e).__name__}: {e}")
                if client is not None:
                    client.close()
                    client = None
        if client is not None:
            client.close()

    def start(self) -> "LoadGen":
        for _ in range(self.threads_n):
            t = threading.Thread(target=self._run, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> LoadResult:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=self.request_timeout + 5)
        return self.result

    def __enter__(self) -> "LoadGen":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
