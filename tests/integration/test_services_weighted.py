"""weighted services (spec D.5) and responseForwarding.flushInterval (spec D.1)."""

from __future__ import annotations

import collections
import time

import harness
from harness import lb, router
from rawhttp import backend_view


def names(pier, n: int, connections: int = 4) -> collections.Counter:
    """Backend names of n requests spread over a few keep-alive connections (both workers)."""
    counts: collections.Counter = collections.Counter()
    per = n // connections
    for c in range(connections):
        with pier.client() as cl:
            for i in range(per):
                r = cl.get(f"/c{c}/r{i}")
                assert r.status == 200, r
                counts[backend_view(r)["name"]] += 1
    return counts


def weighted(*children: tuple[str, int], **extra) -> dict:
    out: dict = {"weighted": {"services": [{"name": n, "weight": w} for n, w in children]}}
    out["weighted"].update(extra)
    return out


def test_weighted_three_to_one(pier_factory, backend_factory):
    a, b = backend_factory("a"), backend_factory("b")
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "w")},
        {"w": weighted(("sa", 3), ("sb", 1)), "sa": lb(a), "sb": lb(b)}))
    counts = names(p, 400)
    assert sum(counts.values()) == 400
    assert abs(counts["a"] - 300) <= 20 and abs(counts["b"] - 100) <= 20, counts


def test_weighted_nested_and_zero_weight(pier_factory, backend_factory):
    a, b, c, z = (backend_factory(n) for n in ("a", "b", "c", "z"))
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "outer")},
        {"outer": weighted(("inner", 2), ("sc", 2), ("sz", 0)),
         "inner": weighted(("sa", 1), ("sb", 1)),
         "sa": lb(a), "sb": lb(b), "sc": lb(c), "sz": lb(z)}))
    counts = names(p, 400)
    assert "z" not in counts, counts
    assert abs(counts["c"] - 200) <= 20, counts
    assert abs(counts["a"] - 100) <= 20 and abs(counts["b"] - 100) <= 20, counts


def test_weighted_cycle_and_missing_child_disable_the_service(pier_factory, backend_factory):
    a = backend_factory("a")
    p = pier_factory(dynamic=harness.dynamic(
        {"cyc": router("Path(`/cycle`)", "x"), "miss": router("Path(`/missing`)", "m"),
         "ok": router("Path(`/ok`)", "good")},
        {"x": weighted(("sa", 1), ("y", 1)), "y": weighted(("x", 1)),
         "m": weighted(("sa", 1), ("nowhere", 1)),
         "good": weighted(("sa", 1)), "sa": lb(a)}))
    assert harness.who(p, "/ok") == "a"
    assert p.get("/cycle").status == 404  # its router is disabled with the service
    assert p.get("/missing").status == 404
    log = p.log_text()
    assert "cycle" in log and "x@file" in log and "y@file" in log, log[-3000:]
    assert '"nowhere@file" does not exist' in log, log[-3000:]


def test_weighted_service_answers_503_without_children_servers(pier_factory):
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "w")},
        {"w": weighted(("empty", 1)), "empty": {"loadBalancer": {"servers": []}}}))
    r = p.get("/")
    assert r.status == 503 and r.body == b"no available server\n", r


def test_flush_interval_accepted_and_events_streamed(pier_factory, backend):
    """Pier writes body bytes as they arrive whatever flushInterval says: a long interval must
    not hold server-sent events back."""
    svc = lb(backend)
    svc["loadBalancer"]["responseForwarding"] = {"flushInterval": "10s"}
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "w")}, {"w": weighted(("s", 1)), "s": svc}))
    arrivals: list[tuple[float, bytes]] = []
    with p.client() as c:
        t0 = time.monotonic()
        r = c.get("/?sse=5", sink=lambda d: arrivals.append((time.monotonic() - t0, d)), timeout=15)
    assert r.status == 200 and r.header("Content-Type") == "text/event-stream"
    assert b"".join(d for _, d in arrivals).count(b"data: ") == 5
    # The backend spaces the events 100 ms apart: they must not arrive in one burst at the end.
    assert arrivals[-1][0] - arrivals[0][0] >= 0.3, arrivals


def test_metrics_name_the_loadbalancer_that_served(pier_factory, backend_factory):
    """Service metrics count at the loadBalancer that served; router metrics keep the router's
    own (weighted) service."""
    import test_metrics as tm

    a, b = backend_factory("a"), backend_factory("b")
    p = pier_factory(static=tm.static_metrics(addRoutersLabels=True), dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "w", ["web"])},
        {"w": weighted(("sa", 1), ("sb", 1)), "sa": lb(a), "sb": lb(b)}))
    with p.client() as c:
        for i in range(10):
            assert c.get(f"/{i}").status == 200
    after, _ = tm.parse(tm.scrape(p))
    base = dict(code="200", method="GET", protocol="http")
    assert tm.value(after, "traefik_router_requests_total", router="r@file", service="w@file", **base) == 10
    sa = tm.value(after, "traefik_service_requests_total", service="sa@file", **base)
    sb = tm.value(after, "traefik_service_requests_total", service="sb@file", **base)
    assert (sa, sb) == (5, 5)
