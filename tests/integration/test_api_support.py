"""/api/support-dump (a tar.gz of version, static and runtime configuration, secrets masked) and
/api/certificates (the certificates Pier serves, in Traefik's shape)."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import ssl
import subprocess
import tarfile

import pytest

import certs
import harness
import rawhttp
from harness import lb, router

# An apr1 hash of "secret" (the value must never leave Pier through the dump).
HASH = "$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"
ACME_EMAIL = "ops-secret@example.com"
EAB_HMAC = "c2VjcmV0LWhtYWMta2V5"


def get(p, path):
    return rawhttp.get(p.port("traefik"), path)


def untar(body: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        members = tar.getmembers()
        assert all(m.isfile() for m in members)
        return {m.name: tar.extractfile(m).read() for m in members}


def test_support_dump_archive_without_secrets(pier_factory, backend, tmp_path):
    key_pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"
    static = {
        "api": {"insecure": True},
        "certificatesResolvers": {"le": {"acme": {
            "email": ACME_EMAIL, "caServer": "https://acme.internal.example/directory",
            "storage": str(tmp_path / "acme.json"),
            "eab": {"kid": "kid-1", "hmacEncoded": EAB_HMAC}}}},
    }
    dyn = harness.dynamic(
        {"app": router("PathPrefix(`/app`)", "s", ["web"], middlewares=["auth", "hdr"])},
        {"s": lb(backend)},
        {"auth": {"basicAuth": {"users": [f"alice:{HASH}"], "realm": "dump-realm"}},
         "hdr": {"headers": {"customRequestHeaders": {"Authorization": "Bearer tok-123",
                                                      "X-Kept": "visible"}}}})
    dyn["tls"] = {"certificates": [{"certFile": "/nonexistent.crt", "keyFile": key_pem}]}
    p = pier_factory(static=static, dynamic=dyn)
    r = get(p, "/api/support-dump")
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/gzip"
    assert r.header("Content-Disposition") == "attachment; filename=support-dump.tar.gz"
    assert r.body[:2] == b"\x1f\x8b"
    files = untar(r.body)
    assert set(files) == {"version.json", "static-config.json", "runtime-config.json"}

    version = json.loads(files["version.json"])
    assert version["codename"] == "pier" and version["version"]
    assert version["startDate"] == json.loads(get(p, "/api/version").body)["startDate"]

    static_doc = json.loads(files["static-config.json"])
    # The configuration as given, with secrets and URLs masked.
    assert "traefik" in static_doc["entryPoints"] and "web" in static_doc["entryPoints"]
    acme = static_doc["certificatesResolvers"]["le"]["acme"]
    assert acme["email"] == "xxxx"
    assert acme["eab"]["hmacEncoded"] == "xxxx" and acme["eab"]["kid"] == "kid-1"
    assert "acme.internal.example" not in acme["caServer"]

    runtime = json.loads(files["runtime-config.json"])
    raw = json.loads(get(p, "/api/rawdata").body)
    assert set(runtime["routers"]) == set(raw["routers"])
    assert runtime["routers"]["app@file"]["rule"] == "PathPrefix(`/app`)"
    auth = runtime["middlewares"]["auth@file"]["basicAuth"]
    assert auth["users"] == ["xxxx"] and auth["realm"] == "dump-realm"
    headers = runtime["middlewares"]["hdr@file"]["headers"]["customRequestHeaders"]
    assert headers == {"Authorization": "xxxx", "X-Kept": "visible"}
    # The live API still shows them (Traefik's rawdata does too); only the dump masks.
    assert raw["middlewares"]["auth@file"]["basicAuth"]["users"] == [f"alice:{HASH}"]

    everything = b"".join(files.values()).decode()
    for secret in (HASH, "tok-123", ACME_EMAIL, EAB_HMAC, "PRIVATE KEY", "MIGHAgEAMBMGBy"):
        assert secret not in everything, secret


def test_support_dump_head_and_other_entry_points(pier_factory):
    p = pier_factory(static={"api": {"insecure": True}})
    r = rawhttp.request(p.port("traefik"), "HEAD", "/api/support-dump")
    assert r.status == 200 and r.header("Content-Type") == "application/gzip" and r.body == b""
    assert rawhttp.get(p.port("web"), "/api/support-dump").status == 404


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    d = tmp_path_factory.mktemp("api-certs")
    ca = certs.make_ca(d, "api-test-ca")
    return {
        "ca": ca,
        "site": certs.make_leaf(d, ca, "site.test", ["site.test", "www.site.test", "127.0.0.9"]),
        "default": certs.make_leaf(d, ca, "default.test", ["default.test"]),
    }


def openssl_text(pem_path, *args):
    return subprocess.run(["openssl", "x509", "-in", str(pem_path), "-noout", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def test_certificates_list_and_lookup(pier_factory, backend, served):
    dyn = harness.dynamic({"r": router("Host(`site.test`)", "s", ["web"], tls={})}, {"s": lb(backend)})
    dyn["tls"] = {
        "certificates": [{"certFile": str(served["site"].cert), "keyFile": str(served["site"].key)}],
        "stores": {"default": {"defaultCertificate": {"certFile": str(served["default"].cert),
                                                      "keyFile": str(served["default"].key)}}},
    }
    p = pier_factory(static={"api": {"insecure": True}}, dynamic=dyn)
    r = get(p, "/api/certificates")
    assert r.status == 200 and r.header("Content-Type") == "application/json"
    assert r.header("X-Next-Page") == "1"
    listed = json.loads(r.body)
    by_cn = {c["commonName"]: c for c in listed}
    assert set(by_cn) == {"site.test", "default.test"}
    site = by_cn["site.test"]
    assert list(site)[:6] == ["name", "sans", "notAfter", "notBefore", "serialNumber", "commonName"]
    assert site["sans"] == ["127.0.0.9", "site.test", "www.site.test"]
    der = ssl.PEM_cert_to_DER_cert(served["site"].cert.read_text())
    assert site["name"] == site["certFingerprint"] == hashlib.sha256(der).hexdigest()
    not_after = openssl_text(served["site"].cert, "-enddate").split("=", 1)[1]
    expected = datetime.datetime.strptime(not_after, "%b %d %H:%M:%S %Y %Z")
    assert site["notAfter"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")
    serial = int(openssl_text(served["site"].cert, "-serial").split("=", 1)[1], 16)
    assert site["serialNumber"] == str(serial)
    assert site["issuerCN"] == "api-test-ca" and "issuerOrg" not in site
    assert site["version"] == "v3" and site["keyType"] == "ECDSA" and site["keySize"] == 256
    assert site["signatureAlgorithm"] == "ECDSA-SHA256"
    assert len(site["publicKeyFingerprint"]) == 64
    # The test certificates live two days: inside Traefik's 30-day warning window.
    assert site["status"] == "warning"

    one = get(p, "/api/certificates/" + site["name"])
    assert one.status == 200 and json.loads(one.body) == site
    missing = get(p, "/api/certificates/" + "0" * 64)
    assert missing.status == 404 and json.loads(missing.body) == {"message": "certificate not found: " + "0" * 64}

    # Traefik's list parameters: search (CN, issuer, SANs), status, sortBy, paging.
    assert [c["commonName"] for c in json.loads(get(p, "/api/certificates?search=WWW.SITE").body)] == ["site.test"]
    assert len(json.loads(get(p, "/api/certificates?search=api-test-ca").body)) == 2
    assert json.loads(get(p, "/api/certificates?status=enabled").body) == []
    names = [c["commonName"] for c in json.loads(get(p, "/api/certificates?sortBy=name&direction=desc").body)]
    assert names == ["site.test", "default.test"]
    page = get(p, "/api/certificates?per_page=1")
    assert page.header("X-Next-Page") == "2" and len(json.loads(page.body)) == 1
    # Traefik v3.7's overview counts them by status.
    overview = json.loads(get(p, "/api/overview").body)
    assert overview["certificates"] == {"total": 2, "warnings": 2, "errors": 0}
    assert list(overview)[:4] == ["http", "tcp", "udp", "certificates"]


def test_certificates_empty_without_tls(pier_factory):
    """The generated default certificate is not listed (as Traefik)."""
    p = pier_factory(static={"api": {"insecure": True}})
    r = get(p, "/api/certificates")
    assert r.status == 200 and json.loads(r.body) == []
    assert json.loads(get(p, "/api/overview").body)["certificates"] == {"total": 0, "warnings": 0, "errors": 0}
