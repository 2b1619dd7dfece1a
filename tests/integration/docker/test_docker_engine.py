"""Docker provider (engine client + discovery loop) against a REAL Docker engine.

The engine: reused when `docker info` answers on the default socket; otherwise dockerd is started
here (installed with apt-get when missing) and stopped by PID at the end. The outage test always
runs its own private dockerd on a private socket so it can stop and restart it. Skips loudly only
when no engine can start. No registry is needed: the test image is built FROM scratch with the
static pier-test-backend (+ busybox-static for the health check shell when available).

Needs PIER_DOCKER_PROBE_BIN (tests/integration/docker/pier-docker-probe) and
PIER_BACKEND_STATIC_BIN (tests/support/backend/pier-test-backend-static).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

IMAGE = "pier-test-backend:docker-it"
DEFAULT_SOCK = "/var/run/docker.sock"
SHARED_ROOT = Path("/tmp/pier-test-docker")  # convention shared with other Pier engine tests


def _docker(*args, host: str | None = None, check: bool = True, timeout: float = 120):
    env = dict(os.environ)
    if host:
        env["DOCKER_HOST"] = host
    else:
        env.pop("DOCKER_HOST", None)
    return subprocess.run(["docker", *args], env=env, capture_output=True, text=True,
                          check=check, timeout=timeout)


def _engine_answers(host: str | None) -> bool:
    try:
        return _docker("info", host=host, check=False, timeout=15).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _ensure_dockerd_installed() -> bool:
    if shutil.which("dockerd"):
        return True
    print("\n*** dockerd missing: installing docker.io with apt-get ***", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, timeout=300)
    subprocess.run(["apt-get", "install", "-y", "-qq", "docker.io"], env=env, check=False,
                   timeout=600)
    return shutil.which("dockerd") is not None


class Dockerd:
    """A dockerd we started; stopped by PID."""

    def __init__(self, root: Path, sock: str, extra: list[str]):
        self.root, self.sock, self.extra = root, sock, extra
        self.host = "unix://" + sock
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> bool:
        self.root.mkdir(parents=True, exist_ok=True)
        log = open(self.root / "dockerd.log", "ab")
        cmd = ["dockerd", "--iptables=false", "--storage-driver=vfs",
               "--data-root", str(self.root / "data"), "--exec-root", str(self.root / "exec"),
               "--pidfile", str(self.root / "dockerd.pid"), "-H", self.host, *self.extra]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if _engine_answers(self.host):
                return True
            time.sleep(0.3)
        return False

    def stop(self, timeout: float = 30) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def log_tail(self) -> str:
        p = self.root / "dockerd.log"
        return p.read_text(errors="replace")[-3000:] if p.exists() else ""


@pytest.fixture(scope="module")
def engine():
    """DOCKER_HOST of a working engine (the default socket)."""
    if _engine_answers(None):
        yield "unix://" + DEFAULT_SOCK
        return
    if not _ensure_dockerd_installed():
        pytest.skip("*** NO DOCKER ENGINE: dockerd is not installed and cannot be installed ***")
    d = Dockerd(SHARED_ROOT, DEFAULT_SOCK, [])
    if not d.start():
        tail = d.log_tail()
        d.stop()
        pytest.skip("*** NO DOCKER ENGINE: dockerd did not start ***\n" + tail)
    try:
        yield d.host
    finally:
        d.stop()


def _build_image(host: str) -> bool:
    """Builds IMAGE from scratch; returns whether it has a shell (busybox) for health checks."""
    backend = os.environ.get("PIER_BACKEND_STATIC_BIN", "")
    if not backend or not Path(backend).exists():
        pytest.skip("PIER_BACKEND_STATIC_BIN not set or missing (build pier-test-backend-static)")
    busybox = shutil.which("busybox")
    if busybox is None:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "busybox-static"], env=env,
                       check=False, capture_output=True, timeout=300)
        busybox = shutil.which("busybox")
    with tempfile.TemporaryDirectory(prefix="pier-docker-img-") as ctx:
        shutil.copy(backend, Path(ctx) / "backend")
        lines = ["FROM scratch", "COPY backend /backend"]
        if busybox:
            shutil.copy(busybox, Path(ctx) / "busybox")
            lines += ["COPY busybox /bin/busybox", "COPY busybox /bin/sh"]
        lines.append('ENTRYPOINT ["/backend", "--listen", ":80"]')
        (Path(ctx) / "Dockerfile").write_text("\n".join(lines) + "\n")
        env_host = host
        r = subprocess.run(["docker", "build", "-q", "-t", IMAGE, ctx],
                           env=dict(os.environ, DOCKER_HOST=env_host, DOCKER_BUILDKIT="0"),
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    return busybox is not None


@pytest.fixture(scope="module")
def image(engine):
    return _build_image(engine)


class Probe:
    """pier-docker-probe as a child process; its lines are collected by a thread."""

    def __init__(self, host: str, *args: str):
        exe = os.environ.get("PIER_DOCKER_PROBE_BIN", "")
        if not exe or not Path(exe).exists():
            pytest.skip("PIER_DOCKER_PROBE_BIN not set or missing (build pier-docker-probe)")
        env = dict(os.environ, DOCKER_HOST=host)
        self.proc = subprocess.Popen([exe, "--debug", "--max-seconds", "300", *args], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self.cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cv:
                self.lines.append(line.rstrip("\n"))
                self.cv.notify_all()

    def records(self, kind: str) -> list:
        with self.cv:
            return [json.loads(l[len(kind) + 1:]) for l in self.lines if l.startswith(kind + " ")]

    def wait_for(self, kind: str, pred, timeout: float = 15.0, what: str = ""):
        """First record of `kind` (searching all so far, then new ones) satisfying pred."""
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for l in self.lines:
                    if l.startswith(kind + " "):
                        rec = json.loads(l[len(kind) + 1:])
                        if pred(rec):
                            return rec
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {kind} {what}\n" + self.log())
                self.cv.wait(left)

    def wait_latest(self, pred, timeout: float = 15.0, what: str = ""):
        """Waits until the LATEST container list satisfies pred."""
        deadline = time.monotonic() + timeout
        while True:
            recs = self.records("CONTAINERS")
            if recs and pred(recs[-1]):
                return recs[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for containers: {what}\n" + self.log())
            with self.cv:
                self.cv.wait(0.2)

    def log(self) -> str:
        with self.cv:
            return "\n".join(l[:400] for l in self.lines[-60:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                raise AssertionError("probe did not stop on SIGTERM\n" + self.log())
        time.sleep(0.1)
        with self.cv:
            assert any(l == "CLOSED clean" for l in self.lines), \
                "loop did not close clean\n" + self.log()


def by_name(lst, name):
    return next((c for c in lst if c["name"] == name), None)


@pytest.fixture
def cleanup(engine):
    names: list[tuple[str, str]] = []  # (kind, name)
    yield names
    for kind, name in reversed(names):
        if kind == "container":
            _docker("rm", "-f", name, host=engine, check=False)
        else:
            _docker("network", "rm", name, host=engine, check=False)


def _run(engine, cleanup, name, *args, image_args=()):
    _docker("rm", "-f", name, host=engine, check=False)
    cleanup.append(("container", name))
    return _docker("run", "-d", "--name", name, *args, IMAGE, *image_args,
                   host=engine).stdout.strip()


def test_version_list_and_inspect_fields(engine, image, cleanup):
    _docker("network", "rm", "pier-test-net", host=engine, check=False)
    _docker("network", "create", "pier-test-net", host=engine)
    cleanup.append(("network", "pier-test-net"))
    cid = _run(engine, cleanup, "pier-test-web", "--label", "traefik.enable=true",
               "--label", "traefik.http.routers.web.rule=Host(`web.test`)",
               "--label", "com.docker.compose.project=shop",
               "--label", "com.docker.compose.service=web",
               "--expose", "8080", "-p", "127.0.0.1::80", "--network", "pier-test-net",
               "--hostname", "webhost")
    truth = json.loads(_docker("inspect", cid, host=engine).stdout)[0]
    daemon_api = _docker("version", "--format", "{{.Server.APIVersion}}",
                         host=engine).stdout.strip()
    probe = Probe(engine)
    try:
        status = probe.wait_for("STATUS", lambda s: s["connected"], what="connected")
        major, minor = (int(x) for x in daemon_api.split("."))
        expected = daemon_api if (major, minor) < (1, 43) else "1.43"
        assert status["api_version"] == expected
        lst = probe.wait_for("CONTAINERS", lambda l: by_name(l, "pier-test-web"), what="web")
        c = by_name(lst, "pier-test-web")
        assert c["id"] == cid
        assert c["running"] and c["state"] == "running" and not c["paused"]
        assert c["labels"]["traefik.http.routers.web.rule"] == "Host(`web.test`)"
        assert (c["compose_project"], c["compose_service"]) == ("shop", "web")
        assert c["hostname"] == "webhost"
        assert c["network_mode"] == "pier-test-net"
        nets = {n["name"]: n["ip"] for n in c["networks"]}
        assert nets == {"pier-test-net":
                        truth["NetworkSettings"]["Networks"]["pier-test-net"]["IPAddress"]}
        assert nets["pier-test-net"]
        host_port = int(truth["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"])
        assert {"port": 80, "proto": "tcp", "host_ip": "127.0.0.1",
                "host_port": host_port} in c["ports"]
        assert {"port": 8080, "proto": "tcp", "host_ip": "", "host_port": 0} in c["ports"]
        assert c["health"] == ""
    finally:
        probe.stop()


def test_events_pause_stop_start_network_destroy(engine, image, cleanup):
    probe = Probe(engine, "--coalesce-ms", "20")
    try:
        probe.wait_for("STATUS", lambda s: s["connected"], what="connected")
        cid = _run(engine, cleanup, "pier-test-ev")
        probe.wait_latest(lambda l: (by_name(l, "pier-test-ev") or {}).get("running"), what="start")
        _docker("pause", "pier-test-ev", host=engine)
        probe.wait_latest(lambda l: by_name(l, "pier-test-ev")["paused"], what="pause")
        _docker("unpause", "pier-test-ev", host=engine)
        probe.wait_latest(lambda l: not by_name(l, "pier-test-ev")["paused"], what="unpause")
        _docker("stop", "-t", "1", "pier-test-ev", host=engine)
        probe.wait_latest(lambda l: not by_name(l, "pier-test-ev")["running"], what="stop")
        _docker("start", "pier-test-ev", host=engine)
        probe.wait_latest(lambda l: by_name(l, "pier-test-ev")["running"], what="restart")
        _docker("network", "rm", "pier-test-net2", host=engine, check=False)
        _docker("network", "create", "pier-test-net2", host=engine)
        cleanup.append(("network", "pier-test-net2"))
        _docker("network", "connect", "pier-test-net2", "pier-test-ev", host=engine)
        probe.wait_latest(lambda l: any(n["name"] == "pier-test-net2" and n["ip"]
                                        for n in by_name(l, "pier-test-ev")["networks"]),
                          what="network connect")
        _docker("network", "disconnect", "pier-test-net2", "pier-test-ev", host=engine)
        probe.wait_latest(lambda l: all(n["name"] != "pier-test-net2"
                                        for n in by_name(l, "pier-test-ev")["networks"]),
                          what="network disconnect")
        _docker("rename", "pier-test-ev", "pier-test-ev2", host=engine)
        cleanup.append(("container", "pier-test-ev2"))
        probe.wait_latest(lambda l: by_name(l, "pier-test-ev2") and not by_name(l, "pier-test-ev"),
                          what="rename")
        _docker("rm", "-f", "pier-test-ev2", host=engine)
        probe.wait_latest(lambda l: all(c["id"] != cid for c in l), what="destroy")
        # Every emitted list is complete: the container never vanished while it existed.
        lists = probe.records("CONTAINERS")
        first = next(i for i, l in enumerate(lists) if any(c["id"] == cid for c in l))
        last = max(i for i, l in enumerate(lists) if any(c["id"] == cid for c in l))
        assert all(any(c["id"] == cid for c in l) for l in lists[first:last + 1])
    finally:
        probe.stop()


def test_health_status_events(engine, image, cleanup):
    if not image:
        pytest.skip("busybox-static unavailable: the test image has no shell for HEALTHCHECK")
    probe = Probe(engine)
    try:
        probe.wait_for("STATUS", lambda s: s["connected"], what="connected")
        _run(engine, cleanup, "pier-test-health", "--health-cmd", "test -f /ok",
             "--health-interval", "1s", "--health-retries", "1")
        probe.wait_latest(lambda l: (by_name(l, "pier-test-health") or {}).get("health")
                          in ("starting", "unhealthy"), what="starting/unhealthy")
        probe.wait_latest(lambda l: by_name(l, "pier-test-health")["health"] == "unhealthy",
                          timeout=20, what="unhealthy")
        _docker("exec", "pier-test-health", "/bin/busybox", "touch", "/ok", host=engine)
        probe.wait_latest(lambda l: by_name(l, "pier-test-health")["health"] == "healthy",
                          timeout=20, what="healthy")
    finally:
        probe.stop()


def test_watch_false_lists_once(engine, image, cleanup):
    probe = Probe(engine, "--no-watch")
    try:
        probe.wait_for("CONTAINERS", lambda l: True, what="first list")
        _run(engine, cleanup, "pier-test-nowatch")
        time.sleep(1.5)  # negative check: nothing may arrive; bounded
        assert len(probe.records("CONTAINERS")) == 1, probe.log()
    finally:
        probe.stop()


def test_unreachable_endpoint_retries_without_emitting(tmp_path):
    sock = tmp_path / "nothing.sock"
    probe = Probe("unix://" + str(sock), "--backoff-max-ms", "200")
    try:
        st = probe.wait_for("STATUS", lambda s: not s["connected"] and s["last_error"],
                            what="error status")
        assert str(sock) in st["endpoint"]
        time.sleep(1.0)  # several retries happen meanwhile (backoff capped at 200 ms)
        assert probe.records("CONTAINERS") == [], probe.log()
        errors = [l for l in probe.lines if " ERR " in l]
        assert len(errors) == 1, "one ERROR line per outage\n" + probe.log()
        assert "cannot reach the Docker daemon at unix://" in errors[0]
    finally:
        probe.stop()


def test_daemon_outage_keeps_last_list_then_resyncs(tmp_path):
    """A private dockerd (own socket, no bridge) is stopped and restarted under the probe."""
    if not _ensure_dockerd_installed():
        pytest.skip("*** NO DOCKER ENGINE: dockerd cannot be installed ***")
    root = Path(tempfile.mkdtemp(prefix="pier-test-dockerd-outage-", dir="/tmp"))
    # Its own bridge: `--bridge=none` would make dockerd delete the shared docker0 interface.
    bridge = "piertestbr0"
    subprocess.run(["ip", "link", "del", bridge], capture_output=True, check=False)
    made = subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], capture_output=True)
    if made.returncode != 0:
        pytest.skip("*** cannot create a bridge for the private dockerd ***\n" + made.stderr.decode())
    subprocess.run(["ip", "addr", "add", "10.213.77.1/24", "dev", bridge], check=False)
    subprocess.run(["ip", "link", "set", bridge, "up"], check=False)
    d = Dockerd(root, str(root / "docker.sock"), ["--bridge", bridge])
    if not d.start():
        tail = d.log_tail()
        d.stop()
        subprocess.run(["ip", "link", "del", bridge], capture_output=True, check=False)
        pytest.skip("*** private dockerd for the outage test did not start ***\n" + tail)
    probe = None
    try:
        _build_image(d.host)
        _docker("create", "--name", "pier-test-outage", "--network", "none",
                "--label", "x=1", IMAGE, host=d.host)
        probe = Probe(d.host, "--backoff-max-ms", "300")
        probe.wait_for("CONTAINERS", lambda l: by_name(l, "pier-test-outage"), what="initial")
        n_before = len(probe.records("CONTAINERS"))
        d.stop()
        probe.wait_for("STATUS", lambda s: not s["connected"], what="disconnected")
        time.sleep(1.0)
        lists = probe.records("CONTAINERS")
        assert len(lists) == n_before, "nothing emitted while the daemon is down\n" + probe.log()
        assert d.start(), d.log_tail()
        probe.wait_for("STATUS", lambda s: s["connected"] and s["emitted"] >= n_before,
                       timeout=30, what="reconnected")
        probe.wait_latest(lambda l: by_name(l, "pier-test-outage"), what="resync")
        assert len(probe.records("CONTAINERS")) > n_before
        _docker("rm", "-f", "pier-test-outage", host=d.host)
        probe.wait_latest(lambda l: not by_name(l, "pier-test-outage"), what="destroy after resync")
        errors = [l for l in probe.lines if " ERR " in l]
        assert len(errors) == 1 and "lost the Docker daemon" in errors[0], probe.log()
    finally:
        if probe:
            probe.stop()
        d.stop()
        subprocess.run(["ip", "link", "del", bridge], capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


class _TcpToUnixRelay:
    """127.0.0.1:<port> -> the engine's unix socket, so tcp:// endpoints run against the engine."""

    def __init__(self, sock_path: str):
        import socket
        self.sock_path = sock_path
        self.srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(16)
        self.srv.settimeout(0.2)
        self.port = self.srv.getsockname()[1]
        self.stopping = False
        self.conns: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _pipe(self, a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(2)
                except OSError:
                    pass

    def _accept(self):
        import socket
        while not self.stopping:
            try:
                c, _ = self.srv.accept()
            except (TimeoutError, OSError):
                continue
            u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            u.connect(self.sock_path)
            self.conns += [c, u]
            threading.Thread(target=self._pipe, args=(c, u), daemon=True).start()
            threading.Thread(target=self._pipe, args=(u, c), daemon=True).start()

    def close(self):
        self.stopping = True
        self.srv.close()
        for s in self.conns:
            try:
                s.close()
            except OSError:
                pass


def test_tcp_endpoint_by_host_name(engine, image, cleanup):
    """tcp://localhost:PORT: plain HTTP over TCP, with curl's resolver in the loop."""
    if not engine.startswith("unix://"):
        pytest.skip("engine is not on a unix socket")
    relay = _TcpToUnixRelay(engine[len("unix://"):])
    probe = Probe(f"tcp://localhost:{relay.port}", "--timeout-ms", "5000")
    try:
        probe.wait_for("STATUS", lambda s: s["connected"], what="connected over tcp")
        _run(engine, cleanup, "pier-test-tcp")
        probe.wait_latest(lambda l: (by_name(l, "pier-test-tcp") or {}).get("running"),
                          what="event over tcp")
    finally:
        probe.stop()
        relay.close()
