#!/usr/bin/python3
"""Pier reverse-proxy benchmark: Pier vs nginx vs HAProxy vs Caddy.

One interleaved run on loopback.  A separate nginx instance is the origin
(pinned to CPU 0 together with wrk); the proxy under test is pinned to CPU 1.
Every proxy gets the same number of workers.  For each (round, scenario,
target) the proxy is started fresh from a config generated into a temp dir,
warmed up, measured with wrk, and stopped.  Medians over rounds are reported,
with ratios to nginx.  Raw numbers go to bench/results/*.json.

Stdlib only; see bench/README.md for the method.  Not a test, not run by CI.

TLS scenarios (tls-small, tls-handshake, passthrough) give every proxy and
the origin one certificate made with the openssl CLI at start (--tls-cert).

Pier-only scenarios measure the cost of one feature against the same config
without it (metrics-overhead, accesslog-overhead, middleware-chain, routes):
they report the per-round ratio variant/base (median and range).

Adding a scenario: append a Scenario to SCENARIOS (path, headers, expected
body size, targets).  Adding a proxy (or a variant of one, e.g. a TLS or a
middleware config): write a config generator returning a Launch and register
it in TARGETS; a scenario lists the target names it runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import json
import os
import platform
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from typing import Callable, Optional

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
CLK_TCK = os.sysconf("SC_CLK_TCK")

SMALL_BODY = ("pier-bench-" + "x" * 100)[:99] + "\n"  # exactly 100 bytes
assert len(SMALL_BODY) == 100
LARGE_SIZE = 64 * 1024
# middleware-chain: the client asks for MW_PATH; the chain strips MW_PREFIX
# and adds it back, so the origin answers the same path with or without it
MW_PREFIX = "/mw"
MW_PATH = MW_PREFIX + "/small"

# --------------------------------------------------------------------------
# small helpers


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(path: str, text: str, mode: int = 0o644) -> str:
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def cmd_out(argv: list[str]) -> str:
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (p.stdout + p.stderr).strip()
    except Exception as e:  # noqa: BLE001
        return f"unavailable ({e})"


def median(xs: list[float]) -> Optional[float]:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# --------------------------------------------------------------------------
# /proc accounting


def proc_tree(root: int) -> list[int]:
    """root and all its descendants (e.g. nginx master + workers)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """utime+stime of the given processes (all threads), in seconds."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14,15)
    return total / CLK_TCK


def rss_kib(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def core_times() -> dict[str, tuple[int, int]]:
    """per-CPU (busy, total) jiffies from /proc/stat."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                parts = line.split()
                vals = list(map(int, parts[1:]))
                idle = vals[3] + vals[4]  # idle + iowait
                total = sum(vals[:8])
                out[parts[0]] = (total - idle, total)
    return out


def core_busy(before, after) -> dict[str, float]:
    res = {}
    for cpu, (b1, t1) in after.items():
        b0, t0 = before.get(cpu, (0, 0))
        res[cpu] = round(100.0 * (b1 - b0) / max(1, t1 - t0), 1)
    return res


def cpu_list(spec: str) -> set[int]:
    out: set[int] = set()
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def busy_seconds(before, after, cores: set[int]) -> float:
    """busy time (all processes, kernel included) of a set of cores."""
    total = 0
    for c in cores:
        b0, _ = before.get(f"cpu{c}", (0, 0))
        b1, _ = after.get(f"cpu{c}", (0, 0))
        total += b1 - b0
    return total / CLK_TCK


def own_seconds() -> float:
    """CPU of this script plus its reaped children (wrk)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def wait_quiet(args, max_wait: float) -> tuple[float, dict[str, float]]:
    """Wait (bounded) until both cores are nearly idle: the bench is often
    run on a shared dev machine where a compiler may be running."""
    t0 = time.monotonic()
    while True:
        a = core_times()
        time.sleep(0.5)
        busy = core_busy(a, core_times())
        waited = time.monotonic() - t0
        if max(busy.values()) <= args.quiet_pct or waited >= max_wait:
            return waited, busy
        if waited < 1.5:
            log(f"  waiting for the machine to go quiet: {busy}")


class RssSampler(threading.Thread):
    def __init__(self, pids: list[int], interval: float = 0.2):
        super().__init__(daemon=True)
        self.pids, self.interval = pids, interval
        self.peak = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, rss_kib(self.pids))
            self._halt.wait(self.interval)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        self.peak = max(self.peak, rss_kib(self.pids))
        return self.peak


# --------------------------------------------------------------------------
# process handling


@dataclasses.dataclass
class Launch:
    """How to start one target: argv (without taskset), env additions."""
    argv: list[str]
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    port: int = 0
    admin_port: int = 0       # Pier's `traefik` entry point, when it has one
    metrics_path: str = ""    # checked to serve Prometheus text before the run
    access_log: str = ""      # must hold a line per request after the run
    response_header: str = ""  # must be in the answer (e.g. set by a middleware)


class Proc:
    def __init__(self, name: str, argv: list[str], cpu: str, logdir: str,
                 env: Optional[dict[str, str]] = None):
        self.name = name
        self.logpath = os.path.join(logdir, f"{name}.log")
        self.logf = open(self.logpath, "ab")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.p = subprocess.Popen(
            ["taskset", "-c", cpu] + argv, stdout=self.logf,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=full_env,
            start_new_session=True)  # taskset execs: pid is the proxy itself
        self.pid = self.p.pid

    def alive(self) -> bool:
        return self.p.poll() is None

    def log_tail(self, n: int = 600) -> str:
        try:
            with open(self.logpath, "rb") as f:
                data = f.read()
            return data[-n:].decode(errors="replace").strip()
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop what we started: SIGTERM to our own process group, then KILL."""
        if self.p.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        try:  # stragglers of our own group (e.g. workers of a killed master)
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.logf.close()


def client_tls_context() -> ssl.SSLContext:
    """TLS 1.3 only, no verification: the bench's certificate is self-signed;
    what matters is that every proxy negotiates TLS 1.3."""
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    c.minimum_version = ssl.TLSVersion.TLSv1_3
    return c


def http_fetch(port: int, path: str, headers: Optional[dict[str, str]] = None,
               timeout: float = 2.0, scheme: str = "http"):
    """(status, response headers, body); an HTTP error status is an answer too."""
    req = urllib.request.Request(f"{scheme}://127.0.0.1:{port}{path}",
                                 headers=headers or {})
    kw = {"context": client_tls_context()} if scheme == "https" else {}
    try:
        with urllib.request.urlopen(req, timeout=timeout, **kw) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def http_get(port: int, path: str, headers: dict[str, str],
             timeout: float = 2.0, scheme: str = "http") -> tuple[int, int]:
    status, _, body = http_fetch(port, path, headers, timeout, scheme)
    return status, len(body)


class Scraper(threading.Thread):
    """GETs `path` on the admin port every `interval` s, like a Prometheus
    server would, for as long as the load runs.  Counts the answers by
    status; the scrape's cost lands in the proxy's CPU per request."""

    def __init__(self, port: int, path: str, interval: float = 1.0):
        super().__init__(daemon=True)
        self.port, self.path, self.interval = port, path, interval
        self.status: dict[str, int] = {}
        self.last_bytes = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                code, _, body = http_fetch(self.port, self.path, timeout=2.0)
                key, self.last_bytes = str(code), len(body)
            except Exception as e:  # noqa: BLE001
                key = type(e).__name__
            self.status[key] = self.status.get(key, 0) + 1
            self._halt.wait(self.interval)

    def stop(self) -> dict:
        self._halt.set()
        self.join(timeout=5)
        return {"path": self.path, "status": self.status,
                "last_bytes": self.last_bytes}


def tls_resumption_check(port: int, path: str) -> dict:
    """Two TLS connections, the second offering the session (ticket) of the
    first: tells whether the server resumes, i.e. whether wrk's reconnects
    (which reuse their SSL object, and so offer the last session) would do
    full handshakes.  Also records the negotiated version."""
    c = client_tls_context()
    out: dict = {}
    session = None
    for i in range(2):
        with socket.create_connection(("127.0.0.1", port), timeout=3) as raw:
            with c.wrap_socket(raw, server_hostname="bench.test",
                               session=session) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench.test\r\n"
                          "Connection: close\r\n\r\n".encode())
                while s.recv(65536):  # read to EOF: TLS 1.3 tickets come after the handshake
                    pass
                out["version"] = s.version()
                if i == 1:
                    out["resumed"] = s.session_reused
                session = s.session
    return out


