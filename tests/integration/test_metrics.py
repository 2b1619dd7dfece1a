"""Prometheus metrics with Traefik's names, types and labels (issue #5)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import harness
import rawhttp
from harness import lb, router, wait_until

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(p, entrypoint="traefik", path="/metrics"):
    r = rawhttp.get(p.port(entrypoint), path)
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("text/plain; version=0.0.4")
    return r.body.decode()


def parse(text):
    """{(name, frozenset(labels.items())): float} and {family: type}."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        assert m, f"unparsable line {line!r}"
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        samples[(m.group(1), labels)] = float(m.group(4))
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def static_metrics(**prom):
    return {"metrics": {"prometheus": prom}}


def two_routers(b1, b2):
    return harness.dynamic(
        {"ra": router("PathPrefix(`/a`)", "sa", ["web"]), "rb": router("PathPrefix(`/b`)", "sb", ["web"])},
        {"sa": lb(b1), "sb": lb(b2)})


def test_counters_grow_by_exactly_n_per_router(pier_factory, backend_factory):
    b1, b2 = backend_factory("b1"), backend_factory("b2")
    p = pier_factory(static=static_metrics(addRoutersLabels=True), dynamic=two_routers(b1, b2))
    before, _ = parse(scrape(p))
    n = 25
    for i in range(n):
        assert p.get(f"/a/{i}").status == 200
        assert p.get(f"/b/{i}?status=404").status == 404
    assert p.request("POST", "/a/post", body=b"x" * 100).status == 200
    after, types = parse(scrape(p))

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    ep = dict(code="200", method="GET", protocol="http", entrypoint="web")
    assert grew("traefik_entrypoint_requests_total", **ep) == n
    assert grew("traefik_entrypoint_requests_total", **dict(ep, code="404")) == n
    assert grew("traefik_entrypoint_request_duration_seconds_count", **ep) == n
    assert grew("traefik_entrypoint_requests_bytes_total", **dict(ep, method="POST")) == 100
    ra = dict(code="200", method="GET", protocol="http", router="ra@file", service="sa@file")
    rb = dict(code="404", method="GET", protocol="http", router="rb@file", service="sb@file")
    assert grew("traefik_router_requests_total", **ra) == n
    assert grew("traefik_router_requests_total", **rb) == n
    assert grew("traefik_router_request_duration_seconds_count", **ra) == n
    sa = dict(code="200", method="GET", protocol="http", service="sa@file")
    sb = dict(code="404", method="GET", protocol="http", service="sb@file")
    assert grew("traefik_service_requests_total", **sa) == n
    assert grew("traefik_service_requests_total", **sb) == n
    assert grew("traefik_service_requests_total", **dict(sa, method="POST")) == 1
    assert grew("traefik_service_responses_bytes_total", **sa) > 0
    assert value(after, "traefik_service_requests_total", **dict(sa, service="sb@file")) == 0
    # Types as Traefik registers them.
    assert types["traefik_entrypoint_requests_total"] == "counter"
    assert types["traefik_entrypoint_request_duration_seconds"] == "histogram"
    assert types["traefik_open_connections"] == "gauge"
    assert types["traefik_config_reloads_total"] == "counter"
    assert types["traefik_config_last_reload_success"] == "gauge"
    assert types["traefik_service_retries_total"] == "counter"
    assert types["traefik_service_server_up"] == "gauge"
    # Internal services (ping, metrics) are not counted (metrics.addInternals=false). (The harness's
    # /ping polls before the first configuration may show up as 404s.)
    assert not any(dict(l).get("entrypoint") == "traefik" and dict(l).get("code") == "200"
                   for (name, l) in after if name.startswith("traefik_entrypoint_"))


