"""Download a remote video into a local temp file, safely and in constant memory.

Providers hand us URLs that expire, so every finished video is copied into our
own storage. This module does the risky half of that: fetching a URL somebody
else chose. It promises:

* only ``https`` (and ``http`` when the policy allows it) to *public* addresses:
  every address a host resolves to is checked, and the connection goes to the
  checked address itself, so a DNS answer that changes between check and
  connect (rebinding) cannot steer us to an internal service;
* redirects are followed by hand, each hop checked like the first URL;
* memory stays flat whatever the size: the body is streamed to a temp file in
  ``policy.chunk_size`` pieces, read straight into ``COPY_BUFFERS`` reused buffers and
  hashed on the way in a thread beside the reads;
* the result is really a playable video (MP4/MOV or WebM/Matroska that FFmpeg
  decodes), not an error page, a truncated file or a decompression bomb:
  :func:`videos.sandbox.inspect_video` checks it in a memory- and time-limited child
  process, and its answer (probe and thumbnail) comes back with the file so nobody
  decodes it twice;
* every failure is an :class:`IngestError` with one of our error codes, and
  leaves no partial file behind.

It deliberately imports nothing from Django: the caller builds an
:class:`IngestPolicy` from settings and then ``storage.save``\\s the file.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import logging
import os
import re
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError

from videos import errors
from videos.hashing import copy_hashed
from videos.media import Container, VideoProbe
from videos.sandbox import (
    Inspection,
    InspectionRefused,
    SandboxError,
    SandboxLimits,
    inspect_video,
)

__all__ = [
    "DownloadedFile",
    "IngestError",
    "IngestPolicy",
    "Resolver",
    "check_url",
    "download_video",
]

logger = logging.getLogger(__name__)

#: ``socket.getaddrinfo``-shaped: called as ``resolver(host, port, type=SOCK_STREAM)``
#: and returning ``(family, type, proto, canonname, sockaddr)`` tuples.
Resolver = Callable[..., Sequence[tuple[Any, ...]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Signed provider URLs that have expired answer 403; 404/410 mean the file is gone.
EXPIRED_STATUSES = frozenset({403, 404, 410})
DEFAULT_PORTS = {"http": 80, "https": 443}
#: Buffers of ``IngestPolicy.chunk_size`` the body is read into in turn (one being read
#: into while the others are written and hashed): a download's memory, whatever its size.
COPY_BUFFERS = 3
# A host may resolve to many addresses; each failed connect costs up to
# connect_timeout, so we try only the first few.
MAX_CONNECT_ATTEMPTS = 3

# Networks refused even where a Python release's ipaddress flags disagree
# (3.12.1, for instance, calls fec0::/10 and ::ffff:0:0/96 "global").
_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT (shared address space)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata services
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "::/96",  # deprecated IPv4-compatible addresses
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001:db8::/32",
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# Media types that are certainly not a video file: error pages, API answers.
_NOT_VIDEO_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/xhtml+xml",
        "application/javascript",
    }
)
_EXTENSIONS = {
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "video/x-matroska": ".mkv",
}
# Host names as DNS carries them (after IDNA); anything else in a host is a
# parser trick, such as a backslash or a percent-encoded address.
_HOSTNAME_RE = re.compile(
    r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*"
)


@dataclass(frozen=True, kw_only=True)
class IngestPolicy:
    """What :func:`download_video` may fetch, and how.

    ``allowed_hosts`` empty means any public host; otherwise a host must equal
    an entry or be a subdomain of one. ``allowed_addresses`` (IPs or CIDRs) are
    let through even though private or loopback; it exists for tests that need
    a loopback file server and must stay empty in production.
    ``total_timeout`` bounds the whole body transfer in seconds (``None``: no
    bound), so a server dribbling one byte per read timeout cannot hold a
    worker for hours. ``inspection`` is what the downloaded file may be, and what
    checking it may cost (:class:`videos.sandbox.SandboxLimits`).
    """

    allow_http: bool = False
    max_bytes: int = 500 * 1024 * 1024
    allowed_hosts: frozenset[str] = frozenset()
    allowed_addresses: frozenset[str] = frozenset()
    max_redirects: int = 3
    connect_timeout: float = 5
    read_timeout: float = 30
    total_timeout: float | None = 15 * 60
    # 4 MiB: each chunk handed to the hashing thread may find it asleep, and waking a
    # sleeping core costs far more on a virtual machine than on bare metal; at 1 MiB the
    # handoffs cost a 500 MB download ~40% more CPU (bench/ingest.py). Memory stays
    # COPY_BUFFERS chunks, touched only as far as the body goes.
    chunk_size: int = 4 * 1024 * 1024
    user_agent: str = "DreamJourney/1.0"
    inspection: SandboxLimits = field(default_factory=SandboxLimits)


class IngestError(Exception):
    """Downloading a video failed.

    ``code`` is one of the ingest codes in :mod:`videos.errors`; ``message`` is
    the plain sentence for users. Neither ever contains the URL, which may
    carry a provider's signature; the underlying exception, for logs, is
    chained as ``__cause__``.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or errors.message_for(code)
        super().__init__(f"{code}: {self.message}")


