"""Dynamic configuration lifecycle with the file provider (spec A.10, I.1, I.2)."""

from __future__ import annotations

import re
import threading
import time

import harness
from harness import lb, router, wait_until
from loadgen import LoadGen


def test_route_added_and_removed(pier_factory, backend_factory):
    a, b = backend_factory("a"), backend_factory("b")
    p = pier_factory(dynamic=harness.dynamic({"a": router("Host(`a.test`)", "sa")}, {"sa": lb(a)}))
    assert harness.who(p, "/", "a.test") == "a"
    assert harness.who(p, "/", "b.test") == 404
    p.write_dynamic(harness.dynamic({"a": router("Host(`a.test`)", "sa"), "b": router("Host(`b.test`)", "sb")},
                                    {"sa": lb(a), "sb": lb(b)}))
    assert harness.who(p, "/", "b.test") == "b"
    p.write_dynamic(harness.dynamic({"b": router("Host(`b.test`)", "sb")}, {"sb": lb(b)}))
    assert harness.who(p, "/", "a.test") == 404
    assert harness.who(p, "/", "b.test") == "b"


def test_file_watch_without_harness_wait(pier_factory, backend):
    """A plain rewrite (no probe router) is picked up by the watcher within a few seconds."""
    p = pier_factory(dynamic={}, probe=False)
    assert p.get("/w").status == 404
    p.write_dynamic_raw(f"""http:
  routers:
    w:
      rule: "PathPrefix(`/w`)"
      service: s
  services:
    s:
      loadBalancer:
        servers:
          - url: "{backend.url}"
""")
    p.wait_status("/w", 200, timeout=5)


def test_hot_reload_under_load(pier_factory, backend_factory):
    """I1.3 with the file provider: rewrite the file every 50 ms for 10 s while load runs against a
    route present in every version → zero failed requests; the last added route is reachable."""
    stable, other = backend_factory("stable"), backend_factory("other")

    def config(i: int) -> dict:
        routers = {"stable": router("Host(`stable.test`)", "s")}
        services = {"s": lb(stable), "o": lb(other)}
        for j in range(i % 5 + 1):  # routers come and go between versions
            routers[f"extra-{i}-{j}"] = router(f"Host(`extra{i}.test`) && PathPrefix(`/{j}`)", "o")
        if i % 2:
            services["unused"] = lb(other, stable)
        return harness.dynamic(routers, services)

    p = pier_factory(dynamic=config(0))
    lg = LoadGen(p.port(), "/", host="stable.test", threads=4, duration=11.0).start()
    try:
        wait_until(lambda: lg.result.ok > 20, 5, what="load to start")
        i = 0
        end = time.monotonic() + 10.0
        while time.monotonic() < end:
            i += 1
            p.write_dynamic(config(i), wait=False)
            time.sleep(0.05)  # the rewrite cadence under test
    finally:
        res = lg.stop()
    assert res.failed == 0, str(res)
    assert res.ok > 100, str(res)
    p.wait_generation(p.generation, timeout=10)
    assert harness.who(p, "/0", f"extra{i}.test") == "other"
    assert harness.who(p, "/", "stable.test") == "stable"


def test_in_flight_request_survives_reload(pier_factory, backend_factory):
    """I.1 step 7: a request in progress finishes on the generation it started with."""
    slow, other = backend_factory("slow"), backend_factory("other")
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(slow)}))
    result = {}

    def run():
        result["r"] = p.get("/slow?delay_ms=1000", timeout=10)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    wait_until(lambda: any(x.startswith("/slow") for x in slow.requests_seen()), 5)
    p.write_dynamic(harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(other)}))
    t.join(10)
    assert result["r"].status == 200 and harness.rawhttp.backend_view(result["r"])["name"] == "slow"
    assert harness.who(p, "/after") == "other"


def test_invalid_yaml_keeps_previous_configuration(pier_factory, backend_factory):
    """A.10 / I1.7: a file that fails to parse is logged with file:line, previous routes stay."""
    a, b = backend_factory("a"), backend_factory("b")
    p = pier_factory(dynamic=harness.dynamic({"a": router("Host(`a.test`)", "sa")}, {"sa": lb(a)}))
    broken_line = 6
    broken = (
        "http:\n"                                   # 1
        "  routers:\n"                              # 2
        "    b:\n"                                  # 3
        "      rule: \"Host(`b.test`)\"\n"          # 4
        "      service: sb\n"                       # 5
        "    - this: is not a mapping entry\n"      # 6  <- error
        "  services:\n"                             # 7
        "    sb:\n"                                 # 8
        "      loadBalancer:\n"                     # 9
        f"        servers: [{{url: \"{b.url}\"}}]\n"  # 10
    )
    p.write_dynamic_raw(broken)
    name = re.escape(p.dynamic_path.name)

    def logged():
        m = re.search(name + r":(\d+)", p.log_text())
        return m and int(m.group(1))

    line = wait_until(logged, 10, what="an error naming the dynamic file and a line")
    assert abs(line - broken_line) <= 1, f"error reported at line {line}, expected about {broken_line}"
    assert harness.who(p, "/", "a.test") == "a"
    assert harness.who(p, "/", "b.test") == 404
    assert p.running()
    # Fixing the file applies the new configuration.
    p.write_dynamic(harness.dynamic({"b": router("Host(`b.test`)", "sb")}, {"sb": lb(b)}))
    assert harness.who(p, "/", "b.test") == "b"
    assert harness.who(p, "/", "a.test") == 404


def test_broken_objects_are_isolated(pier_factory, backend_factory):
    """I.2: a bad router/service/middleware disables only itself and the routers using it."""
    good, other = backend_factory("good"), backend_factory("other")
    routers = {
        "good": router("Host(`good.test`)", "s-good"),
        "unknown-service": router("Host(`u1.test`)", "does-not-exist"),
        "bad-rule": router("Host(`u2.test`) &&", "s-good"),
        "unknown-middleware": router("Host(`u3.test`)", "s-good", middlewares=["nope"]),
        "unknown-entrypoint": router("Host(`u4.test`)", "s-good", entry_points=["nowhere"]),
        "priority-too-large": router("Host(`u5.test`)", "s-good", priority=9223372036854775807),
        "bad-service": router("Host(`u6.test`)", "s-bad"),
        "two-types": router("Host(`u7.test`)", "s-two"),
        "other": router("Host(`ok2.test`)", "s-other"),
    }
    services = {
        "s-good": lb(good),
        "s-other": lb(other),
        "s-bad": {"loadBalancer": {"servers": [{"url": "http://[::1"}]}},
        "s-two": {"loadBalancer": {"servers": [{"url": good.url}]}, "weighted": {"services": [{"name": "s-good"}]}},
    }
    p = pier_factory(dynamic=harness.dynamic(routers, services))
    assert harness.who(p, "/", "good.test") == "good"
    for i in range(1, 8):
        assert harness.who(p, "/", f"u{i}.test") == 404, f"u{i}.test"
    assert harness.who(p, "/", "ok2.test") == "other"
    assert p.running()


def test_duplicate_reload_is_harmless(pier_factory, backend):
    """Rewriting identical content changes nothing (I1.8)."""
    cfg = harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)})
    p = pier_factory(dynamic=cfg)
    text = p.dynamic_path.read_text()
    for _ in range(3):
        p.write_dynamic_raw(text)
    assert p.get("/x").status == 200
