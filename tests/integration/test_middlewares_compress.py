"""The compress middleware (spec E.6, E1.11): gzip, br and zstd through the real binary, decoded
by the client with Python's own codecs (python3-brotli and python3-zstandard for br and zstd)."""

from __future__ import annotations

import gzip
import time
import zlib

import brotli
import zstandard

from mwhelp import start

PATTERN = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+/"


def pattern(n: int) -> bytes:
    return (PATTERN * (n // len(PATTERN) + 1))[:n]


def unzstd(data: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


def test_gzip_for_a_large_body_with_vary_and_no_length(pier_factory, backend):
    p = start(pier_factory, backend, {"c": {"compress": {}}})
    # A fresh connection per request (Connection: close): the close ends the body.
    r = p.get("/?size=2048&content_type=text/html", headers=[("Accept-Encoding", "gzip")])
    assert r.status == 200
    assert r.header("Content-Encoding") == "gzip"
    assert r.header("Content-Length") is None
    assert r.header("Vary") == "Accept-Encoding"
    assert gzip.decompress(r.body) == pattern(2048)
    assert len(r.body) < 2048
    # Keep-alive: the compressed body is sent chunked, and the connection stays usable.
    with p.client() as c:
        r = c.get("/?size=100000", headers=[("Accept-Encoding", "gzip")])
        assert r.chunked and r.header("Content-Encoding") == "gzip"
        assert gzip.decompress(r.body) == pattern(100000)
        again = c.get("/?size=10")
        assert again.status == 200 and again.body == pattern(10)


def test_q_values_pick_the_encoding(pier_factory, backend):
    p = start(pier_factory, backend, {"c": {"compress": {}}})
    r = p.get("/?size=4096", headers=[("Accept-Encoding", "br;q=1, gzip;q=0.5")])
    assert r.header("Content-Encoding") == "br"
    assert brotli.decompress(r.body) == pattern(4096)
    r = p.get("/?size=4096", headers=[("Accept-Encoding", "zstd")])
    assert r.header("Content-Encoding") == "zstd"
    assert unzstd(r.body) == pattern(4096)
    # Equal q: the configured order (Traefik's default: gzip, br, zstd).
    r = p.get("/?size=4096", headers=[("Accept-Encoding", "zstd, br, gzip")])
    assert r.header("Content-Encoding") == "gzip"
    r = p.get("/?size=4096", headers=[("Accept-Encoding", "identity")])
    assert r.header("Content-Encoding") is None and r.body == pattern(4096)


def test_chunked_backend_bodies_are_decided_by_size(pier_factory, backend):
    p = start(pier_factory, backend, {"c": {"compress": {"encodings": ["zstd", "br"]}}})
    with p.client() as c:
        big = c.get("/?size=50000&chunked=1&chunk_size=700", headers=[("Accept-Encoding", "zstd, br")])
        assert big.header("Content-Encoding") == "zstd"
        assert unzstd(big.body) == pattern(50000)
        # Below minResponseBodyBytes (1024) when the body ends: sent as it came.
        small = c.get("/?size=1000&chunked=1&chunk_size=100", headers=[("Accept-Encoding", "br")])
        assert small.status == 200
        assert small.header("Content-Encoding") is None
        assert small.body == pattern(1000)


def test_small_excluded_and_encoded_bodies_are_untouched(pier_factory, backend):
    p = start(pier_factory, backend, {
        "c": {"compress": {"excludedContentTypes": ["text/css"], "minResponseBodyBytes": 600}}})
    ae = [("Accept-Encoding", "gzip, br, zstd")]
    small = p.get("/?size=500", headers=ae)
    assert small.header("Content-Encoding") is None
    assert small.header("Content-Length") == "500" and small.body == pattern(500)
    assert small.header("Vary") == "Accept-Encoding"  # the choice still depended on it
    assert p.get("/?size=700", headers=ae).header("Content-Encoding") == "gzip"
    css = p.get("/?size=5000&content_type=text/css;%20charset=utf-8", headers=ae)
    assert css.header("Content-Encoding") is None and css.body == pattern(5000)
    grpc = p.get("/?size=5000&content_type=application/grpc", headers=ae)
    assert grpc.header("Content-Encoding") is None
    encoded = p.get("/?size=5000&header=Content-Encoding:br", headers=ae)
    assert encoded.header("Content-Encoding") == "br" and encoded.body == pattern(5000)


def test_no_compression_without_accept_encoding_head_and_204(pier_factory, backend):
    p = start(pier_factory, backend, {"c": {"compress": {}}})
    plain = p.get("/?size=5000")
    assert plain.header("Content-Encoding") is None and plain.header("Vary") is None
    assert plain.body == pattern(5000)
    head = p.request("HEAD", "/?size=5000", headers=[("Accept-Encoding", "gzip")])
    assert head.status == 200 and head.header("Content-Encoding") is None
    assert head.header("Content-Length") == "5000"
    empty = p.get("/?status=204", headers=[("Accept-Encoding", "gzip")])
    assert empty.status == 204 and empty.header("Content-Encoding") is None


def test_default_encoding_without_accept_encoding(pier_factory, backend):
    p = start(pier_factory, backend, {"c": {"compress": {"defaultEncoding": "br"}}})
    r = p.get("/?size=3000")
    assert r.header("Content-Encoding") == "br"
    assert brotli.decompress(r.body) == pattern(3000)


def test_server_sent_events_stream_compressed(pier_factory, backend):
    """Each event must be decodable when it arrives, not when the stream ends."""
    p = start(pier_factory, backend, {"c": {"compress": {}}})
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    seen: list[tuple[float, bytes]] = []  # (arrival time, everything decoded so far)
    decoded = bytearray()
    t0 = time.monotonic()

    def sink(data: bytes) -> None:
        decoded.extend(decoder.decompress(data))
        seen.append((time.monotonic() - t0, bytes(decoded)))

    with p.client() as c:
        r = c.get("/?sse=8", headers=[("Accept-Encoding", "gzip")], sink=sink, timeout=20)
    assert r.status == 200
    assert r.header("Content-Encoding") == "gzip"
    assert decoded.count(b"data: ") == 8
    # The backend sends an event every 100 ms: the first one was readable on its own while the
    # others were still to come (several arrivals, the first with exactly one event).
    first = next(text for _, text in seen if b"data: " in text)
    assert first.count(b"data: ") == 1, seen
    assert len([1 for _, text in seen if text]) >= 4, seen