def wait_ready(proc: Optional[Proc], port: int, path: str,
               headers: dict[str, str], expect_len: int,
               timeout: float, scheme: str = "http") -> Optional[str]:
    """None when the target answers 200 with the expected body, else why not."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            return f"exited with status {proc.p.returncode}: {proc.log_tail()}"
        try:
            status, n = http_get(port, path, headers, scheme=scheme)
            if status == 200 and n == expect_len:
                return None
            last = f"status {status}, {n} body bytes (want 200, {expect_len})"
        except Exception as e:  # noqa: BLE001
            last = str(e)
        time.sleep(0.1)
    return f"not ready after {timeout:.0f}s: {last}"


# --------------------------------------------------------------------------
# wrk

WRK_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "PIERBENCH {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d," ..
    "\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"p999_us\":%d," ..
    "\"max_us\":%d,\"mean_us\":%.1f,\"err_connect\":%d,\"err_read\":%d," ..
    "\"err_write\":%d,\"err_status\":%d,\"err_timeout\":%d}\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def run_wrk(args, ctx, port: int, sc: "Scenario", duration: float,
            connections: int = 0) -> dict:
    argv = ["taskset", "-c", args.client_cpu, "wrk",
            f"-t{args.wrk_threads}", f"-c{connections or args.connections}",
            f"-d{max(1, round(duration))}s", "--timeout", "5s", "--latency",
            "-s", ctx.wrk_lua]
    for k, v in sc.headers.items():
        argv += ["-H", f"{k}: {v}"]
    argv.append(f"{sc.scheme}://127.0.0.1:{port}{sc.path}")
    p = subprocess.run(argv, capture_output=True, text=True,
                       timeout=duration + 60)
    for line in p.stdout.splitlines():
        if line.startswith("PIERBENCH "):
            r = json.loads(line[len("PIERBENCH "):])
            r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
            r["bytes_per_req"] = r["bytes"] / max(1, r["requests"])
            return r
    raise RuntimeError(f"wrk failed (rc={p.returncode}): {p.stderr.strip()}"
                       f" {p.stdout.strip()[-400:]}")


# --------------------------------------------------------------------------
# config generators.  Each takes (ctx, dir) and returns a Launch; the dir is
# fresh per start.  Keep them "tuned as usual": access logs off, upstream
# keep-alive on, same worker count everywhere.


@dataclasses.dataclass
class Ctx:
    args: argparse.Namespace
    tmp: str
    backend_port: int
    wrk_lua: str
    pier_bin: Optional[str]
    backend_tls_port: int = 0  # the origin's TLS listener (direct-tls, passthrough)
    cert: str = ""             # one certificate for every TLS endpoint (--tls-cert)
    key: str = ""
    pem: str = ""              # cert + key in one file (HAProxy)
    nginx_stream_load: str = ""  # "load_module ...;" when the stream module is dynamic
    backend_pids: list = dataclasses.field(default_factory=list)


def nginx_temp_paths(d: str) -> str:
    return "\n".join(f"    {k}_temp_path {d}/{v};" for k, v in [
        ("client_body", "body"), ("proxy", "proxy"), ("fastcgi", "fastcgi"),
        ("uwsgi", "uwsgi"), ("scgi", "scgi")])


def nginx_launch(d: str, port: int, conf: str) -> Launch:
    write(f"{d}/nginx.conf", conf)
    return Launch(["nginx", "-e", f"{d}/error.log", "-p", d, "-c",
                   f"{d}/nginx.conf", "-g", "daemon off;"], port=port)


def gen_backend(ctx: Ctx, d: str) -> Launch:
    os.makedirs(f"{d}/www", exist_ok=True)
    os.chmod(f"{d}/www", 0o755)
    with open(f"{d}/www/64k", "wb") as f:
        f.write(bytes((i * 7 + 13) & 0xFF for i in range(LARGE_SIZE)))
    os.chmod(f"{d}/www/64k", 0o644)
    # the same locations on both listeners; MW_PATH is what the middleware
    # chain forwards (stripPrefix then addPrefix of MW_PREFIX), see gen_pier_mw
    locations = "".join(f"""
        location = {path} {{
            default_type text/plain;
            return 200 "{SMALL_BODY[:-1]}\\n";
        }}""" for path in ("/small", MW_PATH)) + f"""
        location = /64k {{ root {d}/www; }}"""
    conf = f"""
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
worker_rlimit_nofile 20000;
events {{ worker_connections 10000; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 120s;
    keepalive_requests 100000000;
    open_file_cache max=16 inactive=600s;
    open_file_cache_valid 600s;
    default_type application/octet-stream;
{nginx_temp_paths(d)}
    server {{
        listen 127.0.0.1:{ctx.backend_port} backlog=4096;{locations}
    }}
    # the same origin over TLS: the far end of the passthrough scenario
    server {{
        listen 127.0.0.1:{ctx.backend_tls_port} ssl backlog=4096;
        ssl_certificate {ctx.cert};
        ssl_certificate_key {ctx.key};
        ssl_protocols TLSv1.3;{locations}
    }}
}}
"""
    return nginx_launch(d, ctx.backend_port, conf)


def nginx_tls_lines(ctx: Ctx, tickets: bool) -> str:
    lines = [f"ssl_certificate {ctx.cert};", f"ssl_certificate_key {ctx.key};",
             "ssl_protocols TLSv1.3;"]
    if not tickets:  # no tickets and no stateful cache: nothing to resume
        lines += ["ssl_session_tickets off;", "ssl_session_cache off;"]
    return "\n".join("        " + x for x in lines)


def gen_nginx(ctx: Ctx, d: str, tls: Optional[bool] = None) -> Launch:
    """tls: None = plain HTTP; True/False = TLS 1.3 with/without resumption."""
    port = free_port()
    listen = f"127.0.0.1:{port}" + (" ssl" if tls is not None else "")
    tls_conf = nginx_tls_lines(ctx, tls) if tls is not None else ""
    conf = f"""
worker_processes {ctx.args.workers};
pid {d}/nginx.pid;
error_log {d}/error.log warn;
worker_rlimit_nofile 20000;
events {{ worker_connections 10000; }}
http {{
    access_log off;
    tcp_nodelay on;
    keepalive_timeout 120s;
    keepalive_requests 100000000;
{nginx_temp_paths(d)}
    upstream backend {{
        server 127.0.0.1:{ctx.backend_port};
        keepalive 256;
        keepalive_requests 100000000;
        keepalive_timeout 120s;
    }}
    server {{
        listen {listen} backlog=4096;
{tls_conf}
        location / {{
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffer_size 16k;
            proxy_buffers 8 16k;
        }}
    }}
}}
"""
    return nginx_launch(d, port, conf)


def gen_haproxy(ctx: Ctx, d: str, tls: Optional[bool] = None) -> Launch:
    """tls: None = plain HTTP; True/False = TLS 1.3 with/without resumption."""
    port = free_port()
    bind = f"127.0.0.1:{port}"
    glob = ""
    if tls is not None:
        bind += f" ssl crt {ctx.pem} ssl-min-ver TLSv1.3"
        if not tls:  # no tickets and no stateful session cache
            bind += " no-tls-tickets"
            glob = "    tune.ssl.cachesize 0\n"
    conf = f"""
global
    nbthread {ctx.args.workers}
    maxconn 4096
{glob}
defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s

frontend fe
    bind {bind}
    default_backend be

backend be
    server s1 127.0.0.1:{ctx.backend_port}
"""
    write(f"{d}/haproxy.cfg", conf)
    return Launch(["haproxy", "-db", "-f", f"{d}/haproxy.cfg"], port=port)


def caddy_launch(ctx: Ctx, d: str, port: int, config_args: list[str]) -> Launch:
    env = {"GOMAXPROCS": str(ctx.args.workers), "HOME": d,
           "XDG_CONFIG_HOME": f"{d}/config", "XDG_DATA_HOME": f"{d}/data"}
    return Launch(["caddy", "run"] + config_args, env=env, port=port)


def gen_caddy(ctx: Ctx, d: str) -> Launch:
    port = free_port()
    idle = max(256, 2 * ctx.args.connections)
    conf = f"""{{
    admin off
    auto_https off
    log {{
        level ERROR
    }}
}}

