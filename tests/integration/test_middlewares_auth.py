"""basicAuth (spec E.3): every hash format, usersFile, realm, headerField, removeHeader."""

from __future__ import annotations

import base64

import pytest

from mwhelp import start
from rawhttp import backend_view

HASHES = {
    "sha": "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
    "apr1": "$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/",
    "md5": "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1",
    "bcrypt2b": "$2b$04$2RimMqYr40hDqbizRD4c1OG6epf2gSApwaDNRJHFAMKJPYysawEky",
    "bcrypt2y": "$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
}


def basic(user: str, password: str) -> tuple[str, str]:
    return ("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())


@pytest.mark.parametrize("kind", sorted(HASHES))
def test_basic_auth_hash_formats(pier_factory, backend, kind):
    p = start(pier_factory, backend, {"auth": {"basicAuth": {"users": [f"alice:{HASHES[kind]}"]}}})
    r = p.get("/", headers=[basic("alice", "secret")])
    assert r.status == 200
    assert backend_view(r).header("Authorization") is not None  # kept by default
    r = p.get("/", headers=[basic("alice", "wrong")])
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="traefik"'
    assert r.body == b"401 Unauthorized\n"
    assert p.get("/").status == 401
    assert p.get("/", headers=[basic("bob", "secret")]).status == 401


def test_basic_auth_users_file_realm_header_field_remove_header(pier_factory, backend, tmp_path):
    users = tmp_path / "users"
    users.write_text("# comment\n\nbob:" + HASHES["sha"] + "\n")
    p = start(pier_factory, backend, {"auth": {"basicAuth": {
        "usersFile": str(users), "users": ["carol:" + HASHES["apr1"]], "realm": "admin",
        "headerField": "X-WebAuth-User", "removeHeader": True}}})
    r = p.get("/", headers=[basic("bob", "secret")])
    assert r.status == 200
    v = backend_view(r)
    assert v.header_all("X-WebAuth-User") == ["bob"]
    assert v.header("Authorization") is None
    assert p.get("/", headers=[basic("carol", "secret")]).status == 200
    assert p.get("/").header("WWW-Authenticate") == 'Basic realm="admin"'


def _param(header: str, key: str) -> str:
    start = header.index(key + '="') + len(key) + 2
    return header[start:header.index('"', start)]


def test_digest_auth(pier_factory, backend):
    import hashlib

    def md5(s: str) -> str:
        return hashlib.md5(s.encode()).hexdigest()

    ha1 = md5("test:traefik:test")
    p = start(pier_factory, backend, {"d": {"digestAuth": {"users": [f"test:traefik:{ha1}"]}}})
    r = p.get("/x")
    assert r.status == 401
    challenge = r.header("WWW-Authenticate")
    assert challenge.startswith('Digest realm="traefik"')
    nonce, opaque = _param(challenge, "nonce"), _param(challenge, "opaque")
    resp = md5(f"{ha1}:{nonce}:00000001:abc:auth:{md5('GET:/x')}")
    auth = (f'Digest username="test", realm="traefik", nonce="{nonce}", uri="/x", qop=auth, '
            f'nc=00000001, cnonce="abc", response="{resp}", opaque="{opaque}", algorithm=MD5')
    r = p.get("/x", headers=[("Authorization", auth)])
    assert r.status == 200
    assert backend_view(r)["path"] == "/x"
