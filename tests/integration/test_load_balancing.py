"""loadBalancer round robin and weights (spec D.1)."""

from __future__ import annotations

import collections

import harness
from harness import lb, router
from rawhttp import backend_view


def names_on_one_connection(pier, n: int) -> list[str]:
    with pier.client() as c:
        return [backend_view(c.get(f"/r{i}"))["name"] for i in range(n)]


def test_round_robin_two_servers(pier_factory, backend_factory):
    a, b = backend_factory("a"), backend_factory("b")
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(a, b)}))
    seq = names_on_one_connection(p, 10)
    assert collections.Counter(seq) == {"a": 5, "b": 5}, seq
    assert all(x != y for x, y in zip(seq, seq[1:])), f"equal weights must alternate: {seq}"
    # Across fresh connections (possibly different workers) the split stays close to even.
    counts = collections.Counter(harness.who(p, f"/n{i}") for i in range(20))
    assert set(counts) == {"a", "b"} and abs(counts["a"] - 10) <= 2, counts


def test_weighted_round_robin(pier_factory, backend_factory):
    a, b = backend_factory("a"), backend_factory("b")
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb((a, 3), (b, 1))}))
    seq = names_on_one_connection(p, 40)
    assert collections.Counter(seq) == {"a": 30, "b": 10}, seq
    # Smooth: b never waits more than 3 consecutive a's.
    assert "aaaa" not in "".join(x[0] for x in seq)


def test_three_servers_each_used(pier_factory, backend_factory):
    bs = [backend_factory(n) for n in ("x", "y", "z")]
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(*bs)}))
    assert collections.Counter(names_on_one_connection(p, 9)) == {"x": 3, "y": 3, "z": 3}


def test_server_change_applied_on_reload(pier_factory, backend_factory):
    a, b = backend_factory("a"), backend_factory("b")
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(a)}))
    assert set(names_on_one_connection(p, 4)) == {"a"}
    p.write_dynamic(harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(b)}))
    assert set(names_on_one_connection(p, 4)) == {"b"}
