"""`pier healthcheck` (spec H.1), the command compose health checks run."""

from __future__ import annotations

import signal

import harness


def test_healthcheck_ok_then_draining_then_down(pier_factory, workdir):
    p = pier_factory(static={"entryPoints": {"traefik": {"transport": {
        "lifeCycle": {"requestAcceptGraceTimeout": "2s"}}}}})
    args = ["healthcheck", "--ping", f"--entrypoints.traefik.address=127.0.0.1:{p.port('traefik')}"]
    r = harness.run_pier_once(workdir, args)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"OK: http://127.0.0.1:{p.port('traefik')}/ping" in r.stdout
    p.send_signal(signal.SIGTERM)  # ping answers 503 while the accept grace period runs
    p.wait_for(lambda: p.ping().status == 503, timeout=5, what="ping 503 while draining")
    r = harness.run_pier_once(workdir, args)
    assert r.returncode == 1
    assert "Bad healthcheck status: 503" in r.stdout
    assert p.wait_exit() == 0
    r = harness.run_pier_once(workdir, args)
    assert r.returncode == 1
    assert "Error calling healthcheck" in r.stdout


def test_healthcheck_needs_ping(workdir):
    r = harness.run_pier_once(workdir, ["healthcheck", "--entrypoints.web.address=:1"])
    assert r.returncode == 1
    assert "enable `ping`" in r.stdout


def test_healthcheck_without_flags_checks_the_running_proxy(pier_factory, workdir, monkeypatch):
    """The image runs `traefik healthcheck` with no flags: it reads how the proxy was started."""
    p = pier_factory()  # started with --configfile=... --workers=2, ping on `traefik`
    monkeypatch.setenv("PIER_HEALTHCHECK_PID", str(p.pid))
    r = harness.run_pier_once(workdir, ["healthcheck"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"OK: http://127.0.0.1:{p.port('traefik')}/ping" in r.stdout


def test_healthcheck_without_flags_and_without_ping_reports_alive(pier_factory, workdir,
                                                                 monkeypatch):
    static = "entryPoints:\n  web:\n    address: \"127.0.0.1:%d\"\n" % harness.free_port()
    p = pier_factory(static=static, probe=False, wait_ready=False)
    monkeypatch.setenv("PIER_HEALTHCHECK_PID", str(p.pid))
    r = harness.run_pier_once(workdir, ["healthcheck"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ping is not enabled" in r.stdout
    # Explicit flags keep Traefik's behaviour: no ping, no health.
    r = harness.run_pier_once(workdir, ["healthcheck", "--entrypoints.web.address=:1"])
    assert r.returncode == 1