@dataclass(frozen=True)
class DownloadedFile:
    """A verified video on local disk. The caller owns ``path`` and deletes it.

    ``inspection`` is what :func:`videos.sandbox.inspect_video` found in the file: its
    probe and thumbnail, so storing it needs no second decode.
    """

    path: Path
    size: int
    sha256: str
    content_type: str
    final_url: str
    inspection: Inspection

    @property
    def probe(self) -> VideoProbe:
        return self.inspection.probe


@dataclass(frozen=True)
class _Target:
    """One checked hop: where to connect and what to send."""

    url: str
    scheme: str
    host: str  # ASCII, lower case, no brackets; used for SNI and certificate checks
    port: int
    host_header: str
    request_target: str  # path and query


def download_video(
    url: str,
    *,
    policy: IngestPolicy,
    dest_dir: Path | None = None,
    resolver: Resolver = socket.getaddrinfo,
) -> DownloadedFile:
    """Fetch ``url`` into a new file in ``dest_dir`` (default: the temp dir).

    Promises: on return the file is complete, at most ``policy.max_bytes``
    long, hashed, and a playable video, described by the result's ``probe``.
    On failure no file is left behind.

    Raises :class:`IngestError` with code
      ``url_not_allowed``: bad scheme, userinfo, too long, a non-public
          address, a host outside ``allowed_hosts``, or too many redirects;
      ``too_large``: ``Content-Length`` or the bytes received pass ``max_bytes``,
          or the sandbox finds the video over its pixel or duration cap, or out of
          memory or time;
      ``not_a_video``: a text/JSON content type, or a body that
          :func:`videos.sandbox.inspect_video` refuses as not a video we serve;
      ``internal_error``: the sandbox itself failed (logged);
      ``expired``: the server answered 403, 404 or 410;
      ``unreachable``: the name does not resolve, connecting or reading failed
          or timed out, TLS verification failed, or any other non-2xx status.
    Local I/O errors (for example a full disk) propagate as ``OSError``.
    """
    allowed_networks = _parse_networks(policy.allowed_addresses)
    current = url
    redirects = 0
    while True:
        target = _check_url(current, policy)
        addresses = _resolve(target, allowed_networks, resolver)
        pool, response = _request(target, addresses, policy)
        try:
            if response.status in REDIRECT_STATUSES:
                location = response.headers.get("Location")
                if not location:
                    raise IngestError(errors.UNREACHABLE)
                redirects += 1
                if redirects > policy.max_redirects:
                    raise IngestError(errors.URL_NOT_ALLOWED, "The video link redirects too often.")
                current = urljoin(target.url, location.strip())
                continue
            if response.status in EXPIRED_STATUSES:
                raise IngestError(errors.EXPIRED)
            if not 200 <= response.status < 300:
                raise IngestError(errors.UNREACHABLE)
            return _save_body(response, target, policy, dest_dir)
        finally:
            response.close()
            pool.close()


# --- URL and address checks ---------------------------------------------------


def check_url(url: str, *, policy: IngestPolicy) -> None:
    """Refuse at once what can be refused without DNS or a connection.

    For a request handler: a bad scheme, userinfo, a host outside the
    allowlist, or an IP literal that is not public raise ``url_not_allowed``
    (so the client gets a 400 now); names are resolved and checked again when
    the download runs.
    """
    target = _check_url(url, policy)
    literal = _ip_literal(target.host)
    if literal is not None:
        _resolve(target, _parse_networks(policy.allowed_addresses), socket.getaddrinfo)


