"""Process harness for Pier integration tests: test backends, the pier binary, configuration files.

Binaries come from $PIER_BIN and $PIER_BACKEND_BIN (set by meson's test()), defaulting to
build/src/app/pier and build/tests/support/backend/pier-test-backend under the repository root.
Everything listens on 127.0.0.1; ports are found by binding port 0. Waits are polls with deadlines.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional, Union

import rawhttp
import yamlgen

REPO_ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"


def pier_bin() -> Path:
    return Path(os.environ.get("PIER_BIN") or REPO_ROOT / "build/src/app/pier")


def backend_bin() -> Path:
    return Path(os.environ.get("PIER_BACKEND_BIN") or REPO_ROOT / "build/tests/support/backend/pier-test-backend")


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02, what: str = "") -> Any:
    """Polls predicate until it returns a truthy value (returned) or raises TimeoutError.
    Exceptions raised by the predicate count as "not yet" (the last one is reported)."""
    deadline = time.monotonic() + timeout
    last_exc: Optional[BaseException] = None
    last_val: Any = None
    while True:
        try:
            last_val = predicate()
            if last_val:
                return last_val
        except Exception as e:  # noqa: BLE001 - polling
            last_exc = e
        if time.monotonic() >= deadline:
            detail = f"last exception: {last_exc!r}" if last_exc else f"last value: {last_val!r}"
            raise TimeoutError(f"timed out after {timeout}s waiting for {what or predicate}; {detail}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


class ClosedPort:
    """A loopback port that is bound but not listening: connecting to it is refused, and nobody
    else can take it while this object lives."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((LOOPBACK, 0))
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()


def rss_kib(pid: int) -> int:
    """Resident set size of pid in KiB (VmRSS from /proc/<pid>/status)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _kill_process(proc: subprocess.Popen, term_timeout: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=term_timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


# ----------------------------------------------------------------------------------------------
# Test backend.


class Backend:
    """A running pier-test-backend. Its stderr (one line per request: "REQ name METHOD target from
    ip:port") goes to a log file, readable through requests_seen()."""

    def __init__(self, workdir: Path, name: str = "backend", args: Optional[list[str]] = None, listen: str = "127.0.0.1:0"):
        self.name = name
        self.log_path = workdir / f"backend-{name}-{os.getpid()}-{id(self)}.log"
        exe = backend_bin()
        if not exe.exists():
            raise FileNotFoundError(f"test backend not built: {exe} (set PIER_BACKEND_BIN)")
        self._log = open(self.log_path, "wb")
        cmd = [str(exe), "--listen", listen, "--name", name] + (args or [])
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL)
        try:
            self.port = self._read_port(timeout=10.0)
        except BaseException:
            self.stop()
            raise
        self.url = f"http://{LOOPBACK}:{self.port}"

    def _read_port(self, timeout: float) -> int:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"backend {self.name} did not print LISTENING")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 256)
                if not chunk:
                    raise RuntimeError(f"backend {self.name} exited: {self.log_text()}")
                buf += chunk
        line = buf.split(b"\n", 1)[0].decode()
        if not line.startswith("LISTENING "):
            raise RuntimeError(f"unexpected backend output {line!r}")
        return int(line.split()[1])

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def requests_seen(self) -> list[str]:
        """Targets of the requests this backend has read so far (in order)."""
        out = []
        for line in self.log_text().splitlines():
            parts = line.split(" ")
            if parts[0] == "REQ" and len(parts) >= 4:
                out.append(parts[3])
        return out

    def stop(self) -> None:
        _kill_process(self.proc, term_timeout=2.0)
        if self.proc.stdout:
            self.proc.stdout.close()
        self._log.close()


# ----------------------------------------------------------------------------------------------
# Dynamic-configuration helpers (Traefik v3 file-provider syntax).


def lb(*servers: Union[int, str, "Backend", tuple], pass_host_header: Optional[bool] = None) -> dict:
    """loadBalancer service over servers given as ports, URLs, Backends or (server, weight)."""
    out = []
    for s in servers:
        weight = None
        if isinstance(s, tuple):
            s, weight = s
        if isinstance(s, Backend):
            url = s.url
        elif isinstance(s, int):
            url = f"http://{LOOPBACK}:{s}"
        else:
            url = s
        entry: dict = {"url": url}
        if weight is not None:
            entry["weight"] = weight
        out.append(entry)
    svc: dict = {"loadBalancer": {"servers": out}}
    if pass_host_header is not None:
        svc["loadBalancer"]["passHostHeader"] = pass_host_header
    return svc


def router(rule: str, service: str, entry_points: Optional[list[str]] = None, priority: Optional[int] = None, **extra) -> dict:
    r: dict = {"rule": rule, "service": service}
    if entry_points is not None:
        r["entryPoints"] = entry_points
    if priority is not None:
        r["priority"] = priority
    r.update(extra)
    return r


def dynamic(routers: Optional[dict] = None, services: Optional[dict] = None, middlewares: Optional[dict] = None) -> dict:
    http: dict = {}
    if routers:
        http["routers"] = routers
    if services:
        http["services"] = services
    if middlewares:
        http["middlewares"] = middlewares
    return {"http": http}


