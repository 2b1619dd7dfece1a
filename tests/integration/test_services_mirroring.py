"""mirroring services (spec D.5): copies of requests go to mirrors, their answers are dropped."""

from __future__ import annotations

import collections
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from harness import lb, router
from rawhttp import backend_view


class Recorder:
    """A mirror that records what it receives (method, path, headers, body). With `hang`, it
    never answers: a stalled mirror."""

    def __init__(self, hang: bool = False):
        self.requests: list[tuple[str, str, dict, bytes]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                with outer.lock:
                    outer.requests.append((self.command, self.path, dict(self.headers), body))
                if hang:
                    outer.release.wait(30)
                    return
                payload = b'{"name":"recorder"}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def mirroring(main: str, mirrors: list[tuple[str, int]], **extra) -> dict:
    m: dict = {"service": main, "mirrors": [{"name": n, "percent": pct} for n, pct in mirrors]}
    m.update(extra)
    return {"mirroring": m}


def test_mirror_fifty_percent(pier_factory, backend_factory):
    main, mirror = backend_factory("main"), backend_factory("mirror")
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "m")},
        {"m": mirroring("smain", [("smirror", 50)]), "smain": lb(main), "smirror": lb(mirror)}))
    names = collections.Counter()
    for c in range(4):
        with p.client() as cl:
            for i in range(100):
                r = cl.get(f"/c{c}/r{i}")
                assert r.status == 200
                names[backend_view(r)["name"]] += 1
    assert names == {"main": 400}, names  # the client only ever sees the main answer
    harness.wait_until(lambda: len(mirror.requests_seen()) >= 180, timeout=15, what="mirror copies")
    time.sleep(0.5)  # late copies, if any, would push the count out of range
    seen = len(mirror.requests_seen())
    assert abs(seen - 200) <= 20, seen
    assert len(main.requests_seen()) == 400


def test_stalled_mirror_does_not_hold_the_main_response(pier_factory, backend):
    rec = Recorder(hang=True)
    try:
        p = pier_factory(dynamic=harness.dynamic(
            {"r": router("PathPrefix(`/`)", "m")},
            {"m": mirroring("smain", [("smirror", 100)]), "smain": lb(backend), "smirror": lb(rec.url)}))
        with p.client() as cl:
            for i in range(10):
                # The mirror never answers: had the main exchange waited for it, this would time out.
                r = cl.get(f"/x{i}", timeout=10)
                assert r.status == 200 and backend_view(r)["name"] == "b1"
        harness.wait_until(lambda: rec.count() >= 10, timeout=10, what="mirror copies")
        # Copies still waiting for the stalled mirror must not keep pier from a clean stop.
        assert p.stop(timeout=20) == 0
    finally:
        rec.close()


def test_mirror_gets_the_body(pier_factory, backend):
    rec = Recorder()
    try:
        p = pier_factory(dynamic=harness.dynamic(
            {"r": router("PathPrefix(`/`)", "m")},
            {"m": mirroring("smain", [("smirror", 100)]), "smain": lb(backend), "smirror": lb(rec.url)}))
        r = p.request("POST", "/upload?q=1", body=b"hello mirror", headers={"X-Test": "yes"})
        assert r.status == 200 and backend_view(r)["name"] == "b1"
        harness.wait_until(lambda: rec.count() >= 1, timeout=10, what="mirror copy")
        method, path, headers, body = rec.requests[0]
        assert (method, path, body) == ("POST", "/upload?q=1", b"hello mirror")
        assert headers.get("X-Test") == "yes"
        assert headers.get("X-Forwarded-For") == "127.0.0.1"
    finally:
        rec.close()


def test_mirror_body_off_and_over_max_body_size(pier_factory, backend):
    rec_off, rec_small = Recorder(), Recorder()
    try:
        p = pier_factory(dynamic=harness.dynamic(
            {"off": router("PathPrefix(`/off`)", "moff"), "small": router("PathPrefix(`/small`)", "msmall")},
            {"moff": mirroring("smain", [("soff", 100)], mirrorBody=False),
             "msmall": mirroring("smain", [("ssmall", 100)], maxBodySize=8),
             "smain": lb(backend), "soff": lb(rec_off.url), "ssmall": lb(rec_small.url)}))
        assert p.request("POST", "/off", body=b"some body").status == 200
        harness.wait_until(lambda: rec_off.count() >= 1, timeout=10, what="copy without body")
        method, _, headers, body = rec_off.requests[0]
        assert method == "POST" and body == b"" and headers.get("Content-Length") == "0"
        # Over maxBodySize: not mirrored at all (Traefik); at the limit: mirrored with the body.
        r = p.request("POST", "/small/big", body=b"123456789")
        assert r.status == 200 and backend_view(r)["name"] == "b1"
        assert p.request("POST", "/small/fits", body=b"12345678").status == 200
        harness.wait_until(lambda: rec_small.count() >= 1, timeout=10, what="copy at the limit")
        time.sleep(0.5)
        assert [(m, pth, b) for m, pth, _, b in rec_small.requests] == [("POST", "/small/fits", b"12345678")]
    finally:
        rec_off.close()
        rec_small.close()


def test_main_request_body_still_reaches_main(pier_factory, backend):
    rec = Recorder()
    try:
        p = pier_factory(dynamic=harness.dynamic(
            {"r": router("PathPrefix(`/`)", "m")},
            {"m": mirroring("smain", [("smirror", 100)]), "smain": lb(backend), "smirror": lb(rec.url)}))
        payload = b"x" * 200000
        r = p.request("PUT", "/big", body=payload)
        assert r.status == 200
        view = backend_view(r)
        assert view["body_bytes"] == len(payload) and view["body_complete"] is True
        harness.wait_until(lambda: rec.count() >= 1, timeout=10, what="mirror copy")
        assert rec.requests[0][3] == payload
    finally:
        rec.close()
