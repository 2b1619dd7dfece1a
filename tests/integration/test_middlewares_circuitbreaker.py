"""The circuitBreaker middleware (spec E.6, issue #6): trips on its expression, answers
responseCode without calling the backend, recovers after fallbackDuration + recoveryDuration."""

from __future__ import annotations

import time

import harness
from harness import lb, router, wait_until


def start(pier_factory, backend, cb: dict):
    return pier_factory(dynamic=harness.dynamic(
        {"r": router("PathPrefix(`/`)", "s", middlewares=["cb"])},
        {"s": lb(backend)},
        {"cb": {"circuitBreaker": cb}}))


def test_trips_on_errors_then_recovers(pier_factory, backend):
    p = start(pier_factory, backend, {
        "expression": "ResponseCodeRatio(500, 600, 0, 600) > 0.5",
        "checkPeriod": "100ms", "fallbackDuration": "4s", "recoveryDuration": "2s"})
    assert p.get("/ok").status == 200

    def tripped():
        r = p.get("/fail?status=500")
        return r.status == 503 and r

    r = wait_until(tripped, 15, interval=0.05, what="the breaker to trip")
    tripped_at = time.monotonic()
    assert r.body == b"Service Unavailable"
    # While tripped the backend is not called.
    seen = len(backend.requests_seen())
    for _ in range(5):
        assert p.get("/ok").status == 503
    time.sleep(0.5)
    assert len(backend.requests_seen()) == seen
    # After fallback (4 s) and recovery (2 s) healthy traffic flows again.
    wait_until(lambda: p.get("/ok").status == 200, 30, interval=0.1, what="traffic to flow again")
    assert time.monotonic() - tripped_at >= 3.5  # not before the fallback period ended
    wait_until(lambda: all(p.get("/ok").status == 200 for _ in range(5)), 20, interval=0.2,
               what="standby again")


def test_custom_response_code(pier_factory, backend):
    p = start(pier_factory, backend, {"expression": "NetworkErrorRatio() > 0.3 || ResponseCodeRatio(500, 600, 0, 600) > 0.3",
                                      "responseCode": 429, "fallbackDuration": "1m"})
    r = wait_until(lambda: (x := p.get("/?status=502")).status == 429 and x, 15, interval=0.05,
                   what="the breaker to trip")
    assert r.body == b"Too Many Requests"


def test_bad_expression_disables_the_router(pier_factory, backend):
    p = start(pier_factory, backend, {"expression": "NetworkErrorRatio() >> 0.5"})
    assert p.get("/").status == 404
    log = p.log_text()
    assert 'middleware "cb@file": circuitBreaker.expression' in log
    assert "position 22" in log