def _check_url(url: str, policy: IngestPolicy) -> _Target:
    """Parse ``url`` into a :class:`_Target`; raise ``url_not_allowed`` if it may not be fetched."""
    refused = IngestError(errors.URL_NOT_ALLOWED)
    if len(url) > MAX_URL_LENGTH:
        raise refused
    # Whitespace and control characters are how request smuggling and
    # parser disagreements start; a real provider URL never has them.
    if any(ch <= " " or ch == "\x7f" for ch in url):
        raise refused
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise refused from exc
    scheme = parts.scheme.lower()
    if scheme not in ({"http", "https"} if policy.allow_http else {"https"}):
        raise refused
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise refused
    raw_host = parts.hostname
    if not raw_host:
        raise refused
    try:
        # IDNA-encode so the check, the DNS query and the Host header agree.
        host = raw_host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise refused from exc
    host = host.rstrip(".")
    literal = _ip_literal(host)
    if literal is None and not _HOSTNAME_RE.fullmatch(host):
        raise refused
    if not _host_in(host, policy.allowed_hosts):
        raise refused
    if port == 0:
        raise refused
    port = port or DEFAULT_PORTS[scheme]
    shown_host = f"[{host}]" if literal is not None and literal.version == 6 else host
    host_header = shown_host if port == DEFAULT_PORTS[scheme] else f"{shown_host}:{port}"
    request_target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(
        url=url,
        scheme=scheme,
        host=host,
        port=port,
        host_header=host_header,
        request_target=request_target,
    )


def _host_in(host: str, allowed_hosts: frozenset[str]) -> bool:
    """True if ``allowed_hosts`` is empty, or ``host`` equals or is a subdomain of an entry."""
    if not allowed_hosts:
        return True
    for entry in allowed_hosts:
        entry = entry.lower().rstrip(".")
        if host == entry or host.endswith("." + entry):
            return True
    return False


def _ip_literal(host: str) -> IPAddress | None:
    """The address if ``host`` is a canonical IP literal, else ``None``."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _parse_networks(
    entries: frozenset[str],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Parse ``allowed_addresses``; a malformed entry is a configuration bug: ValueError."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in sorted(entries))


def _resolve(
    target: _Target,
    allowed_networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network],
    resolver: Resolver,
) -> list[IPAddress]:
    """Resolve the host and return its addresses, in resolver order, all checked.

    Raises ``url_not_allowed`` if ANY address is not public (one bad answer is
    enough for an attacker), and ``unreachable`` if the name does not resolve.
    """
    literal = _ip_literal(target.host)
    if literal is not None:
        candidates = [literal]
    else:
        try:
            infos = resolver(target.host, target.port, type=socket.SOCK_STREAM)
        except UnicodeError as exc:  # a label too long for DNS
            raise IngestError(errors.URL_NOT_ALLOWED) from exc
        except OSError as exc:  # socket.gaierror: no such name, or DNS down
            raise IngestError(errors.UNREACHABLE) from exc
        candidates = []
        for info in infos:
            family, sockaddr = info[0], info[4]
            if family not in (socket.AF_INET, socket.AF_INET6):
                raise IngestError(errors.URL_NOT_ALLOWED)
            try:
                candidates.append(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
            except ValueError as exc:
                raise IngestError(errors.URL_NOT_ALLOWED) from exc
    if not candidates:
        raise IngestError(errors.UNREACHABLE)
    addresses: list[IPAddress] = []
    for address in candidates:
        if not (_in_networks(address, allowed_networks) or _is_public(address)):
            raise IngestError(errors.URL_NOT_ALLOWED)
        if address not in addresses:
            addresses.append(address)
    return addresses


def _in_networks(
    address: IPAddress,
    networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> bool:
    """True if ``address`` (or the IPv4 address it maps) lies in one of ``networks``."""
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return any(address in net or (mapped is not None and mapped in net) for net in networks)


def _is_public(address: IPAddress) -> bool:
    """True if ``address`` is a globally routable unicast address.

    IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4, Teredo) are
    judged by the embedded address too, since the packet ends up there.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return _is_public(address.ipv4_mapped)
        if address in _NAT64:
            return _is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None and not _is_public(address.sixtofour):
            return False
        if address.teredo is not None and not all(_is_public(a) for a in address.teredo):
            return False
        if address.is_site_local:
            return False
    if any(address in net for net in _BLOCKED_NETWORKS):
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


