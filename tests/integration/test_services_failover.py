"""failover services (spec D.5): the fallback serves while the main service has no server up.

Servers go down through active health checks (spec D.3); a service with no server at all is
down too. Both ways are tested.
"""

from __future__ import annotations

import collections

import harness
from harness import lb, router


EMPTY = {"loadBalancer": {"servers": []}}


def failover(main: str, fallback: str) -> dict:
    return {"failover": {"service": main, "fallback": fallback}}


def test_main_up_serves_everything(pier_factory, backend_factory):
    main, spare = backend_factory("main"), backend_factory("spare")
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "f")},
        {"f": failover("smain", "sspare"), "smain": lb(main), "sspare": lb(spare)}))
    assert collections.Counter(harness.who(p, f"/{i}") for i in range(20)) == {"main": 20}


def test_main_without_servers_uses_fallback(pier_factory, backend):
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "f")},
        {"f": failover("smain", "sspare"), "smain": EMPTY, "sspare": lb(backend)}))
    assert collections.Counter(harness.who(p, f"/{i}") for i in range(10)) == {"b1": 10}


def test_nested_main_follows_its_children(pier_factory, backend):
    """A weighted main whose children all have no server is down as a whole."""
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "f")},
        {"f": failover("w", "sspare"),
         "w": {"weighted": {"services": [{"name": "e1"}, {"name": "e2"}]}},
         "e1": EMPTY, "e2": EMPTY, "sspare": lb(backend)}))
    assert harness.who(p, "/") == "b1"


def test_both_down_is_503(pier_factory):
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "f")},
        {"f": failover("e1", "e2"), "e1": EMPTY, "e2": EMPTY}))
    r = p.get("/")
    assert r.status == 503 and r.body == b"Service Unavailable\n", r


def test_missing_fallback_disables_the_service(pier_factory, backend):
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "f")},
        {"f": failover("smain", "gone"), "smain": lb(backend)}))
    assert p.get("/").status == 404
    log = p.log_text()
    assert "f@file" in log and '"gone@file" does not exist' in log, log[-3000:]


def test_main_failing_health_check_uses_fallback(pier_factory, backend_factory):
    main, spare = backend_factory("main"), backend_factory("spare")
    smain = lb(main)
    smain["loadBalancer"]["healthCheck"] = {"path": "/health?status=503", "interval": "1s",
                                           "timeout": "1s"}
    p = pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "f")},
        {"f": {"failover": {"service": "smain", "fallback": "sspare", "healthCheck": {}}},
         "smain": smain, "sspare": lb(spare)}))
    p.wait_for(lambda: harness.who(p, "/") == "spare", timeout=10, what="failover to spare")
    assert collections.Counter(harness.who(p, f"/{i}") for i in range(10)) == {"spare": 10}
