"""Tests for :mod:`videos.ingest`: the address guard, redirects, size caps, refusing what
is not a video, and flat memory. The video probe itself is tested in ``test_media``.

Everything runs against loopback servers: pytest-httpserver (werkzeug) for HTTP, a
pytest-httpserver with a throwaway CA for HTTPS, and a raw socket server for the
misbehaving peers werkzeug will not imitate. Names like ``cdn.dreams.test`` never
reach DNS: tests inject a ``resolver``, and guard tests use one that fails if called.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import gzip
import hashlib
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from videos import errors
from videos.hashing import THREAD_NAME as HASHING_THREAD
from videos.ingest import (
    COPY_BUFFERS,
    DownloadedFile,
    IngestError,
    IngestPolicy,
    download_video,
)
from videos.media import probe_video

LOOPBACK = IngestPolicy(allow_http=True, allowed_addresses=frozenset({"127.0.0.1"}))
MB = 1024 * 1024

# --- media fixtures ---------------------------------------------------------------


def _encode(
    path: Path,
    *,
    fmt: str = "mp4",
    codec: str = "libx264",
    seconds: int = 2,
    fps: int = 24,
    options: dict[str, str] | None = None,
) -> bytes:
    """Encode a small noise clip with PyAV and return its bytes."""
    rng = np.random.default_rng(7)
    with av.open(str(path), "w", format=fmt, options=options or {}) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for index in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(
                rng.integers(0, 256, (64, 64, 3), dtype=np.uint8), format="rgb24"
            )
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()


def _free_box(size: int) -> bytes:
    """An ISO-BMFF ``free`` box of ``size`` bytes: the format's own padding, skipped by players."""
    assert 8 <= size < 2**32
    return size.to_bytes(4, "big") + b"free" + bytes(size - 8)


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Real clips: an MP4 (moov at the end, PyAV's default), a faststart MP4, a WebM,
    and 5 MB / 50 MB MP4 files (a real clip plus a ``free`` box)."""
    root = tmp_path_factory.mktemp("media")
    mp4 = _encode(root / "clip.mp4")
    faststart = _encode(root / "faststart.mp4", options={"movflags": "faststart"})
    webm = _encode(root / "clip.webm", fmt="webm", codec="libvpx-vp9")
    files: dict[str, Any] = {
        "mp4": mp4,
        "faststart": faststart,
        "webm": webm,
    }
    for name, total in (("mp4_5mb", 5 * MB), ("mp4_50mb", 50 * MB)):
        path = root / f"{name}.mp4"
        with path.open("wb") as fh:
            fh.write(mp4)
            fh.write(_free_box(total - len(mp4)))
        files[name] = path
    return files


# --- servers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def _server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def server(_server: HTTPServer) -> Iterator[HTTPServer]:
    """A plain-HTTP loopback server on 127.0.0.1, fresh expectations per test."""
    _server.clear()
    yield _server
    _server.check_assertions()


@pytest.fixture
def dest_dir(tmp_path: Path) -> Path:
    path = tmp_path / "dest"
    path.mkdir()
    return path


def _file_response(
    path: Path, *, content_length: bool = True, content_type: str = "video/mp4"
) -> Response:
    """Stream ``path`` in 64 KiB blocks, so the server never holds the file either."""

    def body() -> Iterator[bytes]:
        with path.open("rb") as fh:
            while block := fh.read(64 * 1024):
                yield block

    headers = {"Content-Length": str(path.stat().st_size)} if content_length else {}
    return Response(body(), content_type=content_type, headers=headers, direct_passthrough=True)


@contextlib.contextmanager
def raw_server(script: Callable[[socket.socket], None]) -> Iterator[int]:
    """Serve one connection on 127.0.0.1 with ``script(conn)`` after reading the request;
    yield the port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)  # never hang the suite if the client does not come

    def run() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                script(conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        thread.join(timeout=10)


def no_dns(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
    raise AssertionError(f"resolver must not be called for {host!r}")


def fake_dns(table: dict[str, list[str]]) -> Callable[..., list[tuple[Any, ...]]]:
    """A resolver answering from ``table`` in getaddrinfo's shape; records every call."""
    calls: list[str] = []

    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = []
        for address in table[host]:
            if ":" in address:
                answers.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                answers.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return answers

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


def numeric_only(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
    """The real getaddrinfo, but never DNS: only numeric forms like ``2130706433``."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)


def expect_failure(
    code: str,
    url: str,
    dest_dir: Path,
    *,
    policy: IngestPolicy = LOOPBACK,
    resolver: Callable[..., Any] = socket.getaddrinfo,
) -> IngestError:
    """Assert ``download_video`` fails with ``code`` and leaves ``dest_dir`` empty."""
    with pytest.raises(IngestError) as info:
        download_video(url, policy=policy, dest_dir=dest_dir, resolver=resolver)
    assert info.value.code == code, info.value
    assert info.value.message == errors.message_for(code) or code == errors.URL_NOT_ALLOWED
    assert url not in info.value.message
    assert list(dest_dir.iterdir()) == []
    assert hashing_threads() == []
    return info.value


def hashing_threads() -> list[threading.Thread]:
    """Hashing threads still alive: a download, however it ended, must leave none."""
    return [t for t in threading.enumerate() if t.name == HASHING_THREAD]


# --- the address guard, fully on ---------------------------------------------------

GUARD_ON = IngestPolicy(allow_http=True)  # http allowed, so refusals are about the address


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/video.mp4",
        "http://127.0.0.1:8000/video.mp4",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # shared address space (CGNAT)
        "http://0.0.0.0/",
        "http://[::]/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[fec0::1]/",  # site-local
        "http://[ff02::1]/",
        "http://[::127.0.0.1]/",  # IPv4-compatible
        "http://[2002:a00:1::]/",  # 6to4 wrapping 10.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 wrapping 169.254.169.254
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/",  # Teredo, client 10.0.0.1
        "https://127.0.0.1/video.mp4",
        "HTTP://127.0.0.1/",
    ],
)
def test_private_ip_literals_are_refused(url: str, dest_dir: Path) -> None:
    expect_failure(errors.URL_NOT_ALLOWED, url, dest_dir, policy=GUARD_ON, resolver=no_dns)


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",  # decimal 127.0.0.1
        "http://017700000001/",  # octal 127.0.0.1
        "http://0177.0.0.1/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://0/",
        "http://0xa9fea9fe/latest/meta-data",  # hex 169.254.169.254
    ],
)
def test_odd_numeric_forms_are_refused(url: str, dest_dir: Path) -> None:
    expect_failure(errors.URL_NOT_ALLOWED, url, dest_dir, policy=GUARD_ON, resolver=numeric_only)


@pytest.mark.parametrize(
    "answers",
    [
        ["10.1.2.3"],
        ["127.0.0.1"],
        ["169.254.169.254"],
        ["::ffff:10.1.2.3"],
        ["fd00::1"],
        ["93.184.215.14", "10.1.2.3"],  # one bad answer is enough
        ["2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::1"],
    ],
)
def test_public_name_resolving_to_private_address_is_refused(
    answers: list[str], dest_dir: Path
) -> None:
    resolver = fake_dns({"videos.example.com": answers})
    expect_failure(
        errors.URL_NOT_ALLOWED,
        "https://videos.example.com/v.mp4",
        dest_dir,
        policy=IngestPolicy(),
        resolver=resolver,
    )


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/x.mp4",
        "data:video/mp4;base64,AAAAIGZ0eXBpc29t",
        "gopher://example.com/_x",
        "javascript:alert(1)",
        "http://videos.example.com/x.mp4",  # http while allow_http is False
        "https://user:pass@videos.example.com/x.mp4",
        "https://token@videos.example.com/x.mp4",
        "https://videos.example.com@127.0.0.1/x.mp4",
        "https://evil.example\\@127.0.0.1/x.mp4",
        "https://%31%32%37.0.0.1/x.mp4",
        "https:///x.mp4",
        "https://videos.example.com:0/x.mp4",
        "https://videos.example.com:99999/x.mp4",
        "https://videos.example.com/x.mp4\r\nHost: 127.0.0.1",
        "https://videos.example.com/" + "a" * 2048,
        "//videos.example.com/x.mp4",
        "videos.example.com/x.mp4",
    ],
)
def test_urls_refused_before_any_lookup(url: str, dest_dir: Path) -> None:
    expect_failure(errors.URL_NOT_ALLOWED, url, dest_dir, policy=IngestPolicy(), resolver=no_dns)


def test_allowed_hosts_match_exactly_or_as_subdomain(server: HTTPServer, dest_dir: Path) -> None:
    policy = IngestPolicy(
        allow_http=True,
        allowed_hosts=frozenset({"dreams.test"}),
        allowed_addresses=frozenset({"127.0.0.1"}),
    )
    for url in (
        "http://evildreams.test/x.mp4",
        "http://dreams.test.evil.example/x.mp4",
        "http://127.0.0.1/x.mp4",
    ):
        expect_failure(errors.URL_NOT_ALLOWED, url, dest_dir, policy=policy, resolver=no_dns)
    server.expect_request("/v.mp4").respond_with_data(b"x", content_type="text/html")
    resolver = fake_dns({"cdn.dreams.test": ["127.0.0.1"]})
    # Got past the host check and reached the server: refused only for being HTML.
    expect_failure(
        errors.NOT_A_VIDEO,
        f"http://cdn.dreams.test:{server.port}/v.mp4",
        dest_dir,
        policy=policy,
        resolver=resolver,
    )


def test_unknown_name_is_unreachable(dest_dir: Path) -> None:
    expect_failure(
        errors.UNREACHABLE,
        "https://gone.dreams.test/v.mp4",
        dest_dir,
        policy=IngestPolicy(),
        resolver=fake_dns({}),
    )


def test_policy_defaults_keep_the_guard_fully_on() -> None:
    policy = IngestPolicy()
    assert policy.allow_http is False
    assert policy.allowed_addresses == frozenset()
    assert policy.allowed_hosts == frozenset()
    assert policy.max_bytes == 500 * MB
    assert policy.max_redirects == 3


# --- downloads from a loopback server ----------------------------------------------


def test_downloads_a_real_mp4(server: HTTPServer, dest_dir: Path, media: dict[str, Any]) -> None:
    server.expect_request("/v.mp4").respond_with_data(media["mp4"], content_type="video/mp4")
    url = server.url_for("/v.mp4")

    result = download_video(url, policy=LOOPBACK, dest_dir=dest_dir)

    assert isinstance(result, DownloadedFile)
    assert result.path.read_bytes() == media["mp4"]
    assert result.size == len(media["mp4"])
    assert result.sha256 == hashlib.sha256(media["mp4"]).hexdigest()
    assert result.content_type == "video/mp4"
    assert result.final_url == url
    assert result.path.parent == dest_dir
    assert result.path.suffix == ".mp4"
    assert list(dest_dir.iterdir()) == [result.path]  # no stray .part file
    request, _ = server.log[0]
    assert request.headers["User-Agent"] == "DreamJourney/1.0"
    # The probe that accepted the file comes along, so the caller need not probe again.
    assert result.probe == probe_video(result.path)
    assert (result.probe.width, result.probe.height, result.probe.container) == (64, 64, "mov")
    assert result.probe.duration == pytest.approx(2.0, abs=1 / 24)


def test_the_hash_covers_every_chunk_hashed_beside_the_download(
    server: HTTPServer, dest_dir: Path, media: dict[str, Any]
) -> None:
    # 5 MB in 64 KiB chunks: eighty of them pass the hashing thread's short queue.
    body = media["mp4_5mb"].read_bytes()
    server.expect_request("/v.mp4").respond_with_data(body, content_type="video/mp4")
    policy = IngestPolicy(
        allow_http=True, allowed_addresses=frozenset({"127.0.0.1"}), chunk_size=64 * 1024
    )

    result = download_video(server.url_for("/v.mp4"), policy=policy, dest_dir=dest_dir)

    assert result.sha256 == hashlib.sha256(body).hexdigest()
    assert result.path.read_bytes() == body
    assert hashing_threads() == []


def test_content_type_comes_from_the_probe(
    server: HTTPServer, dest_dir: Path, media: dict[str, Any]
) -> None:
    server.expect_request("/dream").respond_with_data(
        media["webm"], content_type="application/octet-stream"
    )
    result = download_video(server.url_for("/dream"), policy=LOOPBACK, dest_dir=dest_dir)
    assert result.content_type == "video/webm"
    assert result.path.suffix == ".webm"
    assert result.path.read_bytes() == media["webm"]
    assert result.probe.container == "matroska"


def test_connects_to_the_checked_address_not_the_name_again(
    server: HTTPServer, dest_dir: Path, media: dict[str, Any]
) -> None:
    # A rebinding resolver: the first answer passes the check, later ones point inside.
    answers = iter([["127.0.0.1"]] + [["10.0.0.1"]] * 5)
    calls: list[str] = []

    def rebinding(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        calls.append(host)
        return fake_dns({host: next(answers)})(host, port)

    server.expect_request(
        "/v.mp4", headers={"Host": f"cdn.dreams.test:{server.port}"}
    ).respond_with_data(media["mp4"], content_type="video/mp4")

    result = download_video(
        f"http://cdn.dreams.test:{server.port}/v.mp4",
        policy=LOOPBACK,
        dest_dir=dest_dir,
        resolver=rebinding,
    )

    assert result.sha256 == hashlib.sha256(media["mp4"]).hexdigest()
    assert calls == ["cdn.dreams.test"]


def test_follows_redirects_within_the_limit(
    server: HTTPServer, dest_dir: Path, media: dict[str, Any]
) -> None:
    server.expect_request("/r1").respond_with_data("", 302, {"Location": "/r2"})
    server.expect_request("/r2").respond_with_data("", 301, {"Location": server.url_for("/r3")})
    server.expect_request("/r3").respond_with_data("", 307, {"Location": "v.mp4?sig=abc"})
    server.expect_request("/v.mp4", query_string="sig=abc").respond_with_data(
        media["mp4"], content_type="video/mp4"
    )

    result = download_video(server.url_for("/r1"), policy=LOOPBACK, dest_dir=dest_dir)

    assert result.final_url == server.url_for("/v.mp4?sig=abc")
    assert result.path.read_bytes() == media["mp4"]


def test_too_many_redirects(server: HTTPServer, dest_dir: Path) -> None:
    for hop in range(4):
        server.expect_request(f"/r{hop}").respond_with_data("", 302, {"Location": f"/r{hop + 1}"})
    server.expect_request("/r4").respond_with_data(b"never fetched", content_type="video/mp4")
    expect_failure(errors.URL_NOT_ALLOWED, server.url_for("/r0"), dest_dir)
    assert [request.path for request, _ in server.log] == ["/r0", "/r1", "/r2", "/r3"]


@pytest.mark.parametrize(
    "location",
    [
        "http://10.0.0.1/x",
        "http://169.254.169.254/",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[::1]/x",
        "http://167772161/x",  # decimal 10.0.0.1
        "file:///etc/passwd",
        "ftp://example.com/x.mp4",
    ],
)
def test_redirect_to_a_private_address_is_refused(
    location: str, server: HTTPServer, dest_dir: Path
) -> None:
    server.expect_request("/start").respond_with_data("", 302, {"Location": location})
    expect_failure(
        errors.URL_NOT_ALLOWED, server.url_for("/start"), dest_dir, resolver=numeric_only
    )


def test_redirect_to_a_name_resolving_private_is_refused(
    server: HTTPServer, dest_dir: Path
) -> None:
    server.expect_request("/start").respond_with_data(
        "", 302, {"Location": "http://metadata.dreams.test/latest"}
    )
    resolver = fake_dns({"metadata.dreams.test": ["169.254.169.254"]})
    expect_failure(errors.URL_NOT_ALLOWED, server.url_for("/start"), dest_dir, resolver=resolver)


def test_redirect_without_location_is_unreachable(server: HTTPServer, dest_dir: Path) -> None:
    server.expect_request("/start").respond_with_data("", 302)
    expect_failure(errors.UNREACHABLE, server.url_for("/start"), dest_dir)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!doctype html><title>Sign in</title>", "text/html; charset=utf-8"),
        (b'{"error": "expired"}', "application/json"),
        (b"AccessDenied", "text/plain"),
        (b"<Error><Code>AccessDenied</Code></Error>", "application/xml"),
    ],
)
def test_text_answers_are_not_videos(
    body: bytes, content_type: str, server: HTTPServer, dest_dir: Path
) -> None:
    server.expect_request("/v.mp4").respond_with_data(body, content_type=content_type)
    expect_failure(errors.NOT_A_VIDEO, server.url_for("/v.mp4"), dest_dir)


@pytest.mark.parametrize(
    "case", ["truncated_mp4", "faststart_missing_tail", "html_as_video", "empty"]
)
def test_bodies_that_are_not_playable_videos(
    case: str, server: HTTPServer, dest_dir: Path, media: dict[str, Any]
) -> None:
    # A few of the files the probe refuses (test_media has them all): each must come out
    # as not_a_video, with the partial download deleted.
    body = {
        "truncated_mp4": media["mp4"][: len(media["mp4"]) // 2],
        "faststart_missing_tail": media["faststart"][:-200],
        "html_as_video": b"<html><body>Not found</body></html>",
        "empty": b"",
    }[case]
    server.expect_request("/v.mp4").respond_with_data(body, content_type="video/mp4")
    expect_failure(errors.NOT_A_VIDEO, server.url_for("/v.mp4"), dest_dir)


def test_playlists_never_make_ffmpeg_fetch(server: HTTPServer, dest_dir: Path) -> None:
    # An HLS playlist dressed as MP4: auto-detected, FFmpeg would fetch its segments,
    # a request the address guard never sees.
    playlist = (
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n"
        f"{server.url_for('/internal-secret.ts')}\n#EXT-X-ENDLIST\n"
    )
    server.expect_request("/v.mp4").respond_with_data(playlist, content_type="video/mp4")
    expect_failure(errors.NOT_A_VIDEO, server.url_for("/v.mp4"), dest_dir)
    assert [request.path for request, _ in server.log] == ["/v.mp4"]


def test_too_large_by_content_length(
    server: HTTPServer, dest_dir: Path, media: dict[str, Any]
) -> None:
    server.expect_request("/big.mp4").respond_with_handler(
        lambda request: _file_response(media["mp4_5mb"])
    )
    policy = IngestPolicy(allow_http=True, allowed_addresses=frozenset({"127.0.0.1"}), max_bytes=MB)
    expect_failure(errors.TOO_LARGE, server.url_for("/big.mp4"), dest_dir, policy=policy)


def test_too_large_without_content_length_aborts_while_streaming(
    server: HTTPServer, dest_dir: Path
) -> None:
    sent = 0

    def endless(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            nonlocal sent
            block = bytes(64 * 1024)
            while sent < 100 * MB:  # a bound only so a broken client cannot hang the suite
                sent += len(block)
                yield block

        return Response(body(), content_type="video/mp4")

    server.expect_request("/endless").respond_with_handler(endless)
    policy = IngestPolicy(allow_http=True, allowed_addresses=frozenset({"127.0.0.1"}), max_bytes=MB)
    expect_failure(errors.TOO_LARGE, server.url_for("/endless"), dest_dir, policy=policy)
    _, response = server.log[0]
    assert "Content-Length" not in response.headers
    assert sent < 20 * MB  # we hung up early; what was sent is at most socket buffers


def test_exactly_max_bytes_is_allowed(
    server: HTTPServer, dest_dir: Path, media: dict[str, Any]
) -> None:
    server.expect_request("/v.mp4").respond_with_data(media["mp4"], content_type="video/mp4")
    policy = IngestPolicy(
        allow_http=True,
        allowed_addresses=frozenset({"127.0.0.1"}),
        max_bytes=len(media["mp4"]),
        chunk_size=4096,
    )
    result = download_video(server.url_for("/v.mp4"), policy=policy, dest_dir=dest_dir)
    assert result.size == len(media["mp4"])


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (403, errors.EXPIRED),
        (404, errors.EXPIRED),
        (410, errors.EXPIRED),
        (401, errors.UNREACHABLE),
        (429, errors.UNREACHABLE),
        (500, errors.UNREACHABLE),
        (502, errors.UNREACHABLE),
        (304, errors.UNREACHABLE),
    ],
)
def test_http_status_codes(status: int, code: str, server: HTTPServer, dest_dir: Path) -> None:
    server.expect_request("/v.mp4").respond_with_data(
        b"<Error>Request has expired</Error>", status=status, content_type="application/xml"
    )
    expect_failure(code, server.url_for("/v.mp4"), dest_dir)


def test_connection_refused_is_unreachable(dest_dir: Path) -> None:
    # Bound but not listening: the kernel refuses, with no race for the port.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        expect_failure(errors.UNREACHABLE, f"http://127.0.0.1:{port}/v.mp4", dest_dir)


def test_body_shorter_than_content_length_is_unreachable(dest_dir: Path) -> None:
    def short(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 100000\r\n\r\n"
            + bytes(1000)
        )

    with raw_server(short) as port:
        expect_failure(errors.UNREACHABLE, f"http://127.0.0.1:{port}/v.mp4", dest_dir)


def _chunked(body: bytes, size: int = 7000) -> bytes:
    """``body`` in HTTP/1.1 chunked transfer coding, in odd-sized chunks."""
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def test_chunked_transfer_coding_is_undone(dest_dir: Path, media: dict[str, Any]) -> None:
    body = media["mp4"]

    def chunked(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n\r\n"
            + _chunked(body)
        )

    with raw_server(chunked) as port:
        result = download_video(
            f"http://127.0.0.1:{port}/v.mp4", policy=LOOPBACK, dest_dir=dest_dir
        )

    assert result.path.read_bytes() == body
    assert result.sha256 == hashlib.sha256(body).hexdigest()


def test_chunked_body_cut_mid_chunk_is_unreachable(dest_dir: Path, media: dict[str, Any]) -> None:
    encoded = _chunked(media["mp4"])

    def cut(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n\r\n"
            + encoded[: len(encoded) // 2]
        )

    with raw_server(cut) as port:
        expect_failure(errors.UNREACHABLE, f"http://127.0.0.1:{port}/v.mp4", dest_dir)


def test_a_content_coding_we_did_not_ask_for_is_decoded_and_capped(
    server: HTTPServer, dest_dir: Path, media: dict[str, Any]
) -> None:
    body = media["mp4"]
    server.expect_request("/v.mp4").respond_with_data(
        gzip.compress(body), content_type="video/mp4", headers={"Content-Encoding": "gzip"}
    )
    result = download_video(server.url_for("/v.mp4"), policy=LOOPBACK, dest_dir=dest_dir)
    assert result.path.read_bytes() == body
    assert result.sha256 == hashlib.sha256(body).hexdigest()
    result.path.unlink()

    # A 250 KB gzip that inflates to 256 MB stops at max_bytes, inflating little more: the
    # cap counts decoded bytes, and memory stays at a few chunks.
    server.clear()
    server.expect_request("/bomb.mp4").respond_with_data(
        _gzip_of_zeros(256 * MB), content_type="video/mp4", headers={"Content-Encoding": "gzip"}
    )
    policy = IngestPolicy(allow_http=True, allowed_addresses=frozenset({"127.0.0.1"}), max_bytes=MB)
    tracemalloc.start()
    try:
        expect_failure(errors.TOO_LARGE, server.url_for("/bomb.mp4"), dest_dir, policy=policy)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MB, f"peak {peak / MB:.1f} MB"


def _gzip_of_zeros(size: int) -> bytes:
    """``size`` zero bytes gzipped, made a megabyte at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    block = bytes(MB)
    return b"".join(packer.compress(block) for _ in range(size // MB)) + packer.flush()


def test_a_full_disk_is_the_disk_s_error_not_the_server_s(
    server: HTTPServer, dest_dir: Path, media: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    server.expect_request("/v.mp4").respond_with_data(media["mp4"], content_type="video/mp4")
    real = tempfile.NamedTemporaryFile

    def full_disk(*args: Any, **kwargs: Any) -> Any:
        handle = real(*args, **kwargs)

        def write(_: object) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        handle.write = write
        return handle

    monkeypatch.setattr("videos.ingest.tempfile.NamedTemporaryFile", full_disk)
    with pytest.raises(OSError) as info:
        download_video(server.url_for("/v.mp4"), policy=LOOPBACK, dest_dir=dest_dir)
    assert info.value.errno == errno.ENOSPC
    assert list(dest_dir.iterdir()) == []
    assert hashing_threads() == []


def test_silent_server_hits_the_read_timeout(dest_dir: Path) -> None:
    done = threading.Event()
    policy = IngestPolicy(
        allow_http=True, allowed_addresses=frozenset({"127.0.0.1"}), read_timeout=0.2
    )
    with raw_server(lambda conn: done.wait(10)) as port:
        expect_failure(
            errors.UNREACHABLE, f"http://127.0.0.1:{port}/v.mp4", dest_dir, policy=policy
        )
        done.set()


def test_total_timeout_bounds_a_stalled_body(dest_dir: Path) -> None:
    # The read timeout (30 s) alone would wait; the whole-transfer bound cuts it.
    done = threading.Event()

    def stall(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 1000000\r\n\r\n"
            + bytes(1000)
        )
        done.wait(10)

    policy = IngestPolicy(
        allow_http=True, allowed_addresses=frozenset({"127.0.0.1"}), total_timeout=0.3
    )
    started = time.monotonic()
    with raw_server(stall) as port:
        expect_failure(
            errors.UNREACHABLE, f"http://127.0.0.1:{port}/v.mp4", dest_dir, policy=policy
        )
        done.set()
    assert time.monotonic() - started < 5


# --- HTTPS ----------------------------------------------------------------------------


def _tls_files(directory: Path, names: list[str]) -> tuple[Path, Path, Path]:
    """Write a throwaway CA and a leaf for ``names``; return (ca, cert, key) paths."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "DreamJourney test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = (directory / "ca.pem", directory / "leaf.pem", directory / "leaf.key")
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(leaf.public_bytes(pem))
    paths[2].write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HTTPServer, Path]]:
    """An HTTPS loopback server whose certificate names ``cdn.dreams.test``; and its CA."""
    ca, cert, key = _tls_files(tmp_path_factory.mktemp("tls"), ["cdn.dreams.test"])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    yield server, ca
    server.clear()
    server.stop()


HTTPS_LOOPBACK = IngestPolicy(allowed_addresses=frozenset({"127.0.0.1"}))  # https only


@pytest.fixture
def https_server(
    tls: tuple[HTTPServer, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[HTTPServer]:
    """The HTTPS server, with its CA trusted through OpenSSL's SSL_CERT_FILE."""
    server, ca = tls
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    server.clear()
    yield server


def test_https_verifies_the_name_while_connecting_to_the_ip(
    https_server: HTTPServer, dest_dir: Path, media: dict[str, Any]
) -> None:
    https_server.expect_request("/v.mp4").respond_with_data(media["mp4"], content_type="video/mp4")
    resolver = fake_dns({"cdn.dreams.test": ["127.0.0.1"]})
    url = f"https://cdn.dreams.test:{https_server.port}/v.mp4"

    result = download_video(url, policy=HTTPS_LOOPBACK, dest_dir=dest_dir, resolver=resolver)

    assert result.path.read_bytes() == media["mp4"]
    request, _ = https_server.log[0]
    assert request.headers["Host"] == f"cdn.dreams.test:{https_server.port}"


@pytest.mark.parametrize("host", ["other.dreams.test", "127.0.0.1"])
def test_https_certificate_for_another_name_is_unreachable(
    host: str, https_server: HTTPServer, dest_dir: Path
) -> None:
    resolver = fake_dns({"other.dreams.test": ["127.0.0.1"]})
    url = f"https://{host}:{https_server.port}/v.mp4"
    expect_failure(errors.UNREACHABLE, url, dest_dir, policy=HTTPS_LOOPBACK, resolver=resolver)
    assert https_server.log == []


def test_https_untrusted_ca_is_unreachable(
    tls: tuple[HTTPServer, Path], dest_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = tls
    monkeypatch.setenv("SSL_CERT_FILE", str(dest_dir.parent / "no-such-ca.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(dest_dir.parent / "no-such-dir"))
    resolver = fake_dns({"cdn.dreams.test": ["127.0.0.1"]})
    url = f"https://cdn.dreams.test:{server.port}/v.mp4"
    expect_failure(errors.UNREACHABLE, url, dest_dir, policy=HTTPS_LOOPBACK, resolver=resolver)


def test_https_redirect_down_to_http_is_refused(https_server: HTTPServer, dest_dir: Path) -> None:
    https_server.expect_request("/v.mp4").respond_with_data(
        "", 302, {"Location": f"http://cdn.dreams.test:{https_server.port}/v.mp4"}
    )
    resolver = fake_dns({"cdn.dreams.test": ["127.0.0.1"]})
    url = f"https://cdn.dreams.test:{https_server.port}/v.mp4"
    expect_failure(errors.URL_NOT_ALLOWED, url, dest_dir, policy=HTTPS_LOOPBACK, resolver=resolver)


# --- memory ---------------------------------------------------------------------------

# tracemalloc counts every thread of the process, and werkzeug's server allocates a
# 10 MB read buffer when a client hangs up, so the big files come from a server in
# another process. ``?chunked`` leaves out Content-Length (the body ends at close).
FILE_SERVER = r"""
import http.server, pathlib, shutil, sys
root = pathlib.Path(sys.argv[1])
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name, _, query = self.path.lstrip("/").partition("?")
        path = root / name
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        if query != "chunked":
            self.send_header("Content-Length", str(path.stat().st_size))
        self.send_header("Connection", "close")
        self.end_headers()
        with path.open("rb") as fh:
            shutil.copyfileobj(fh, self.wfile, 64 * 1024)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@pytest.fixture(scope="module")
def file_server(media: dict[str, Any]) -> Iterator[str]:
    """Base URL of a loopback file server in a child process serving the big media files."""
    root = media["mp4_50mb"].parent
    process = subprocess.Popen(
        [sys.executable, "-c", FILE_SERVER, str(root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _peak_memory(url: str, dest_dir: Path) -> tuple[int, DownloadedFile]:
    """Peak traced Python memory (bytes) during one download."""
    tracemalloc.start()
    try:
        result = download_video(url, policy=LOOPBACK, dest_dir=dest_dir)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


@pytest.mark.parametrize("query", ["", "?chunked"], ids=["length", "no-length"])
def test_memory_stays_flat_for_50_mb(
    query: str, file_server: str, dest_dir: Path, media: dict[str, Any]
) -> None:
    peak_5, small = _peak_memory(f"{file_server}/mp4_5mb.mp4{query}", dest_dir)
    peak_50, big = _peak_memory(f"{file_server}/mp4_50mb.mp4{query}", dest_dir)

    assert small.size == 5 * MB
    assert big.size == 50 * MB
    with media["mp4_50mb"].open("rb") as fh:
        assert big.sha256 == hashlib.file_digest(fh, "sha256").hexdigest()
    assert peak_50 < 8 * MB, f"peak {peak_50 / MB:.1f} MB"
    # The copy buffers are made up front, whatever the size: ten times the bytes cost no
    # more memory than allocator noise, and even 5 MB holds no more than the buffers.
    assert peak_50 < peak_5 + MB, f"5 MB: {peak_5 / MB:.2f} MB, 50 MB: {peak_50 / MB:.2f} MB"
    assert peak_5 < COPY_BUFFERS * LOOPBACK.chunk_size + 2 * MB, f"5 MB: {peak_5 / MB:.2f} MB"