# --- HTTP -----------------------------------------------------------------------


def _request(
    target: _Target, addresses: Sequence[IPAddress], policy: IngestPolicy
) -> tuple[urllib3.HTTPConnectionPool, urllib3.BaseHTTPResponse]:
    """Send the GET to the first checked address that accepts a connection.

    Returns the pool (caller closes it) and the unread response. Raises
    ``unreachable`` if no address answers.
    """
    headers = {
        "Host": target.host_header,
        "User-Agent": policy.user_agent,
        "Accept": "video/*, application/octet-stream;q=0.9, */*;q=0.1",
        # Compressed transfer would make Content-Length mean something else
        # and invite decompression bombs; videos do not compress anyway.
        "Accept-Encoding": "identity",
    }
    timeout = urllib3.Timeout(connect=policy.connect_timeout, read=policy.read_timeout)
    last_error: Exception | None = None
    for address in addresses[:MAX_CONNECT_ATTEMPTS]:
        pool = _pool_for(target, str(address), timeout)
        try:
            response = pool.urlopen(
                "GET",
                target.request_target,
                headers=headers,
                retries=False,
                redirect=False,
                preload_content=False,
                assert_same_host=False,
                timeout=timeout,
            )
        except (NewConnectionError, ConnectTimeoutError) as exc:
            # Nothing was sent yet, so trying the host's next address is safe.
            pool.close()
            last_error = exc
            continue
        except HTTPError as exc:
            pool.close()
            raise IngestError(errors.UNREACHABLE) from exc
        except BaseException:
            pool.close()
            raise
        return pool, response
    raise IngestError(errors.UNREACHABLE) from last_error


