"""ipAllowList, rateLimit and inFlightReq (spec E.5)."""

from __future__ import annotations

import threading

from mwhelp import start
from rawhttp import backend_view

TRUST = {"entryPoints": {"web": {"forwardedHeaders": {"trustedIPs": ["127.0.0.1"]}}}}


def test_ip_allow_list_peer(pier_factory, backend):
    p = start(pier_factory, backend, {
        "allow": {"ipAllowList": {"sourceRange": ["127.0.0.0/8"]}},
        "deny": {"ipAllowList": {"sourceRange": ["10.0.0.0/8", "192.168.1.7"]}}},
        use=["allow"], extra_routers={"r2": {"rule": "PathPrefix(`/deny`)", "service": "s", "middlewares": ["deny"]}})
    assert p.get("/").status == 200
    r = p.get("/deny")
    assert r.status == 403
    assert r.body == b"Forbidden"


def test_ip_allow_list_reject_status_and_white_list_alias(pier_factory, backend):
    p = start(pier_factory, backend, {
        "a": {"ipAllowList": {"sourceRange": ["10.0.0.0/8"], "rejectStatusCode": 404}},
        "w": {"ipWhiteList": {"sourceRange": ["10.0.0.0/8"]}}},
        use=["a"], extra_routers={"r2": {"rule": "PathPrefix(`/w`)", "service": "s", "middlewares": ["w"]}})
    r = p.get("/")
    assert r.status == 404
    assert r.body == b"Not Found"
    assert p.get("/w").status == 403


def test_ip_allow_list_depth_and_excluded_ips(pier_factory, backend):
    p = start(pier_factory, backend, {
        "depth": {"ipAllowList": {"sourceRange": ["1.1.1.1"], "ipStrategy": {"depth": 2}}},
        "excl": {"ipAllowList": {"sourceRange": ["2.2.2.2"], "ipStrategy": {"excludedIPs": ["3.3.3.0/24"]}}}},
        use=["depth"], static=TRUST,
        extra_routers={"r2": {"rule": "PathPrefix(`/e`)", "service": "s", "middlewares": ["excl"]}})
    assert p.get("/", headers=[("X-Forwarded-For", "1.1.1.1, 9.9.9.9")]).status == 200
    assert p.get("/", headers=[("X-Forwarded-For", "9.9.9.9, 1.1.1.1")]).status == 403
    assert p.get("/", headers=[("X-Forwarded-For", "1.1.1.1")]).status == 403  # too few entries
    assert p.get("/e", headers=[("X-Forwarded-For", "2.2.2.2, 3.3.3.4, 3.3.3.5")]).status == 200
    assert p.get("/e", headers=[("X-Forwarded-For", "3.3.3.4, 2.2.2.2, 4.4.4.4")]).status == 403


def test_rate_limit_burst_then_429(pier_factory, backend):
    # One request a minute, burst 3: the fourth request in a row is refused.
    p = start(pier_factory, backend, {"rl": {"rateLimit": {"average": 1, "period": "1m", "burst": 3}}})
    statuses = [p.get("/").status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    r = p.get("/")
    assert r.status == 429
    assert r.body == b"Too Many Requests"
    assert 1 <= int(r.header("Retry-After")) <= 60
    assert r.header("X-Retry-In") is not None


def test_rate_limit_per_source_header(pier_factory, backend):
    p = start(pier_factory, backend, {"rl": {"rateLimit": {"average": 1, "period": "1m", "burst": 1,
                                                          "sourceCriterion": {"requestHeaderName": "X-Key"}}}})
    assert p.get("/", headers=[("X-Key", "a")]).status == 200
    assert p.get("/", headers=[("X-Key", "a")]).status == 429
    assert p.get("/", headers=[("X-Key", "b")]).status == 200


def test_in_flight_req(pier_factory, backend):
    p = start(pier_factory, backend, {"ifr": {"inFlightReq": {"amount": 1}}})
    slow = {}

    def hold():
        slow["r"] = p.get("/slow?delay_ms=800", timeout=5)

    t = threading.Thread(target=hold)
    t.start()
    p.wait_for(lambda: any("/slow" in s for s in backend.requests_seen()), timeout=5, what="slow request at backend")
    r = p.get("/")
    assert r.status == 429
    assert r.body == b"max connections reached: 1"
    t.join()
    assert slow["r"].status == 200
    # The slot is released when the response is done.
    assert p.get("/").status == 200
