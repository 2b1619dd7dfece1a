"""Shared pieces of the Docker engine tests (tests/integration/docker).

* docker(...)            the docker CLI against a given DOCKER_HOST
* Dockerd                a dockerd we start (and stop by PID) on our own socket/data root
* default_engine()       context manager: the engine on /var/run/docker.sock, started when none answers
* build_backend_image()  pier-test-backend:dev via compose/images/backend/build.sh (FROM scratch)
* build_pier_image()     pier:dev via compose/images/pier/build-offline.sh (FROM scratch)
* compose_cmd()          `docker compose` (v2 plugin) when it works, else `docker-compose` (v1)

No registry is used anywhere: images are built from local binaries.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator, Optional

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SOCK = "/var/run/docker.sock"
SHARED_ROOT = Path("/tmp/pier-test-docker")  # convention shared with test_docker_engine.py
BACKEND_IMAGE = "pier-test-backend:dev"
PIER_IMAGE = "pier:dev"


def docker(*args: str, host: Optional[str] = None, check: bool = True, timeout: float = 120,
           env: Optional[dict] = None) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    if env:
        e.update(env)
    if host:
        e["DOCKER_HOST"] = host
    else:
        e.pop("DOCKER_HOST", None)
    r = subprocess.run(["docker", *args], env=e, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def engine_answers(host: Optional[str]) -> bool:
    try:
        return docker("info", host=host, check=False, timeout=15).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def apt_install(*packages: str) -> None:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env,
                       capture_output=True, check=False, timeout=600)
    if r.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False,
                       timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env,
                       capture_output=True, check=False, timeout=600)


def ensure_dockerd_installed() -> bool:
    if shutil.which("dockerd"):
        return True
    print("\n*** dockerd missing: installing docker.io with apt-get ***", flush=True)
    apt_install("docker.io")
    return shutil.which("dockerd") is not None


def static_busybox() -> Optional[str]:
    for c in ("/bin/busybox", "/usr/bin/busybox", shutil.which("busybox") or ""):
        if c and os.access(c, os.X_OK):
            r = subprocess.run(["ldd", c], capture_output=True, text=True)
            if "not a dynamic executable" in (r.stdout + r.stderr):
                return c
    return None


def ensure_busybox_static() -> Optional[str]:
    bb = static_busybox()
    if bb is None:
        apt_install("busybox-static")
        bb = static_busybox()
    return bb


class Dockerd:
    """A dockerd we started; stopped by PID (SIGTERM, then SIGKILL)."""

    def __init__(self, root: Path, sock: str, extra: list[str]):
        self.root, self.sock, self.extra = root, sock, extra
        self.host = "unix://" + sock
        self.proc: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 60) -> bool:
        self.root.mkdir(parents=True, exist_ok=True)
        log = open(self.root / "dockerd.log", "ab")
        cmd = ["dockerd", "--iptables=false", "--storage-driver=vfs",
               "--data-root", str(self.root / "data"), "--exec-root", str(self.root / "exec"),
               "--pidfile", str(self.root / "dockerd.pid"), "-H", self.host, *self.extra]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if engine_answers(self.host):
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


@contextlib.contextmanager
def default_engine() -> Iterator[Optional[str]]:
    """Yields the DOCKER_HOST of a working engine on the default socket (reused when it answers,
    else started here and stopped at the end), or None with a reason printed when none can run."""
    if engine_answers(None):
        yield "unix://" + DEFAULT_SOCK
        return
    if not ensure_dockerd_installed():
        print("*** NO DOCKER ENGINE: dockerd is not installed and cannot be installed ***")
        yield None
        return
    d = Dockerd(SHARED_ROOT, DEFAULT_SOCK, [])
    if not d.start():
        print("*** NO DOCKER ENGINE: dockerd did not start ***\n" + d.log_tail())
        d.stop()
        yield None
        return
    try:
        yield d.host
    finally:
        d.stop()


def _run_script(script: Path, args: list[str], host: str, timeout: float = 600) -> str:
    env = dict(os.environ, DOCKER_HOST=host)
    r = subprocess.run(["sh", str(script), *args], env=env, capture_output=True, text=True,
                       timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"{script} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r.stdout.strip()


def build_backend_image(host: str, backend_static_bin: str, tag: str = BACKEND_IMAGE) -> None:
    _run_script(REPO_ROOT / "compose/images/backend/build.sh", [backend_static_bin, tag], host)


def build_pier_image(host: str, pier_bin: str, tag: str = PIER_IMAGE) -> None:
    _run_script(REPO_ROOT / "compose/images/pier/build-offline.sh", [pier_bin, tag], host)


def compose_cmd(host: str) -> Optional[list[str]]:
    """`docker compose` when the v2 plugin answers, else `docker-compose` (installed from Debian's
    docker-compose package when missing), else None."""
    if docker("compose", "version", host=host, check=False).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose") is None:
        apt_install("docker-compose")
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def compose(cmd: list[str], project: str, files: list[Path], *args: str, host: str,
            env: Optional[dict] = None, timeout: float = 300,
            check: bool = True) -> subprocess.CompletedProcess:
    e = dict(os.environ, DOCKER_HOST=host)
    e.update(env or {})
    full = [*cmd, "-p", project]
    for f in files:
        full += ["-f", str(f)]
    r = subprocess.run([*full, *args], env=e, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(full + list(args))} failed ({r.returncode}):\n"
                             f"{r.stdout}\n{r.stderr}")
    return r


def inspect(name: str, host: str) -> dict:
    return json.loads(docker("inspect", name, host=host).stdout)[0]


def remove_everything_named(prefix: str, host: str) -> None:
    """Removes containers and networks whose name contains prefix (leftovers of killed runs)."""
    ids = docker("ps", "-aq", "--filter", f"name={prefix}", host=host, check=False).stdout.split()
    if ids:
        docker("rm", "-f", *ids, host=host, check=False, timeout=300)
    nets = docker("network", "ls", "-q", "--filter", f"name={prefix}", host=host,
                  check=False).stdout.split()
    if nets:
        docker("network", "rm", *nets, host=host, check=False)