def _pool_for(target: _Target, ip: str, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    """A one-connection pool bound to the checked IP, never to the host name."""
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            ip,
            target.port,
            timeout=timeout,
            maxsize=1,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            # Verify the certificate against the name the user gave us, not the IP.
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(ip, target.port, timeout=timeout, maxsize=1, retries=False)


def _media_type(response: urllib3.BaseHTTPResponse) -> str:
    """The response's media type, lower case, without parameters; '' when absent."""
    value = response.headers.get("Content-Type", "")
    return value.split(";", 1)[0].strip().lower()


def _refused_media_type(media_type: str) -> bool:
    """True for types that are certainly not a video file (error pages, API answers)."""
    return (
        media_type.startswith("text/")
        or media_type in _NOT_VIDEO_TYPES
        or media_type.endswith(("+json", "+xml"))
    )


def _content_length(response: urllib3.BaseHTTPResponse) -> int | None:
    """The declared body length, or ``None`` when absent or unparseable."""
    value = response.headers.get("Content-Length", "").strip()
    return int(value) if value.isdigit() else None


def _save_body(
    response: urllib3.BaseHTTPResponse,
    target: _Target,
    policy: IngestPolicy,
    dest_dir: Path | None,
) -> DownloadedFile:
    """Stream the body to a temp file, verify it, and return it renamed to its final name."""
    media_type = _media_type(response)
    if _refused_media_type(media_type):
        raise IngestError(errors.NOT_A_VIDEO)
    declared = _content_length(response)
    if declared is not None and declared > policy.max_bytes:
        raise IngestError(errors.TOO_LARGE)

    part: Path | None = None
    try:
        # delete=False: on success the file outlives this block, under its final name.
        with tempfile.NamedTemporaryFile(
            mode="wb", delete=False, dir=dest_dir, prefix="ingest-", suffix=".part"
        ) as handle:
            part = Path(handle.name)
            size, digest = _stream(response, handle, policy)
        if size == 0:
            raise IngestError(errors.NOT_A_VIDEO)
        # Decoding untrusted bytes happens only in the sandbox's child process.
        inspection = _inspect(part, policy.inspection)
        content_type = _content_type_for(media_type, inspection.probe.container)
        final = part.with_suffix(_EXTENSIONS[content_type])
        os.replace(part, final)
    except BaseException:
        if part is not None:
            part.unlink(missing_ok=True)
        raise
    return DownloadedFile(
        path=final,
        size=size,
        sha256=digest,
        content_type=content_type,
        final_url=target.url,
        inspection=inspection,
    )


def _inspect(path: Path, limits: SandboxLimits) -> Inspection:
    """Probe and thumbnail ``path`` in the sandbox; every failure becomes an ``IngestError``."""
    try:
        return inspect_video(path, limits)
    except InspectionRefused as exc:
        raise IngestError(exc.code) from exc
    except SandboxError as exc:
        # Our fault, not the file's; the job fails rather than retrying the same bytes.
        logger.exception("video sandbox failed on a download")
        raise IngestError(errors.INTERNAL) from exc


def _stream(
    response: urllib3.BaseHTTPResponse, out: BinaryIO, policy: IngestPolicy
) -> tuple[int, str]:
    """Copy the body to ``out`` chunk by chunk; return ``(size, sha256 hex)``.

    Raises ``too_large`` before writing the chunk that would pass
    ``max_bytes``, and ``unreachable`` on read errors, timeouts, a body
    shorter than its ``Content-Length``, or ``total_timeout`` running out.
    """
    with _deadline(response, policy.total_timeout) as expired:

        def check(size: int) -> None:
            if size > policy.max_bytes:
                raise IngestError(errors.TOO_LARGE)
            if expired.is_set():
                # The watchdog cut the socket; what we read may end in a clean-looking EOF.
                raise IngestError(errors.UNREACHABLE)

        size, digest = _copy_body(response, out, policy, check)
    if expired.is_set():
        raise IngestError(errors.UNREACHABLE)
    return size, digest


def _unencoded_body(response: urllib3.BaseHTTPResponse) -> http.client.HTTPResponse | None:
    """The standard library response under ``response`` when its body needs no decoding."""
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    raw = getattr(response, "_fp", None)
    if encoding not in ("", "identity") or not isinstance(raw, http.client.HTTPResponse):
        return None
    return raw


def _copy_body(
    response: urllib3.BaseHTTPResponse,
    out: BinaryIO,
    policy: IngestPolicy,
    check: Callable[[int], None],
) -> tuple[int, str]:
    """Read the body into reused buffers, write and hash each (``copy_hashed``).

    Without a content coding the reads go straight from the socket into the buffers:
    ``http.client`` undoes chunked transfer coding itself and stops at ``Content-Length``,
    and a body that ends before it is refused here, as urllib3 would have. A body with a
    content coding (we asked for none) goes through urllib3's decoder, so ``check`` counts
    decoded bytes and a decompression bomb stops at ``max_bytes``. Errors reading are
    ``unreachable``; errors writing ``out`` (a full disk) propagate.
    """
    raw = _unencoded_body(response)
    readinto = raw.readinto if raw is not None else response.readinto

    def read(buffer: memoryview) -> int:
        try:
            return readinto(buffer)
        except (HTTPError, http.client.HTTPException, OSError, ValueError) as exc:
            raise IngestError(errors.UNREACHABLE) from exc

    size, digest = copy_hashed(
        read,
        out.write,
        chunk_size=policy.chunk_size,
        buffers=COPY_BUFFERS,
        check=check,
    )
    if raw is not None and raw.length:  # bytes the server announced and never sent
        raise IngestError(errors.UNREACHABLE)
    return size, digest


@contextlib.contextmanager
def _deadline(
    response: urllib3.BaseHTTPResponse, seconds: float | None
) -> Iterator[threading.Event]:
    """Shut the response's socket down after ``seconds``; yield an Event set when that happened.

    A read timeout only bounds each ``recv``; this bounds the whole transfer.
    """
    expired = threading.Event()
    if seconds is None:
        yield expired
        return

    def cut() -> None:
        expired.set()
        # The response may have finished or been released meanwhile.
        with contextlib.suppress(Exception):
            response.shutdown()

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    started = time.monotonic()
    timer.start()
    try:
        yield expired
    finally:
        timer.cancel()
        if time.monotonic() - started >= seconds:
            expired.set()


# --- Stored type --------------------------------------------------------------


def _content_type_for(media_type: str, container: Container) -> str:
    """The type to store, from the probed container; the server's word only picks the variant."""
    if container == "matroska":
        return "video/x-matroska" if media_type == "video/x-matroska" else "video/webm"
    return "video/quicktime" if media_type == "video/quicktime" else "video/mp4"
