"""Static configuration sources and errors (spec A.1–A.7)."""

from __future__ import annotations

import harness
from harness import lb, router


def test_unknown_flag_exit_code_2(workdir, require_pier):
    """A.3 / A1.10: an unknown flag stops start-up with exit code 2 and names the key."""
    res = harness.run_pier_once(workdir, ["--unknown.key=1"])
    assert res.returncode == 2, res
    assert "unknown.key" in (res.stdout + res.stderr), res


def test_unknown_flag_among_valid_ones(workdir, require_pier):
    port = harness.free_port()
    res = harness.run_pier_once(workdir, [f"--entrypoints.web.address=127.0.0.1:{port}",
                                          "--entrypoints.web.adress=:1", "--ping"])
    assert res.returncode == 2, res
    assert "entrypoints.web.adress" in (res.stdout + res.stderr).lower(), res


def test_unknown_nested_key_in_file(workdir, require_pier):
    """A.2: unknown nested keys in the file fail start-up, naming the key."""
    static = workdir / "bad.yml"
    static.write_text(f"entryPoints:\n  web:\n    address: \"127.0.0.1:{harness.free_port()}\"\n    adress: \":1\"\n")
    res = harness.run_pier_once(workdir, [f"--configfile={static}"])
    assert res.returncode != 0, res
    assert "adress" in (res.stdout + res.stderr).lower(), res


def test_bad_entrypoint_protocol(workdir, require_pier):
    """A1.15: only /tcp and /udp suffixes."""
    res = harness.run_pier_once(workdir, [f"--entrypoints.x.address=127.0.0.1:{harness.free_port()}/sctp"])
    assert res.returncode != 0, res


def test_flags_only(pier_factory, backend):
    """A.1 / A.3: CLI flags as the only source, case-insensitive names, bare section flag."""
    p = pier_factory(dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}), start=False)
    p.use_configfile = False
    p.extra_args = [
        f"--entryPoints.web.address=127.0.0.1:{p.port('web')}",
        "--entrypoints.traefik.address", f"127.0.0.1:{p.port('traefik')}",
        "--ping",
        f"--providers.file.filename={p.dynamic_path}",
        "--providers.providersThrottleDuration=100ms",
        "--log.level=DEBUG",
    ]
    p.start()
    assert p.get("/x").status == 200


def test_file_field_names_case_insensitive_and_unknown_top_level_ignored(pier_factory, backend):
    """A.2: field names match case-insensitively; unknown top-level keys in a file are ignored."""
    web, ping = harness.free_port(), harness.free_port()
    static_text = (
        "ENTRYPOINTS:\n"
        f"  web:\n    Address: \"127.0.0.1:{web}\"\n"
        f"  traefik:\n    ADDRESS: \"127.0.0.1:{ping}\"\n"
        "Ping: {}\n"
        "somethingUnknown: 42\n"
        "providers:\n  providersthrottleduration: 100ms\n  FILE:\n    FileName: \"__DYN__\"\n"
    )
    p = pier_factory(static="", dynamic=harness.dynamic({"r": router("PathPrefix(`/`)", "s")}, {"s": lb(backend)}),
                     ports={"web": web, "traefik": ping}, start=False)
    p.static_path.write_text(static_text.replace("__DYN__", str(p.dynamic_path)))
    p.start()
    assert p.get("/x").status == 200


def test_duration_as_bare_integer(pier_factory):
    """A.2: a bare integer duration means seconds."""
    p = pier_factory(static={"entryPoints": {"web": {"transport": {"respondingTimeouts": {"readTimeout": 5}}}}}, dynamic={})
    assert p.ping().status == 200