# ----------------------------------------------------------------------------------------------
# Pier.

PROBE_ROUTER = "zz-harness-probe"
PROBE_SERVICE = "zz-harness-probe"
PROBE_BACKEND_NAME = "harness-probe"
PROBE_PRIORITY = 1_000_000_000


class Pier:
    """Writes a static configuration and starts pier.

    static: dict (deep-merged over the defaults below) or a YAML string used verbatim (then the
    caller must also pass ports=… naming each entry point's port, and probe should be False).
    Defaults: entry point `web` on a free loopback port, `traefik` (ping) on another,
    providers.file.filename = <tmp>/dynamic.yml, providersThrottleDuration 100ms, log level DEBUG.
    An entry point given with address None/"auto" gets a free loopback port.

    Unless probe=False, every dynamic configuration written by the harness (dict form) carries a
    router `zz-harness-probe` on entry point `probe_ep` with rule Path(`/__harness/<generation>`),
    priority 1e9, to a service whose only server is a backend named `harness-probe`. An answer
    from that backend for that path proves the generation is live (an older generation's
    catch-all route would answer from another backend). Used by write_dynamic(wait=True) and
    start().
    """

    def __init__(
        self,
        workdir: Path,
        static: Union[dict, str, None] = None,
        dynamic_config: Union[dict, str, None] = None,
        args: Optional[list[str]] = None,
        workers: int = 2,
        probe: bool = True,
        probe_ep: str = "web",
        ports: Optional[dict[str, int]] = None,
        start: bool = True,
        wait_ready: bool = True,
        use_configfile: bool = True,
    ):
        self.workdir = Path(tempfile.mkdtemp(prefix="pier-", dir=workdir))
        self.dynamic_path = self.workdir / "dynamic.yml"
        self.static_path = self.workdir / "static.yml"
        self.log_path = self.workdir / "pier.log"
        self.probe = probe
        self.probe_ep = probe_ep
        self.generation = 0
        self._probe_backend = Backend(self.workdir, name=PROBE_BACKEND_NAME) if probe else None
        self.proc: Optional[subprocess.Popen] = None
        self._log_file = None
        self.extra_args = list(args or [])
        self.workers = workers
        self.use_configfile = use_configfile
        self.returncode: Optional[int] = None

        try:
            if isinstance(static, str):
                self.static_text = static
                self.ports = dict(ports or {})
                self.static_doc = None
            else:
                self.static_doc = self._static_defaults(static or {})
                self.ports = {}
                for name, ep in self.static_doc.get("entryPoints", {}).items():
                    self.ports[name] = int(str(ep["address"]).rsplit(":", 1)[1].split("/")[0])
                self.static_text = yamlgen.dump(self.static_doc)
            self.static_path.write_text(self.static_text)
            self._write_dynamic_file(dynamic_config if dynamic_config is not None else {})
        except BaseException:
            self.stop()
            raise
        if start:
            self.start(wait_ready=wait_ready)

    # -- configuration ---------------------------------------------------------------------------

    def _static_defaults(self, over: dict) -> dict:
        base = {
            "entryPoints": {"web": {"address": None}, "traefik": {"address": None}},
            "ping": {"entryPoint": "traefik"},
            "providers": {
                "providersThrottleDuration": "100ms",
                "file": {"filename": str(self.dynamic_path), "watch": True},
            },
            "log": {"level": "DEBUG"},
        }
        doc = yamlgen.deep_merge(base, over)
        for name, ep in list(doc.get("entryPoints", {}).items()):
            ep = dict(ep or {})
            if ep.get("address") in (None, "auto"):
                ep["address"] = f"{LOOPBACK}:{free_port()}"
            doc["entryPoints"][name] = ep
        return doc

    def _render_dynamic(self, config: Union[dict, str]) -> str:
        if isinstance(config, str):
            return config  # verbatim: no probe router (generation cannot be awaited)
        doc = yamlgen.deep_merge({}, config)
        if self.probe:
            http = doc.setdefault("http", {})
            routers = dict(http.get("routers") or {})
            services = dict(http.get("services") or {})
            routers[PROBE_ROUTER] = {
                "rule": f"Path(`/__harness/{self.generation}`)",
                "service": PROBE_SERVICE,
                "entryPoints": [self.probe_ep],
                "priority": PROBE_PRIORITY,
            }
            services[PROBE_SERVICE] = lb(self._probe_backend)
            http["routers"] = routers
            http["services"] = services
        return yamlgen.dump(doc)

    def _write_dynamic_file(self, config: Union[dict, str]) -> None:
        self.generation += 1
        self._probed = self.probe and not isinstance(config, str)
        text = self._render_dynamic(config)
        tmp = self.dynamic_path.with_name(f".dynamic.{self.generation}.tmp")
        tmp.write_text(text)
        os.replace(tmp, self.dynamic_path)

    def write_dynamic(self, config: Union[dict, str], wait: bool = True, timeout: float = 10.0) -> None:
        """Atomically replaces the dynamic file (write temp + rename). With wait (dict configs and
        probe only) returns once the new generation is being served."""
        self._write_dynamic_file(config)
        if wait and self._probed:
            self.wait_generation(self.generation, timeout)

    def write_dynamic_raw(self, text: str) -> None:
        """Writes text verbatim (no probe), atomically."""
        self.generation += 1
        self._probed = False
        tmp = self.dynamic_path.with_name(f".dynamic.{self.generation}.tmp")
        tmp.write_text(text)
        os.replace(tmp, self.dynamic_path)

    def generation_live(self, gen: int) -> bool:
        r = rawhttp.get(self.ports[self.probe_ep], f"/__harness/{gen}", host="harness.probe", timeout=5)
        if r.status != 200 or not r.body.startswith(b"{"):
            return False
        v = r.json()
        return v.get("name") == PROBE_BACKEND_NAME and v.get("path") == f"/__harness/{gen}"

    def wait_generation(self, gen: int, timeout: float = 10.0) -> None:
        wait_until(lambda: self.generation_live(gen), timeout, what=f"dynamic generation {gen} to be live")

    # -- process ---------------------------------------------------------------------------------

    def command(self) -> list[str]:
        exe = pier_bin()
        cmd = [str(exe)]
        if self.use_configfile:
            cmd.append(f"--configfile={self.static_path}")
        if self.workers:
            cmd.append(f"--workers={self.workers}")
        return cmd + self.extra_args

    def start(self, wait_ready: bool = True, timeout: float = 10.0) -> None:
        exe = pier_bin()
        if not exe.exists():
            raise FileNotFoundError(f"pier binary not built: {exe} (set PIER_BIN)")
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), stdout=self._log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.workdir)
        if wait_ready:
            self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 10.0) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pier exited with {self.proc.returncode}:\n{self.log_text()}")
            return self.ping().status == 200

        deadline = time.monotonic() + timeout
        try:
            wait_until(ready, timeout, what="pier /ping to answer 200")
        except TimeoutError:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pier exited with {self.proc.returncode}:\n{self.log_text()}")
            raise
        if self._probed:
            self.wait_generation(self.generation, max(1.0, deadline - time.monotonic()))

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def ping(self, method: str = "GET", timeout: float = 2.0) -> rawhttp.Response:
        return rawhttp.request(self.ports["traefik"], method, "/ping", host=f"{LOOPBACK}:{self.ports['traefik']}", timeout=timeout)

    def url(self, entrypoint: str = "web") -> str:
        return f"http://{LOOPBACK}:{self.ports[entrypoint]}"

    def port(self, entrypoint: str = "web") -> int:
        return self.ports[entrypoint]

    def get(self, target: str = "/", host: Optional[str] = "localhost", entrypoint: str = "web", **kw) -> rawhttp.Response:
        return rawhttp.request(self.ports[entrypoint], "GET", target, host, **kw)

    def request(self, method: str, target: str = "/", host: Optional[str] = "localhost", entrypoint: str = "web", **kw) -> rawhttp.Response:
        return rawhttp.request(self.ports[entrypoint], method, target, host, **kw)

    def client(self, entrypoint: str = "web", **kw) -> rawhttp.RawClient:
        return rawhttp.RawClient(LOOPBACK, self.ports[entrypoint], **kw)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
        return wait_until(predicate, timeout, what=what)

    def wait_status(self, target: str, status: int, host: str = "localhost", entrypoint: str = "web", timeout: float = 10.0) -> rawhttp.Response:
        return wait_until(lambda: (r := self.get(target, host, entrypoint, timeout=5)).status == status and r,
                          timeout, what=f"{host}{target} to answer {status}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def send_signal(self, sig: int) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, sig)

    def wait_exit(self, timeout: float = 15.0) -> int:
        assert self.proc is not None
        self.returncode = self.proc.wait(timeout=timeout)
        return self.returncode

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15.0) -> Optional[int]:
        """SIGTERM, wait, then SIGKILL. Returns the exit status."""
        if self.proc is not None:
            _kill_process(self.proc, term_timeout=timeout)
            self.returncode = self.proc.returncode
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        if self._probe_backend:
            self._probe_backend.stop()
            self._probe_backend = None
        return self.returncode


def run_pier_once(workdir: Path, args: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess:
    """Runs pier with args to completion (for start-up failures); kills it on timeout."""
    exe = pier_bin()
    if not exe.exists():
        raise FileNotFoundError(f"pier binary not built: {exe} (set PIER_BIN)")
    proc = subprocess.Popen([str(exe)] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, cwd=workdir)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_process(proc, term_timeout=1.0)
        out, err = proc.communicate()
        raise AssertionError(f"pier {args} still running after {timeout}s; output:\n{out!r}\n{err!r}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


def who(pier: "Pier", target: str = "/", host: Optional[str] = "localhost", **kw) -> Union[str, int]:
    """Name of the backend that answered, or the status code when the proxy answered itself."""
    r = pier.get(target, host, **kw)
    if r.status == 200 and r.header("Content-Type") == "application/json" and r.body.startswith(b"{"):
        return rawhttp.BackendView(r.json())["name"]
    return r.status