http://127.0.0.1:{port} {{
    reverse_proxy 127.0.0.1:{ctx.backend_port} {{
        transport http {{
            keepalive 120s
            keepalive_idle_conns {idle}
            keepalive_idle_conns_per_host {idle}
        }}
    }}
}}
"""
    write(f"{d}/Caddyfile", conf)
    return caddy_launch(ctx, d, port, ["--config", f"{d}/Caddyfile",
                                       "--adapter", "caddyfile"])


def pier_static(port: int, dynamic: str, workers: int, admin_port: int = 0,
                extra: str = "") -> str:
    """Traefik v3 static configuration.  No accessLog section unless `extra`
    adds one: access log off.  admin_port adds the `traefik` entry point
    (where `metrics.prometheus` answers /metrics by default).  `workers` is
    in the file because, as in Traefik, command-line flags are ignored once
    --configFile is given (until session 4 the bench passed --workers and so
    ran Pier with one worker per CPU of the machine, on its one pinned core)."""
    admin = (f"""  traefik:
    address: "127.0.0.1:{admin_port}"
""" if admin_port else "")
    return f"""entryPoints:
  web:
    address: "127.0.0.1:{port}"
{admin}providers:
  file:
    filename: "{dynamic}"
workers: {workers}
""" + extra


def pier_launch(ctx: Ctx, d: str, dynamic_yaml: str, static_extra: str = "",
                admin: bool = False) -> Launch:
    if not ctx.pier_bin:
        raise FileNotFoundError("pier binary not found")
    port, admin_port = free_port(), free_port() if admin else 0
    dyn = write(f"{d}/dynamic.yml", dynamic_yaml)
    write(f"{d}/static.yml", pier_static(port, dyn, ctx.args.workers, admin_port,
                                             static_extra))
    return Launch([ctx.pier_bin, f"--configfile={d}/static.yml"], port=port,
                  admin_port=admin_port)


def pier_service_yaml(ctx: Ctx) -> str:
    """`http.services.s`: the origin; follows the routers in `http:`."""
    return f"""  services:
    s:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:{ctx.backend_port}"
"""


def pier_http_yaml(ctx: Ctx, router_lines: tuple[str, ...] = (),
                   middlewares: str = "") -> str:
    """One router `r`, PathPrefix(`/`) -> service `s` (the origin).
    router_lines go under the router; middlewares is the indented body of
    `http.middlewares`."""
    lines = ["http:", "  routers:", "    r:", '      rule: "PathPrefix(`/`)"',
             "      service: s"] + [f"      {x}" for x in router_lines]
    mws = "  middlewares:\n" + middlewares if middlewares else ""
    return "\n".join(lines) + "\n" + mws + pier_service_yaml(ctx)


def gen_pier(ctx: Ctx, d: str) -> Launch:
    return pier_launch(ctx, d, pier_http_yaml(ctx))


def route_host(i: int) -> str:
    # zero-padded so that every rule (and the Host header) has the same length
    return f"h{i:05d}.bench.test"


def gen_pier_routes(n: int) -> Callable[[Ctx, str], Launch]:
    def gen(ctx: Ctx, d: str) -> Launch:
        lines = ["http:", "  routers:"]
        for i in range(n):
            lines += [f"    r{i:05d}:",
                      f"      rule: \"Host(`{route_host(i)}`)\"",
                      "      service: s"]
        return pier_launch(ctx, d, "\n".join(lines) + "\n" + pier_service_yaml(ctx))
    return gen


def gen_direct(ctx: Ctx, d: str) -> Launch:
    return Launch([], port=ctx.backend_port)  # no process: hit the origin


def gen_direct_tls(ctx: Ctx, d: str) -> Launch:
    return Launch([], port=ctx.backend_tls_port)  # the origin's TLS listener


# ---- TLS terminated by the proxy (tls-small, tls-handshake).  Every proxy
# gets the same certificate (ctx.cert/ctx.key) and TLS 1.3 only.  `tickets`
# False turns off every kind of resumption (tickets and session caches), so
# that each of wrk's reconnects is a full handshake.


def tls_variant(gen: Callable[..., Launch], tickets: bool) -> Callable[[Ctx, str], Launch]:
    def g(ctx: Ctx, d: str) -> Launch:
        return gen(ctx, d, tls=tickets)
    return g


def gen_caddy_tls(ctx: Ctx, d: str, tls: bool = True) -> Launch:
    # JSON rather than a Caddyfile: the Caddyfile cannot turn tickets off.
    port = free_port()
    idle = max(256, 2 * ctx.args.connections)
    conf = {
        "admin": {"disabled": True},
        "logging": {"logs": {"default": {"level": "ERROR"}}},
        "apps": {
            "http": {"servers": {"bench": {
                "listen": [f"127.0.0.1:{port}"],
                "automatic_https": {"disable": True},
                "tls_connection_policies": [
                    {"protocol_min": "tls1.3", "default_sni": "bench.test"}],
                "routes": [{"handle": [{
                    "handler": "reverse_proxy",
                    "upstreams": [{"dial": f"127.0.0.1:{ctx.backend_port}"}],
                    "transport": {"protocol": "http", "keep_alive": {
                        "enabled": True, "idle_timeout": "120s",
                        "max_idle_conns": idle,
                        "max_idle_conns_per_host": idle}}}]}]}}},
            "tls": {"certificates": {"load_files": [
                {"certificate": ctx.cert, "key": ctx.key}]},
                "session_tickets": {"disabled": not tls}},
        },
    }
    write(f"{d}/caddy.json", json.dumps(conf, indent=1))
    return caddy_launch(ctx, d, port, ["--config", f"{d}/caddy.json"])


def pier_tls_yaml(ctx: Ctx, tickets: bool) -> str:
    return f"""tls:
  certificates:
    - certFile: "{ctx.cert}"
      keyFile: "{ctx.key}"
  stores:
    default:
      defaultCertificate:
        certFile: "{ctx.cert}"
        keyFile: "{ctx.key}"
  options:
    default:
      minVersion: VersionTLS13
      disableSessionTickets: {"false" if tickets else "true"}
"""


def gen_pier_tls(ctx: Ctx, d: str, tls: bool = True) -> Launch:
    return pier_launch(ctx, d, pier_http_yaml(ctx, ("tls: {}",))
                       + pier_tls_yaml(ctx, tls))


# ---- TLS passthrough: the proxy relays TCP bytes to the origin's TLS port;
# the client's TLS session is with the origin.


def gen_nginx_tcp(ctx: Ctx, d: str) -> Launch:
    port = free_port()
    conf = f"""{ctx.nginx_stream_load}
worker_processes {ctx.args.workers};
pid {d}/nginx.pid;
error_log {d}/error.log warn;
worker_rlimit_nofile 20000;
events {{ worker_connections 10000; }}
stream {{
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        proxy_pass 127.0.0.1:{ctx.backend_tls_port};
    }}
}}
"""
    return nginx_launch(d, port, conf)


def gen_haproxy_tcp(ctx: Ctx, d: str) -> Launch:
    port = free_port()
    conf = f"""
global
    nbthread {ctx.args.workers}
    maxconn 4096

defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s

frontend fe
    bind 127.0.0.1:{port}
    default_backend be

backend be
    server s1 127.0.0.1:{ctx.backend_tls_port}
"""
    write(f"{d}/haproxy.cfg", conf)
    return Launch(["haproxy", "-db", "-f", f"{d}/haproxy.cfg"], port=port)


def gen_caddy_tcp(ctx: Ctx, d: str) -> Launch:
    # Needs the layer4 app (github.com/mholt/caddy-l4), which stock Caddy
    # builds lack; main() marks this target unavailable then.
    port = free_port()
    conf = {"admin": {"disabled": True},
            "logging": {"logs": {"default": {"level": "ERROR"}}},
            "apps": {"layer4": {"servers": {"bench": {
                "listen": [f"127.0.0.1:{port}"],
                "routes": [{"handle": [{
                    "handler": "proxy",
                    "upstreams": [{"dial": [f"127.0.0.1:{ctx.backend_tls_port}"]}]}]}]}}}}}
    write(f"{d}/caddy.json", json.dumps(conf, indent=1))
    return caddy_launch(ctx, d, port, ["--config", f"{d}/caddy.json"])


def gen_pier_tcp(ctx: Ctx, d: str) -> Launch:
    dyn = f"""tcp:
  routers:
    p:
      rule: "HostSNI(`*`)"
      service: s
      tls:
        passthrough: true
  services:
    s:
      loadBalancer:
        servers:
          - address: "127.0.0.1:{ctx.backend_tls_port}"