def test_default_labels_and_no_router_families(pier_factory, backend):
    p = pier_factory(static=static_metrics(), dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s", ["web"])}, {"s": lb(backend)}))
    p.get("/x")
    samples, types = parse(scrape(p))
    assert "traefik_router_requests_total" not in types  # addRoutersLabels defaults to false
    assert "traefik_service_requests_total" in types
    assert value(samples, "traefik_entrypoint_requests_total", code="200", method="GET", protocol="http", entrypoint="web") >= 1


def test_histogram_buckets_as_configured(pier_factory, backend):
    p = pier_factory(static=static_metrics(buckets=[0.05, 0.25, 2]),
                     dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s", ["web"])}, {"s": lb(backend)}))
    for _ in range(3):
        p.get("/fast")
    p.get("/slow?delay_ms=400")
    samples, _ = parse(scrape(p))
    lbl = dict(code="200", method="GET", protocol="http", service="s@file")
    les = sorted(dict(l)["le"] for (name, l) in samples
                 if name == "traefik_service_request_duration_seconds_bucket" and dict(l).get("service") == "s@file")
    assert set(les) == {"0.05", "0.25", "2", "+Inf"}
    b = lambda le: value(samples, "traefik_service_request_duration_seconds_bucket", **dict(lbl, le=le))
    assert b("0.05") >= 3 - 1  # the fast ones (one may be slow on a loaded machine)
    assert b("0.25") <= 3
    assert b("2") == 4 and b("+Inf") == 4
    assert value(samples, "traefik_service_request_duration_seconds_count", **lbl) == 4
    assert value(samples, "traefik_service_request_duration_seconds_sum", **lbl) >= 0.4


def test_reload_counters_move(pier_factory, backend):
    p = pier_factory(static=static_metrics(), dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s", ["web"])}, {"s": lb(backend)}))
    before, _ = parse(scrape(p))
    reloads = value(before, "traefik_config_reloads_total")
    assert reloads >= 1
    last = value(before, "traefik_config_last_reload_success")
    assert last > 1.7e9
    p.write_dynamic(harness.dynamic({"r2": router("PathPrefix(`/`)", "s", ["web"])}, {"s": lb(backend)}))
    after, _ = parse(scrape(p))
    assert value(after, "traefik_config_reloads_total") >= reloads + 1
    assert value(after, "traefik_config_last_reload_success") >= last


def test_open_connections_gauge(pier_factory, backend):
    p = pier_factory(static=static_metrics(), dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s", ["web"])}, {"s": lb(backend)}))
    clients = [p.client() for _ in range(3)]
    try:
        for c in clients:
            c.send(rawhttp.build_request("GET", "/", "localhost", [("Connection", "keep-alive")]))
            assert c.read_response().status == 200
        samples, _ = parse(scrape(p))
        assert value(samples, "traefik_open_connections", entrypoint="web", protocol="TCP") == 3
    finally:
        for c in clients:
            c.close()
    wait_until(lambda: value(parse(scrape(p))[0], "traefik_open_connections", entrypoint="web", protocol="TCP") == 0,
               what="open connections back to 0")


def test_metrics_entry_point_and_manual_routing(pier_factory, backend):
    p = pier_factory(static=static_metrics(entryPoint="web"), dynamic={})
    assert "traefik_config_reloads_total" in scrape(p, "web")
    assert rawhttp.get(p.port("traefik"), "/metrics").status == 404
    p2 = pier_factory(static=static_metrics(manualRouting=True),
                      dynamic=harness.dynamic({"m": router("Path(`/stats`)", "prometheus@internal", ["web"])}))
    assert rawhttp.get(p2.port("traefik"), "/metrics").status == 404
    assert "traefik_config_reloads_total" in scrape(p2, "web", "/stats")


def test_exposition_is_valid_for_promtool(pier_factory, backend_factory):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (Debian package `prometheus`; scripts/install-deps.sh --test)")
    b1, b2 = backend_factory("b1"), backend_factory("b2")
    p = pier_factory(static=static_metrics(addRoutersLabels=True), dynamic=two_routers(b1, b2))
    p.get("/a")
    p.get("/b?status=503")
    p.request("PROPFIND", "/a")
    text = scrape(p)
    assert 'method="EXTENSION_METHOD"' in text
    r = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=30)
    out = (r.stdout + r.stderr).decode()
    assert r.returncode == 0 and "error" not in out, out


def test_websocket_counted_when_the_tunnel_ends(pier_factory, backend):
    from rawhttp import WebSocket
    p = pier_factory(static=static_metrics(), dynamic=harness.dynamic({"ws": router("PathPrefix(`/ws`)", "s", ["web"])}, {"s": lb(backend)}))
    with WebSocket.connect(p.port(), "/ws/x?hello=1") as ws:
        ws.recv_message()
        ws.send_text("hi")
        ws.recv_message()
        ws.close(1000)
    lbl = dict(code="101", method="GET", protocol="websocket", service="s@file")
    wait_until(lambda: value(parse(scrape(p))[0], "traefik_service_requests_total", **lbl) == 1,
               what="the websocket exchange counted once")


def cert_facts(pem_path):
    """(notAfter epoch, decimal serial) as openssl reads them."""
    import ssl
    out = subprocess.run(["openssl", "x509", "-in", str(pem_path), "-noout", "-enddate", "-serial"],
                         capture_output=True, check=True, timeout=30).stdout.decode()
    fields = dict(line.split("=", 1) for line in out.splitlines())
    return ssl.cert_time_to_seconds(fields["notAfter"]), str(int(fields["serial"], 16))


def test_tls_certs_not_after(pier_factory, backend, tmp_path):
    import certs
    ca = certs.make_ca(tmp_path / "pki", "metrics-ca")
    leaf = certs.make_leaf(tmp_path / "pki", ca, "exp.test", ["zeta.test", "exp.test"])
    dyn = harness.dynamic({"r": router("Host(`exp.test`)", "s", ["web"], tls={})}, {"s": lb(backend)})
    dyn["tls"] = {"certificates": [{"certFile": str(leaf.cert), "keyFile": str(leaf.key)}]}
    p = pier_factory(static=static_metrics(), dynamic=dyn)
    not_after, serial = cert_facts(leaf.cert)
    samples, types = parse(scrape(p))
    assert types["traefik_tls_certs_not_after"] == "gauge"
    series = {labels: v for (name, labels), v in samples.items() if name == "traefik_tls_certs_not_after"}
    # Only the configured certificate: the generated default one is left out, as in Traefik.
    assert series == {frozenset({("cn", "exp.test"), ("serial", serial),
                                 ("sans", "exp.test,zeta.test")}): float(not_after)}, series

    # A new certificate in the same files: the poll reloads it and the gauge follows.
    fresh = certs.make_leaf(tmp_path / "pki2", ca, "exp.test", ["exp.test"])
    leaf.cert.write_text(fresh.cert_text())
    leaf.key.write_text(fresh.key_text())
    _, fresh_serial = cert_facts(fresh.cert)

    def updated():
        s, _ = parse(scrape(p))
        got = [dict(labels) for (name, labels) in s if name == "traefik_tls_certs_not_after"]
        return got if got and got[0]["serial"] == fresh_serial else None
    got = wait_until(updated, timeout=20, what="the gauge to show the new certificate")
    assert len(got) == 1 and got[0]["sans"] == "exp.test"

    promtool = shutil.which("promtool")
    if promtool is not None:
        r = subprocess.run([promtool, "check", "metrics"], input=scrape(p).encode(), capture_output=True,
                           timeout=30)
        out = (r.stdout + r.stderr).decode()
        assert r.returncode == 0 and "error" not in out, out
