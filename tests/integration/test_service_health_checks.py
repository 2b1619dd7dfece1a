"""Active health checks on loadBalancer services (spec D.3, D1.5): servers found down get no
traffic, come back when their probe passes again, and show in traefik_service_server_up and the
API's serverStatus. Timings are generous: the machine running these is busy."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time

import harness
import rawhttp
from harness import lb, router

CHECK = {"path": "/health", "interval": "1s", "timeout": "2s"}


def checked(*servers, **check) -> dict:
    svc = lb(*servers)
    svc["loadBalancer"]["healthCheck"] = dict(CHECK, **check)
    return svc


def server_up(p, service: str, url: str):
    """Value of traefik_service_server_up for that server, or None when absent."""
    text = rawhttp.get(p.port("traefik"), "/metrics").body.decode()
    pattern = (r'^traefik_service_server_up\{service="' + re.escape(service) + r'",url="' +
               re.escape(url) + r'"\} (\S+)$')
    m = re.search(pattern, text, re.M)
    return None if m is None else float(m.group(1))


def server_status(p, service: str) -> dict:
    r = rawhttp.get(p.port("traefik"), "/api/http/services/" + service)
    assert r.status == 200, r
    return json.loads(r.body).get("serverStatus", {})


def test_dead_server_leaves_rotation_and_comes_back(pier_factory, backend_factory):
    a, b = backend_factory("a"), backend_factory("b")
    p = pier_factory(static={"api": {"insecure": True}, "metrics": {"prometheus": {}}},
                     dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s", ["web"])},
                                             {"s": checked(a, b)}))
    assert {harness.who(p, f"/x{i}") for i in range(6)} == {"a", "b"}
    assert server_up(p, "s@file", b.url) == 1
    assert server_status(p, "s@file") == {a.url: "UP", b.url: "UP"}

    port = b.port
    b.stop()
    harness.wait_until(lambda: server_up(p, "s@file", b.url) == 0, timeout=10,
                       what="server b reported down")
    # From now on every request is served by a (a request sent to b would be a 502).
    answers = [harness.who(p, f"/y{i}") for i in range(20)]
    assert answers == ["a"] * 20, answers
    assert server_up(p, "s@file", a.url) == 1
    harness.wait_until(lambda: server_status(p, "s@file") == {a.url: "UP", b.url: "DOWN"},
                       timeout=5, what="API serverStatus DOWN")
    assert re.search(r"health check: server " + re.escape(b.url) + r" of service s@file is DOWN: "
                     r"HTTP request failed", p.log_text()), p.log_text()[-3000:]

    # A reload that leaves the service alone keeps b out of rotation (Traefik would retry it).
    p.write_dynamic(harness.dynamic({"r": router("PathPrefix(`/`)", "s", ["web"]),
                                     "r2": router("PathPrefix(`/other`)", "s", ["web"])},
                                    {"s": checked(a, b)}))
    answers = [harness.who(p, f"/z{i}") for i in range(10)]
    assert answers == ["a"] * 10, answers

    b2 = backend_factory("b", listen=f"127.0.0.1:{port}")
    assert b2.url == b.url
    harness.wait_until(lambda: server_up(p, "s@file", b.url) == 1, timeout=10,
                       what="server b reported up again")
    harness.wait_until(lambda: "b" in {harness.who(p, f"/w{i}") for i in range(6)}, timeout=5,
                       what="b back in rotation")
    assert server_status(p, "s@file") == {a.url: "UP", b.url: "UP"}


def test_expected_status_and_no_available_server(pier_factory, backend_factory):
    a = backend_factory("a")
    p = pier_factory(dynamic=harness.dynamic(
        {"mismatch": router("PathPrefix(`/m`)", "m", ["web"]),
         "match": router("PathPrefix(`/k`)", "k", ["web"])},
        # The test backend answers 200 unless the query asks for another status.
        {"m": checked(a, status=204), "k": checked(a, status=204, path="/health?status=204")}))

    def mismatch_down():
        r = p.get("/m")
        return r.status == 503 and r.body == b"no available server\n"

    harness.wait_until(mismatch_down, timeout=10, what="503 no available server")
    assert "received status code 200, expected 204" in p.log_text()
    for i in range(5):
        assert harness.who(p, f"/k{i}") == "a"


class Recorder(http.server.ThreadingHTTPServer):
    """A server that records the requests it gets: /redirect answers 302 to /target."""

    def __init__(self):
        self.seen: list[tuple[str, dict]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - stdlib name
                outer.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "/target")
                    self.send_header("Content-Length", "0")
                else:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                self.end_headers()
                if self.path != "/redirect":
                    self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self):
        self.shutdown()
        self.server_close()


def test_probe_sends_hostname_headers_and_follows_redirects(pier_factory):
    rec = Recorder()
    try:
        p = pier_factory(dynamic=harness.dynamic(
            {"r": router("PathPrefix(`/`)", "s", ["web"])},
            {"s": checked(rec.url, path="/redirect", hostname="probe.example",
                          headers={"X-Probe": "yes"})}))
        harness.wait_until(lambda: any(path == "/target" for path, _ in rec.seen), timeout=10,
                           what="the probe and its redirect")
        probe = next(h for path, h in rec.seen if path == "/redirect")
        assert probe["host"] == "probe.example"
        assert probe["x-probe"] == "yes"
        time.sleep(0.5)
        assert "is DOWN" not in p.log_text()
    finally:
        rec.stop()