"""
    return pier_launch(ctx, d, dyn)


# ---- Pier's own costs (metrics-overhead, accesslog-overhead,
# middleware-chain): the plain Pier config plus one feature, measured against
# the same config without it.


def gen_pier_obs(metrics: bool, access_log: bool) -> Callable[[Ctx, str], Launch]:
    """Pier with an admin entry point `traefik` (in every variant, so that the
    scraper finds the same listeners), plus Prometheus metrics and/or a JSON
    access log to a file in a subdirectory of the start's temp dir: not beside
    dynamic.yml, whose directory the file provider watches (every write to a
    file there would wake Pier's control loop, a cost no deployment has)."""
    def gen(ctx: Ctx, d: str) -> Launch:
        static = ""
        log_path = f"{d}/logs/access.log"
        if metrics:
            static += "metrics:\n  prometheus:\n    entryPoint: traefik\n"
        if access_log:
            os.makedirs(f"{d}/logs", exist_ok=True)
            static += (f'accessLog:\n  filePath: "{log_path}"\n'
                       "  format: json\n")
        # the router stays off the admin entry point, whose /metrics is Pier's
        launch = pier_launch(ctx, d, pier_http_yaml(ctx, ("entryPoints:", "  - web")),
                             static, admin=True)
        launch.metrics_path = "/metrics" if metrics else ""
        launch.access_log = log_path if access_log else ""
        return launch
    return gen


# five cheap middlewares that all act on every request, and none answers:
# the request keeps MW_PATH at the origin (strip, then add MW_PREFIX back)
PIER_MW_CHAIN = f"""    hdr:
      headers:
        customRequestHeaders:
          X-Bench-Request: "1"
        customResponseHeaders:
          X-Bench-Chain: "1"
    strip:
      stripPrefix:
        prefixes:
          - "{MW_PREFIX}"
    allow:
      ipAllowList:
        sourceRange:
          - "127.0.0.1/32"
          - "::1"
    limit:
      rateLimit:
        average: 10000000
        burst: 10000000
    add:
      addPrefix:
        prefix: "{MW_PREFIX}"
"""


def gen_pier_mw(ctx: Ctx, d: str) -> Launch:
    router = ("middlewares:", "  - hdr", "  - strip", "  - allow", "  - limit",
              "  - add")
    launch = pier_launch(ctx, d, pier_http_yaml(ctx, router, PIER_MW_CHAIN))
    launch.response_header = "X-Bench-Chain"  # proof that the chain ran
    return launch


@dataclasses.dataclass
class Target:
    name: str
    kind: str  # nginx | haproxy | caddy | pier | direct  (for availability)
    gen: Callable[[Ctx, str], Launch]


TARGETS = {t.name: t for t in [
    Target("direct", "direct", gen_direct),
    Target("nginx", "nginx", gen_nginx),
    Target("haproxy", "haproxy", gen_haproxy),
    Target("caddy", "caddy", gen_caddy),
    Target("pier", "pier", gen_pier),
    Target("pier-10r", "pier", gen_pier_routes(10)),
    Target("pier-10000r", "pier", gen_pier_routes(10000)),
    Target("direct-tls", "direct", gen_direct_tls),
    # TLS terminated by the proxy, resumption as each proxy's default
    Target("nginx-tls", "nginx", tls_variant(gen_nginx, True)),
    Target("haproxy-tls", "haproxy", tls_variant(gen_haproxy, True)),
    Target("caddy-tls", "caddy", tls_variant(gen_caddy_tls, True)),
    Target("pier-tls", "pier", tls_variant(gen_pier_tls, True)),
    # TLS terminated by the proxy, no resumption at all: full handshakes
    Target("nginx-hs", "nginx", tls_variant(gen_nginx, False)),
    Target("haproxy-hs", "haproxy", tls_variant(gen_haproxy, False)),
    Target("caddy-hs", "caddy", tls_variant(gen_caddy_tls, False)),
    Target("pier-hs", "pier", tls_variant(gen_pier_tls, False)),
    # TCP relay of the origin's TLS (passthrough)
    Target("nginx-tcp", "nginx", gen_nginx_tcp),
    Target("haproxy-tcp", "haproxy", gen_haproxy_tcp),
    Target("caddy-tcp", "caddy", gen_caddy_tcp),
    Target("pier-tcp", "pier", gen_pier_tcp),
    # Pier's own costs: each against the same config without the feature
    Target("pier-admin", "pier", gen_pier_obs(False, False)),
    Target("pier-metrics", "pier", gen_pier_obs(True, False)),
    Target("pier-accesslog", "pier", gen_pier_obs(False, True)),
    Target("pier-admin-twin", "pier", gen_pier_obs(False, False)),  # aa-control
    Target("pier-mw-chain", "pier", gen_pier_mw),
]}

PROXIES = ["nginx", "haproxy", "caddy", "pier"]


@dataclasses.dataclass
class Scenario:
    name: str
    title: str
    path: str
    expect_len: int
    targets: list[str]
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    baseline: str = "nginx"  # ratios are relative to this target
    scheme: str = "http"     # https: wrk and the readiness probe speak TLS
    # the session check must find no resumption (every request a full handshake)
    full_handshakes: bool = False
    # the target: (target, metric, "<=" | ">=", ratio to the baseline)
    goal: Optional[tuple[str, str, str, float]] = None
    note: str = ""           # printed under the table
    # (variant, base) pairs whose per-round ratios are reported, with the
    # largest acceptable cost (e.g. 0.03: at most 3 % fewer req/s and 3 % more
    # CPU per request)
    pairs: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    max_cost: float = 0.0
    scrape: str = ""         # path GET on the target's admin port every second


SCENARIOS = [
    Scenario("small", "100-byte responses, keep-alive", "/small", 100,
             ["direct"] + PROXIES),
    Scenario("large", "64 KiB responses, keep-alive", "/64k", LARGE_SIZE,
             ["direct"] + PROXIES),
    Scenario("close", "100-byte responses, new connection per request",
             "/small", 100, ["direct"] + PROXIES,
             headers={"Connection": "close"}),
    Scenario("routes", "Pier routing table: 10 vs 10,000 Host routers "
             "(100-byte, keep-alive, last router hit)", "/small", 100,
             ["pier-10r", "pier-10000r"],
             headers={"Host": route_host(9)}, baseline="pier-10r",
             pairs=[("pier-10000r", "pier-10r")], max_cost=0.05),
    Scenario("tls-small", "HTTPS keep-alive, 100-byte responses, TLS 1.3 "
             "terminated by the proxy, plain HTTP to the origin", "/small", 100,
             ["direct-tls"] + [f"{p}-tls" for p in PROXIES],
             baseline="nginx-tls", scheme="https",
             goal=("pier-tls", "cpu_us_per_req", "<=", 1.1)),
    Scenario("tls-handshake", "a full TLS 1.3 handshake per request "
             "(Connection: close, tickets and session caches off everywhere)",
             "/small", 100, [f"{p}-hs" for p in PROXIES],
             headers={"Connection": "close"}, baseline="nginx-hs",
             scheme="https", full_handshakes=True,
             goal=("pier-hs", "cpu_us_per_req", "<=", 1.25),
             note="req/s = full handshakes/s; CPU us/req = proxy CPU per "
                  "handshake (+ its one 100-byte request)"),
    Scenario("passthrough", "TLS passthrough: TCP relay to the origin's TLS "
             "port, 64 KiB responses, keep-alive", "/64k", LARGE_SIZE,
             ["direct-tls"] + [f"{p}-tcp" for p in PROXIES],
             baseline="haproxy-tcp", scheme="https",
             goal=("pier-tcp", "rps", ">=", 0.9),
             note="the proxy sees only TLS records: its CPU is the relaying; "
                  "the TLS work is wrk's and the origin's (CPU 0)"),
    Scenario("metrics-overhead", "Pier with Prometheus metrics on vs off "
             "(100-byte, keep-alive, /metrics scraped every second)", "/small",
             100, ["pier-admin", "pier-metrics"], baseline="pier-admin",
             pairs=[("pier-metrics", "pier-admin")], max_cost=0.03,
             scrape="/metrics",
             note="both have the admin entry point `traefik`; the scraper gets "
                  "404 there when metrics are off"),
    Scenario("accesslog-overhead", "Pier with the JSON access log to a file on "
             "vs off (100-byte, keep-alive, /metrics scraped every second)",
             "/small", 100, ["pier-admin", "pier-accesslog"],
             baseline="pier-admin", pairs=[("pier-accesslog", "pier-admin")],
             max_cost=0.03, scrape="/metrics",
             note="metrics off in both: the scraper gets 404"),
    Scenario("aa-control", "the same Pier configuration twice: a pair's scatter "
             "and bias when nothing differs (100-byte, keep-alive, /metrics scraped "
             "every second)", "/small", 100, ["pier-admin", "pier-admin-twin"],
             baseline="pier-admin", pairs=[("pier-admin-twin", "pier-admin")],
             scrape="/metrics", note="an A/A control: any cost shown is the method's noise"),
    Scenario("middleware-chain", "Pier with five middlewares on the router "
             "(headers, stripPrefix, ipAllowList, rateLimit, addPrefix) vs "
             "none (100-byte, keep-alive)", MW_PATH, 100,
             ["pier", "pier-mw-chain"], baseline="pier",
             pairs=[("pier-mw-chain", "pier")], max_cost=0.10),
]
# the 10,000-router table must be hit on its last router, the 10-router on its
# last; both names have the same length, only the index differs.
ROUTE_HOST_FOR = {"pier-10r": route_host(9), "pier-10000r": route_host(9999)}


# --------------------------------------------------------------------------
# one measurement


def measure(ctx: Ctx, sc: Scenario, tname: str, rnd: int) -> dict:
    args = ctx.args
    t = TARGETS[tname]
    d = tempfile.mkdtemp(prefix=f"{tname}-{sc.name}-r{rnd}-", dir=ctx.tmp)
    os.chmod(d, 0o755)
    res: dict = {"scenario": sc.name, "target": tname, "round": rnd}
    sc_headers = dict(sc.headers)
    if tname in ROUTE_HOST_FOR:
        sc_headers["Host"] = ROUTE_HOST_FOR[tname]
    sc_local = dataclasses.replace(sc, headers=sc_headers)
    launch = t.gen(ctx, d)
    proc = None
    scraper = None
    try:
        if launch.argv:
            proc = Proc(f"{tname}-{sc.name}-r{rnd}", launch.argv,
                        args.proxy_cpu, d, launch.env)
            res["config_dir"] = d
        ready_headers = {k: v for k, v in sc_headers.items()
                         if k.lower() != "connection"}
        why = wait_ready(proc, launch.port, sc.path, ready_headers,
                         sc.expect_len, args.start_timeout, sc.scheme)
        if why:
            raise RuntimeError(why)
        if sc.scheme == "https":
            res["tls"] = tls_resumption_check(launch.port, sc.path)
            if sc.full_handshakes and res["tls"].get("resumed"):
                raise RuntimeError("the server resumed a TLS session: this "
                                   "would not measure full handshakes")
        check_features(launch, sc, ready_headers)
        if sc.scrape and launch.admin_port:
            scraper = Scraper(launch.admin_port, sc.scrape)
            scraper.start()  # runs through the warm-up and the measured run
        pids = proc_tree(proc.pid) if proc else []
        backend_pids = ctx.backend_pids
        time.sleep(0.3)
        res["rss_idle_kib"] = rss_kib(pids) if proc else None
        if args.warmup > 0:
            run_wrk(args, ctx, launch.port, sc_local, args.warmup)
        if proc:
            pids = proc_tree(proc.pid)
            res["nprocs"] = len(pids)
        sampler = RssSampler(pids)
        sampler.start()
        cpu0, bcpu0, ct0 = cpu_seconds(pids), cpu_seconds(backend_pids), core_times()
        own0, wall0 = own_seconds(), time.monotonic()
        w = run_wrk(args, ctx, launch.port, sc_local, args.duration)
        cpu1, bcpu1, ct1 = cpu_seconds(pids), cpu_seconds(backend_pids), core_times()
        own1, wall1 = own_seconds(), time.monotonic()
        peak = sampler.stop()
        if proc and not proc.alive():
            raise RuntimeError(f"died during run: {proc.log_tail()}")
        if scraper:
            res["scrapes"] = scraper.stop()
        res.update(w)
        n = max(1, w["requests"])
        if proc:
            res["cpu_s"] = cpu1 - cpu0
            res["cpu_us_per_req"] = (cpu1 - cpu0) * 1e6 / n
            res["rss_peak_kib"] = peak
        res["backend_cpu_us_per_req"] = (bcpu1 - bcpu0) * 1e6 / n
        res["core_busy_pct"] = core_busy(ct0, ct1)
        # Load on our cores that is not ours (another build, ...): busy time
        # minus what the proxy, resp. wrk + origin + this script, used.
        # Kernel work not charged to any process (irq) also lands here.
        wall = wall1 - wall0
        pc, cc = cpu_list(args.proxy_cpu), cpu_list(args.client_cpu)
        fp = busy_seconds(ct0, ct1, pc) - (cpu1 - cpu0)
        fc = busy_seconds(ct0, ct1, cc) - (bcpu1 - bcpu0) - (own1 - own0)
        res["foreign_pct"] = {
            "proxy_cores": round(100 * fp / (wall * len(pc)), 1),
            "client_cores": round(100 * fc / (wall * len(cc)), 1)}
        if not proc:  # direct: nothing of ours runs on the proxy core
            res["foreign_pct"]["proxy_cores"] = None
        res["noisy"] = noise(res) > args.noise_pct
        errs = sum(w[k] for k in w if k.startswith("err_"))
        res["errors"] = errs
        if abs(w["bytes_per_req"] - sc.expect_len) > sc.expect_len * 0.5 + 400:
            res["warning"] = (f"{w['bytes_per_req']:.0f} bytes/response, "
                              f"expected ~{sc.expect_len} + headers")
    except FileNotFoundError as e:
        res["error"] = str(e)
    except Exception as e:  # noqa: BLE001
        res["error"] = str(e)
    finally:
        if scraper and scraper.is_alive():
            scraper.stop()
        if proc:
            proc.stop()
    if launch.access_log and "error" not in res:
        access_log_check(ctx, launch.access_log, res)
    return res


def measure_side_by_side(ctx: Ctx, sc: Scenario, names: tuple[str, str],
                         rnd: int) -> list[dict]:
    """Both targets of a pair at once, on the proxy core, each loaded by its
    own wrk with half the connections.  This VM's speed swings within a
    second (bench/README.md, session 6), so two targets measured one after
    the other see different machines; measured together they see the same
    one, and their ratio of CPU per request scatters about 4 times less.
    Each request also runs beside the other proxy's (caches shared, more
    context switches): CPU per request is higher than alone, for both."""
    args = ctx.args
    ress = [{"scenario": sc.name, "target": n, "round": rnd, "side_by_side": True}
            for n in names]
    launches, procs, scrapers = [], [], []
    try:
        for name, res in zip(names, ress):
            d = tempfile.mkdtemp(prefix=f"{name}-{sc.name}-r{rnd}-", dir=ctx.tmp)
            os.chmod(d, 0o755)
            launch = TARGETS[name].gen(ctx, d)
            launches.append(launch)
            procs.append(Proc(f"{name}-{sc.name}-r{rnd}", launch.argv,
                              args.proxy_cpu, d, launch.env))
            res["config_dir"] = d
        headers = {k: v for k, v in sc.headers.items() if k.lower() != "connection"}
        for launch, proc in zip(launches, procs):
            why = wait_ready(proc, launch.port, sc.path, headers, sc.expect_len,
                             args.start_timeout, sc.scheme)
            if why:
                raise RuntimeError(why)
            check_features(launch, sc, headers)
            if sc.scrape and launch.admin_port:
                scrapers.append(Scraper(launch.admin_port, sc.scrape))
                scrapers[-1].start()
        half = max(1, args.connections // 2)

        def load(duration: float) -> list[dict]:
            out: list = [None, None]

            def one(i: int) -> None:
                try:
                    out[i] = run_wrk(args, ctx, launches[i].port, sc, duration, half)
                except Exception as e:  # noqa: BLE001
                    out[i] = e
            threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for o in out:
                if isinstance(o, Exception):
                    raise o
            return out

        time.sleep(0.3)
        for res, proc in zip(ress, procs):
            res["rss_idle_kib"] = rss_kib(proc_tree(proc.pid))
        if args.warmup > 0:
            load(args.warmup)
        pids = [proc_tree(p.pid) for p in procs]
        cpu0, ct0 = [cpu_seconds(x) for x in pids], core_times()
        bcpu0, own0, wall0 = cpu_seconds(ctx.backend_pids), own_seconds(), time.monotonic()
        ws = load(args.duration)
        cpu1, ct1 = [cpu_seconds(x) for x in pids], core_times()
        bcpu1, own1, wall1 = cpu_seconds(ctx.backend_pids), own_seconds(), time.monotonic()
        for proc in procs:
            if not proc.alive():
                raise RuntimeError(f"died during run: {proc.log_tail()}")
        wall = wall1 - wall0
        pc, cc = cpu_list(args.proxy_cpu), cpu_list(args.client_cpu)
        fp = busy_seconds(ct0, ct1, pc) - sum(cpu1) + sum(cpu0)
        fc = busy_seconds(ct0, ct1, cc) - (bcpu1 - bcpu0) - (own1 - own0)
        n_all = max(1, sum(w["requests"] for w in ws))
        for i, (res, w) in enumerate(zip(ress, ws)):
            res.update(w)
            n = max(1, w["requests"])
            res["cpu_s"] = cpu1[i] - cpu0[i]
            res["cpu_us_per_req"] = (cpu1[i] - cpu0[i]) * 1e6 / n
            res["backend_cpu_us_per_req"] = (bcpu1 - bcpu0) * 1e6 / n_all
            res["core_busy_pct"] = core_busy(ct0, ct1)
            res["foreign_pct"] = {
                "proxy_cores": round(100 * fp / (wall * len(pc)), 1),
                "client_cores": round(100 * fc / (wall * len(cc)), 1)}
            res["noisy"] = noise(res) > args.noise_pct
            res["errors"] = sum(w[k] for k in w if k.startswith("err_"))
    except Exception as e:  # noqa: BLE001
        for res in ress:
            res["error"] = str(e)
    finally:
        for scraper in scrapers:
            scraper.stop()
        for proc in procs:
            proc.stop()
    for launch, res in zip(launches, ress):
        if launch.access_log and "error" not in res:
            access_log_check(ctx, launch.access_log, res)
    return ress


def check_features(launch: Launch, sc: Scenario, headers: dict[str, str]) -> None:
    """Before measuring a feature's cost, make sure it is on."""
    if launch.metrics_path:
        code, _, body = http_fetch(launch.admin_port, launch.metrics_path)
        if code != 200 or b"traefik_entrypoint_requests_total" not in body:
            raise RuntimeError(f"no Prometheus metrics at {launch.metrics_path} "
                               f"on the admin port (status {code})")
    if launch.response_header:
        _, hdrs, _ = http_fetch(launch.port, sc.path, headers)
        if hdrs.get(launch.response_header) is None:
            raise RuntimeError(f"no {launch.response_header} header in the "
                               "answer: the middlewares did not run")


def access_log_check(ctx: Ctx, path: str, res: dict) -> None:
    """After the proxy stopped (its writer flushed): the log must hold about
    one line per request.  Then delete it: each run writes tens of MB."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        res["error"] = f"access log missing: {e}"
        return
    lines = data.count(b"\n")
    res["access_log"] = {"bytes": len(data), "lines": lines,
                         "bytes_per_line": round(len(data) / max(1, lines))}
    if lines < res.get("requests", 0):  # warm-up and probes come on top
        res["error"] = (f"access log has {lines} lines for "
                        f"{res.get('requests')} measured requests")
    if not ctx.args.keep_tmp:
        os.unlink(path)


# --------------------------------------------------------------------------
# reporting

METRICS = ["rps", "p50_us", "p99_us", "cpu_us_per_req", "rss_idle_kib",
           "rss_peak_kib", "backend_cpu_us_per_req", "errors"]


def noise(r: dict) -> float:
    return max((v for v in r.get("foreign_pct", {}).values() if v is not None),
               default=0.0)


def summarize(runs: list[dict]) -> dict:
    out: dict = {}
    for r in runs:
        if "error" in r:
            continue
        s = out.setdefault(r["scenario"], {}).setdefault(r["target"], {})
        for m in METRICS:
            s.setdefault(m, []).append(r.get(m))
        for cpu, v in r.get("core_busy_pct", {}).items():
            s.setdefault(f"{cpu}_busy_pct", []).append(v)
        s.setdefault("foreign_pct_max", []).append(noise(r))
        s.setdefault("noisy_runs", []).append(1 if r.get("noisy") else 0)
    for sc in out.values():
        for tgt, s in sc.items():
            n = len(s["rps"])
            sc[tgt] = {k: (sum(v) if k == "noisy_runs" else median(v))
                       for k, v in s.items()}
            sc[tgt]["rounds"] = n
    for scn, sc in out.items():
        base = sc.get(next(s.baseline for s in SCENARIOS if s.name == scn))
        for s in sc.values():
            s["ratio"] = {}
            for m in ["rps", "p50_us", "p99_us", "cpu_us_per_req", "rss_peak_kib"]:
                if base and s.get(m) is not None and base.get(m):
                    s["ratio"][m] = s[m] / base[m]
    return out


def fmt_us(us: Optional[float]) -> str:
    if us is None:
        return "-"
    if us >= 10000:
        return f"{us / 1000:.0f}ms"
    if us >= 1000:
        return f"{us / 1000:.2f}ms"
    return f"{us:.0f}us"


def fmt(v, spec: str, suffix: str = "") -> str:
    return "-" if v is None else format(v, spec) + suffix


def pair_ratios(runs: list[dict], scenarios: list[Scenario]) -> dict:
    """For each Scenario.pairs (variant, base): the ratio variant/base of
    req/s and CPU per request within each round, where the two ran back to
    back, then the median and range over rounds.  Pairing by round cancels
    the slow swings of a shared machine's load better than a ratio of
    medians taken over all rounds."""
    out = {}
    for sc in scenarios:
        for var, base in sc.pairs:
            by_round: dict[int, dict] = {}
            for r in runs:
                if r["scenario"] == sc.name and "error" not in r \
                        and r["target"] in (var, base):
                    by_round.setdefault(r["round"], {})[r["target"]] = r
            per: dict[str, list[float]] = {"rps": [], "cpu_us_per_req": []}
            for rnd in sorted(by_round):
                p = by_round[rnd]
                if var in p and base in p:
                    for m, xs in per.items():
                        if p[var].get(m) and p[base].get(m):
                            xs.append(p[var][m] / p[base][m])
            out[f"{sc.name}:{var}/{base}"] = {
                m: {"median": median(xs), "min": min(xs), "max": max(xs),
                    "n": len(xs), "per_round": [round(x, 4) for x in xs]}
                for m, xs in per.items() if xs}
    return out


def print_pair(sc: Scenario, var: str, base: str, pr: Optional[dict]) -> None:
    if not pr or "rps" not in pr:
        print(f"  {var} / {base}: no complete round")
        return
    rps, cpu = pr["rps"], pr.get("cpu_us_per_req")
    cost_rps = 1 - rps["median"]  # fewer req/s is the cost
    line = (f"  {var} / {base}, {rps['n']} round(s): req/s x{rps['median']:.3f} "
            f"({rps['min']:.3f}-{rps['max']:.3f})")
    costs = [cost_rps]
    if cpu:
        line += (f", CPU/req x{cpu['median']:.3f} "
                 f"({cpu['min']:.3f}-{cpu['max']:.3f})")
        costs.append(cpu["median"] - 1)  # more CPU per request is the cost
    print(line)
    if sc.max_cost:
        ok = max(costs) < sc.max_cost  # a gain is fine
        print(f"    cost (negative: a gain): req/s {cost_rps:+.1%}, CPU/req "
              + (f"{costs[1]:+.1%}" if cpu else "-")
              + f" (median of per-round ratios; target < {sc.max_cost:.0%} each) -> "
              + ("OK" if ok else "OUT OF TARGET"))


def print_table(args, summary: dict, unavailable: dict[str, str],
                scenarios: list[Scenario], pairs: Optional[dict] = None) -> None:
    pairs = pairs or {}
    print()
    print(f"Pier proxy benchmark: {args.connections} connections, "
          f"{args.duration:g}s x {args.rounds} rounds (median), "
          f"workers={args.workers}, proxy on CPU {args.proxy_cpu}, "
          f"wrk+origin on CPU {args.client_cpu}"
          + ("; pairs side by side (both targets at once, half the connections each)"
             if getattr(args, "side_by_side", False) else ""))
    for sc in scenarios:
        rows = summary.get(sc.name, {})
        print()
        print(f"[{sc.name}] {sc.title}")
        w = max([12] + [len(t) + 1 for t in sc.targets])  # name column
        hdr = (f"  {'target':<{w}}{'req/s':>10}{'p50':>9}{'p99':>9}"
               f"{'CPU us/req':>11}{'RSS idle':>10}{'RSS peak':>10}"
               f"{'cpu1%':>6}{'bg%':>5}   x{sc.baseline}: {'req/s':>6}{'CPU/req':>8}"
               f"{'p99':>6}{'RSS':>6}")
        print(hdr)
        for tname in sc.targets:
            why = unavailable.get(tname) or unavailable.get(TARGETS[tname].kind)
            s = rows.get(tname)
            if why and not s:
                print(f"  {tname}: not available ({why})")
                continue
            if why:  # failed after some rounds: show those, say so
                print(f"  ({tname} failed in a later round, the row below has "
                      f"{s['rounds']} round(s): {why[:100]})")
            if not s:
                print(f"  {tname:<{w}} no successful runs")
                continue
            r = s["ratio"]

            def rt(m):
                return fmt(r.get(m), ".2f")
            print(f"  {tname:<{w}}{fmt(s['rps'], ',.0f'):>10}"
                  f"{fmt_us(s['p50_us']):>9}{fmt_us(s['p99_us']):>9}"
                  f"{fmt(s['cpu_us_per_req'], '.1f'):>11}"
                  f"{fmt(s['rss_idle_kib'] and s['rss_idle_kib'] / 1024, '.1f', 'M'):>10}"
                  f"{fmt(s['rss_peak_kib'] and s['rss_peak_kib'] / 1024, '.1f', 'M'):>10}"
                  f"{fmt(s.get(f'cpu{min(cpu_list(args.proxy_cpu))}_busy_pct'), '.0f'):>6}"
                  f"{fmt(s.get('foreign_pct_max'), '.0f'):>5}"
                  f"   {'':>{len(sc.baseline) + 2}}{rt('rps'):>6}"
                  f"{rt('cpu_us_per_req'):>8}{rt('p99_us'):>6}{rt('rss_peak_kib'):>6}"
                  + (f"  errors={s['errors']:.0f}" if s.get("errors") else "")
                  + (f"  noisy={s['noisy_runs']}/{s['rounds']}" if s.get("noisy_runs") else ""))
        for var, base in sc.pairs:
            print_pair(sc, var, base, pairs.get(f"{sc.name}:{var}/{base}"))
        if sc.note:
            print(f"  ({sc.note})")
        if sc.goal:
            tgt, m, op, lim = sc.goal
            ratio = (rows.get(tgt) or {}).get("ratio", {}).get(m)
            label = {"cpu_us_per_req": "CPU/req", "rps": "req/s"}.get(m, m)
            if ratio is None:
                print(f"  goal: {tgt} {label} {op} {lim} x {sc.baseline}: "
                      "not measured")
            else:
                ok = ratio <= lim if op == "<=" else ratio >= lim
                print(f"  goal: {tgt} {label} = {ratio:.2f} x {sc.baseline} "
                      f"(target {op} {lim}) -> {'OK' if ok else 'OUT OF TARGET'}")
    print()
    print("CPU us/req = proxy utime+stime (all its processes) / completed "
          "requests; cpu1% = busy share of the proxy's core; bg% = load on "
          "our cores that was not ours (median of max over cores); "
          "x<base> = ratio to the baseline target.")


def machine_info(pier_bin: Optional[str]) -> dict:
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = f.readline().split(":", 1)[1].strip()
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(), "cpu_model": model, "mem_total": mem,
        "kernel": platform.release(), "python": platform.python_version(),
        "nginx": cmd_out(["nginx", "-v"]),
        "haproxy": cmd_out(["haproxy", "-v"]).splitlines()[0],
        "caddy": cmd_out(["caddy", "version"]),
        "wrk": cmd_out(["wrk", "-v"]).splitlines()[0],
        "openssl": cmd_out(["openssl", "version"]),
        "pier": pier_bin or "not available",
        "pier_git": cmd_out(["git", "-C", REPO_DIR, "rev-parse", "--short", "HEAD"]),
    }


def make_cert(tmp: str, kind: str) -> tuple[str, str, str]:
    """One self-signed certificate for every TLS endpoint of the run (proxies
    and the origin), so that all do the same signature work per handshake."""
    cert, key, pem = f"{tmp}/cert.pem", f"{tmp}/key.pem", f"{tmp}/cert+key.pem"
    newkey = (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
              if kind == "ec" else ["-newkey", "rsa:2048"])
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "30",
                    *newkey, "-keyout", key, "-out", cert,
                    "-subj", "/CN=bench.test",
                    "-addext", "subjectAltName=DNS:bench.test,IP:127.0.0.1"],
                   check=True, capture_output=True)
    for f in (cert, key):
        os.chmod(f, 0o644)  # nginx workers may run as another user
    with open(pem, "w") as out:
        out.write(open(cert).read() + open(key).read())
    return cert, key, pem


def nginx_stream_module() -> tuple[str, Optional[str]]:
    """('load_module ...;' or '', None) when nginx has the stream module, else
    ('', why not)."""
    v = cmd_out(["nginx", "-V"])
    if "--with-stream " in v + " " and "--with-stream=dynamic" not in v:
        return "", None  # built in
    if "--with-stream=dynamic" in v:
        mods = [a.split("=", 1)[1] for a in v.split() if a.startswith("--modules-path=")]
        for d in mods + ["/usr/lib/nginx/modules", "/usr/share/nginx/modules"]:
            so = os.path.join(d, "ngx_stream_module.so")
            if os.path.exists(so):
                return f"load_module {so};", None
        return "", ("stream module not installed "
                    "(Debian: apt-get install libnginx-mod-stream)")
    return "", "nginx built without the stream module"


# --------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    ap.add_argument("--warmup", type=int, default=1, help="seconds of unmeasured load before each run")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1, help="workers/threads for every proxy")
    ap.add_argument("--proxy-cpu", default="1", help="taskset CPU list for the proxy")
    ap.add_argument("--client-cpu", default="0", help="taskset CPU list for wrk and the origin")
    ap.add_argument("--pier", default=os.path.join(REPO_DIR, "build/src/app/pier"),
                    help="pier binary")
    ap.add_argument("--scenarios",  # aa-control only when asked: it checks the method
                    default=",".join(s.name for s in SCENARIOS if s.name != "aa-control"),
                    help="comma list of: " + ",".join(s.name for s in SCENARIOS))
    ap.add_argument("--targets", default=None,
                    help="comma list restricting targets (e.g. nginx,pier)")
    ap.add_argument("--tls-cert", choices=["ec", "rsa"], default="ec",
                    help="key type of the one certificate every TLS endpoint "
                         "uses: ec = ECDSA P-256 (as Pier's generated default), "
                         "rsa = RSA-2048")
    ap.add_argument("--start-timeout", type=float, default=15)
    ap.add_argument("--quiet-pct", type=float, default=10,
                    help="before each run wait until every core is at most this %% busy")
    ap.add_argument("--quiet-wait", type=float, default=30,
                    help="max seconds to wait for quiet before each run")
    ap.add_argument("--noise-pct", type=float, default=10,
                    help="a run with more foreign load than this %% on its cores is 'noisy'")
    ap.add_argument("--retries", type=int, default=1,
                    help="times a noisy run is repeated (the quietest one is kept)")
    ap.add_argument("--max-extra", type=float, default=90,
                    help="total seconds the whole run may spend waiting for quiet and retrying")
    ap.add_argument("--side-by-side", action="store_true",
                    help="pair scenarios: run each pair's two targets at once on the proxy "
                         "core, each with half the connections (see measure_side_by_side)")
    ap.add_argument("--out", default=None, help="JSON output path (default bench/results/<time>.json)")
    ap.add_argument("--keep-tmp", action="store_true", help="keep generated configs/logs")
    ap.add_argument("--report", metavar="JSON",
                    help="only print the table of a saved results file")
    args = ap.parse_args()

    if args.report:
        with open(args.report) as f:
            data = json.load(f)
        saved = argparse.Namespace(**data["args"])
        names = saved.scenarios.split(",")
        scs = [s for s in SCENARIOS if s.name in names]
        print_table(saved, data["summary"], data["unavailable"], scs,
                    pair_ratios(data["runs"], scs))
        m = data["machine"]
        print(f"machine: {m['nproc']} x {m['cpu_model']}, {m['mem_total']}, "
              f"kernel {m['kernel']}; run took {data['elapsed_s']:.0f}s")
        return 0

    for tool in ["wrk", "nginx", "taskset"]:
        if not shutil.which(tool):
            log(f"error: {tool} not found")
            return 2
    want = set(args.scenarios.split(","))
    scenarios = [s for s in SCENARIOS if s.name in want]
    if args.targets:
        tw = set(args.targets.split(","))
        scenarios = [dataclasses.replace(s, targets=[t for t in s.targets if t in tw
                                                      or TARGETS[t].kind in tw])
                     for s in scenarios]
        scenarios = [s for s in scenarios if s.targets]

    # SIGTERM/SIGHUP (e.g. from `timeout`) unwinds like Ctrl-C, so that every
    # process this script started is stopped by the `finally` blocks.
    def _term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGHUP, _term)

    # keep this script and its helpers off the proxy's core
    os.sched_setaffinity(0, {int(c) for c in args.client_cpu.split(",")})
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    unavailable: dict[str, str] = {}
    pier_bin = args.pier if os.access(args.pier, os.X_OK) else None
    if not pier_bin:
        unavailable["pier"] = f"binary not found at {args.pier}"
    for kind in ["haproxy", "caddy"]:
        if not shutil.which(kind):
            unavailable[kind] = "not installed"
    names = {t for s in scenarios for t in s.targets}
    if "nginx-tcp" in names:
        load, why = nginx_stream_module()
        if why:
            unavailable["nginx-tcp"] = why
    if "caddy-tcp" in names and "caddy" not in unavailable and \
            "layer4" not in cmd_out(["caddy", "list-modules"]):
        unavailable["caddy-tcp"] = ("no layer4 app in this Caddy build "
                                    "(needs a build with github.com/mholt/caddy-l4)")
    if any(s.scheme == "https" for s in scenarios) and not shutil.which("openssl"):
        log("error: openssl (CLI) not found: needed to make the certificate")
        return 2

    tmp = tempfile.mkdtemp(prefix="pier-bench-")
    os.chmod(tmp, 0o755)
    wrk_lua = write(f"{tmp}/report.lua", WRK_LUA)
    ctx = Ctx(args, tmp, free_port(), wrk_lua, pier_bin,
              backend_tls_port=free_port())
    if "nginx-tcp" in names and "nginx-tcp" not in unavailable:
        ctx.nginx_stream_load = load
    ctx.cert, ctx.key, ctx.pem = make_cert(tmp, args.tls_cert)
    info = machine_info(pier_bin)
    log(f"machine: {info['nproc']} x {info['cpu_model']}, {info['mem_total']}; "
        f"tmp {tmp}")

    bdir = f"{tmp}/origin"
    os.makedirs(bdir)
    os.chmod(bdir, 0o755)
    backend = Proc("origin", gen_backend(ctx, bdir).argv, args.client_cpu, bdir)
    runs: list[dict] = []
    interrupted = False
    t_start = time.monotonic()
    try:
        why = wait_ready(backend, ctx.backend_port, "/small", {}, 100, 10) or \
            wait_ready(backend, ctx.backend_port, "/64k", {}, LARGE_SIZE, 10) or \
            wait_ready(backend, ctx.backend_tls_port, "/64k", {}, LARGE_SIZE, 10,
                       "https")
        if why:
            log(f"error: origin nginx: {why}")
            return 2
        ctx.backend_pids = proc_tree(backend.pid)

        total = sum(len([t for t in s.targets if TARGETS[t].kind not in unavailable
                         and t not in unavailable])
                    for s in scenarios) * args.rounds
        done = 0
        extra_budget = args.max_extra
        for rnd in range(args.rounds):
            for sc in scenarios:
                if args.side_by_side and sc.pairs:
                    for var, base in sc.pairs:
                        pair = (var, base) if rnd % 2 == 0 else (base, var)
                        wait_quiet(args, min(args.quiet_wait, max(0.0, extra_budget)))
                        for r in measure_side_by_side(ctx, sc, pair, rnd):
                            done += 1
                            runs.append(r)
                            log(f"[{done}/{total}] round {rnd + 1} {sc.name:<6} "
                                f"{r['target']:<12} side by side "
                                + (f"ERROR {r['error'][:300]}" if "error" in r else
                                   f"{r['rps']:>10,.0f} req/s  cpu "
                                   f"{r['cpu_us_per_req']:.1f} us/req  foreign load "
                                   f"{r['foreign_pct']}"))
                    continue
                targets = list(sc.targets)
                k = rnd % len(targets)  # rotate the order each round
                targets = targets[k:] + targets[:k]
                for tname in targets:
                    kind = TARGETS[tname].kind
                    if kind in unavailable or tname in unavailable:
                        continue
                    done += 1
                    attempts = []
                    for attempt in range(args.retries + 1):
                        t0 = time.monotonic()
                        waited, busy = wait_quiet(
                            args, min(args.quiet_wait, max(0.0, extra_budget)))
                        if max(busy.values()) > args.quiet_pct:
                            log(f"  machine still busy after {waited:.0f}s: {busy}")
                        cand = measure(ctx, sc, tname, rnd)
                        cand["attempt"], cand["quiet_wait_s"] = attempt, round(waited, 1)
                        attempts.append(cand)
                        # waiting beyond the first second, and any retry, is "extra"
                        extra_budget -= (time.monotonic() - t0 if attempt
                                         else max(0.0, waited - 1.0))
                        if "error" in cand or not cand.get("noisy"):
                            break
                        retry = attempt < args.retries and extra_budget > 0
                        log(f"  noisy run (foreign load {cand['foreign_pct']}), "
                            + ("retrying" if retry else "keeping the quietest"))
                        if not retry:
                            break
                    attempts.sort(key=lambda x: ("error" in x, noise(x)))
                    r = attempts[0]
                    if len(attempts) > 1:
                        r["discarded_attempts"] = attempts[1:]
                    runs.append(r)
                    if "error" in r:
                        log(f"[{done}/{total}] round {rnd + 1} {sc.name:<6} "
                            f"{tname:<12} ERROR {r['error'][:300]}")
                        unavailable[tname] = r["error"][:300]
                        continue
                    log(f"[{done}/{total}] round {rnd + 1} {sc.name:<6} {tname:<12}"
                        f" {r['rps']:>10,.0f} req/s  p99 {fmt_us(r['p99_us']):>7}"
                        f"  cpu {fmt(r.get('cpu_us_per_req'), '.1f')} us/req"
                        f"  foreign load {r['foreign_pct']}"
                        + (f"  errors={r['errors']}" if r["errors"] else "")
                        + (f"  WARNING {r['warning']}" if "warning" in r else ""))
    except KeyboardInterrupt as e:
        log(f"interrupted ({e}): reporting what was measured")
        interrupted = True
    finally:
        backend.stop()
        if not args.keep_tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    summary = summarize(runs)
    pairs = pair_ratios(runs, scenarios)
    for kind in unavailable:
        print(f"{kind}: not available ({unavailable[kind]})")
    print_table(args, summary, unavailable, scenarios, pairs)

    out = args.out or os.path.join(
        BENCH_DIR, "results",
        _dt.datetime.now().strftime("%Y%m%d-%H%M%S") + ".json")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"machine": info, "args": vars(args),
                   "elapsed_s": round(time.monotonic() - t_start, 1),
                   "unavailable": unavailable, "interrupted": interrupted,
                   "summary": summary, "pairs": pairs,
                   "runs": runs}, f, indent=1)
    print(f"raw results: {out}  ({time.monotonic() - t_start:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
