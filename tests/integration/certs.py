"""Certificates made at test time with the openssl CLI: a CA, and leaves it signs (server or
client), as PEM files in a directory. EC P-256 keys: fast to make, accepted everywhere."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence


@dataclass
class Pem:
    cert: Path
    key: Path

    def cert_text(self) -> str:
        return self.cert.read_text()

    def key_text(self) -> str:
        return self.key.read_text()


def _run(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=30)


def _key(path: Path) -> None:
    _run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path))


def make_ca(directory: Path, name: str) -> Pem:
    directory.mkdir(parents=True, exist_ok=True)
    pem = Pem(directory / f"{name}.crt", directory / f"{name}.key")
    _key(pem.key)
    _run("req", "-x509", "-new", "-key", str(pem.key), "-out", str(pem.cert), "-days", "2",
         "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return pem


def make_leaf(directory: Path, ca: Optional[Pem], name: str, sans: Sequence[str] = (),
              client: bool = False) -> Pem:
    """A certificate for CN=name with DNS SANs (IP SANs when they parse as IPs), signed by `ca`,
    or self-signed when ca is None."""
    directory.mkdir(parents=True, exist_ok=True)
    pem = Pem(directory / f"{name}.crt", directory / f"{name}.key")
    _key(pem.key)
    csr = directory / f"{name}.csr"
    ext = directory / f"{name}.ext"
    alt = []
    for s in sans:
        alt.append(("IP:" if s.replace(".", "").isdigit() or ":" in s else "DNS:") + s)
    lines = ["basicConstraints=CA:FALSE",
             "extendedKeyUsage=" + ("clientAuth" if client else "serverAuth")]
    if alt:
        lines.append("subjectAltName=" + ",".join(alt))
    ext.write_text("\n".join(lines) + "\n")
    _run("req", "-new", "-key", str(pem.key), "-out", str(csr), "-subj", f"/CN={name}")
    if ca is None:
        _run("x509", "-req", "-in", str(csr), "-signkey", str(pem.key), "-out", str(pem.cert),
             "-days", "2", "-extfile", str(ext))
    else:
        _run("x509", "-req", "-in", str(csr), "-CA", str(ca.cert), "-CAkey", str(ca.key),
             "-CAcreateserial", "-out", str(pem.cert), "-days", "2", "-extfile", str(ext))
    return pem
