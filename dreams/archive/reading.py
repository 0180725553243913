"""Opening an uploaded journal archive without trusting a byte of it.

``JournalZip`` refuses, before anything is unpacked:

* a file that is not a ZIP, or whose end record declares more than ``IMPORT_MAX_MEMBERS``
  members or a central directory too large for them (read by hand first: ``zipfile``
  would build an entry for every member it lists);
* a name that is not one of ours (``layout.member_of``): absolute paths, ``..``,
  backslashes, drive letters, NUL, anything else; a name seen twice; links; encrypted
  members; compression other than stored or deflated;
* a member declared larger than its kind allows, a whole larger than
  ``IMPORT_MAX_UNPACKED_BYTES``, a large member compressed more than ``IMPORT_MAX_RATIO``
  times (a video barely compresses; a zip bomb compresses a thousandfold).

Unpacking then counts the bytes really produced and stops at the first one past the
member's bound or its declared size: the header is a claim, not a fact. Names are keys,
never paths: nothing is ever written where an archive says.

Every refusal is an ``ArchiveRefused`` carrying one plain sentence for the owner.
"""

from __future__ import annotations

import hashlib
import json
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings

from dreams.archive.layout import Member, member_max_bytes, member_of

CHUNK = 1024 * 1024
#: Members smaller than this are not held to the ratio: a short JSON of repeated words
#: may compress very well, and their own bounds (``layout``) keep them small anyway.
RATIO_FLOOR = 1024 * 1024
#: Room in the central directory for one member (fixed part, our names, extra fields).
_DIRECTORY_BYTES_PER_MEMBER = 1024

NOT_A_ZIP = "This is not a ZIP archive (or it is damaged). Choose a DreamJourney export."
# The end-of-central-directory record, the ZIP64 locator and ZIP64 record (APPNOTE 4.3.14-16).
_END = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")
_ZIP64_END_SIGNATURE = b"PK\x06\x06"
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    ValueError,  # UnicodeDecodeError in a name, a negative offset
    NotImplementedError,  # multi-disk archives, unknown compression
    struct.error,
)
# What reading a member may raise for bytes that lie: a bad CRC, a cut-off or corrupt
# stream, a local header that disagrees with the directory, overlapping members.
_MEMBER_ERRORS = (
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
    ValueError,
    NotImplementedError,
    struct.error,
)


class ArchiveRefused(Exception):
    """The archive cannot be imported; ``message`` says why, for its owner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _shown(name: str) -> str:
    """A member's name as a message may quote it: short, with no control characters."""
    text = name if len(name) <= 80 else name[:77] + "..."
    return json.dumps(text, ensure_ascii=False)


def _megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):g} MB"


def _declared_directory(fh: BinaryIO) -> tuple[int, int]:
    """(members, central directory bytes) as the archive's end record declares them."""
    fh.seek(0, 2)
    size = fh.tell()
    tail_size = min(size, _END.size + 0xFFFF)  # the record, then at most a 64 KB comment
    fh.seek(size - tail_size)
    tail = fh.read(tail_size)
    at = tail.rfind(_END_SIGNATURE)
    if at < 0 or len(tail) - at < _END.size:
        raise ArchiveRefused(NOT_A_ZIP)
    fields = _END.unpack_from(tail, at)
    members, directory_bytes = fields[4], fields[5]
    if members != 0xFFFF and directory_bytes != 0xFFFFFFFF:
        return members, directory_bytes
    # ZIP64: the locator just before the end record points at the real counts.
    locator_at = size - tail_size + at - _ZIP64_LOCATOR.size
    if locator_at < 0:
        return members, directory_bytes
    fh.seek(locator_at)
    locator = _ZIP64_LOCATOR.unpack(fh.read(_ZIP64_LOCATOR.size))
    if locator[0] != _ZIP64_LOCATOR_SIGNATURE:
        return members, directory_bytes
    fh.seek(locator[2])
    record = fh.read(_ZIP64_END.size)
    if len(record) < _ZIP64_END.size:
        raise ArchiveRefused(NOT_A_ZIP)
    zip64 = _ZIP64_END.unpack(record)
    if zip64[0] != _ZIP64_END_SIGNATURE:
        raise ArchiveRefused(NOT_A_ZIP)
    return zip64[7], zip64[8]


def _unsafe_path(name: str) -> bool:
    parts = name.split("/")
    return (
        "\x00" in name
        or "\\" in name
        or name.startswith("/")
        or (len(name) > 1 and name[1] == ":")  # C:..., a drive letter
        or any(part in ("..", ".") for part in parts)
    )


class JournalZip:
    """An uploaded archive whose names and declared sizes passed every check above.

    ``dreams`` maps a dream's id to its JSON member, ``videos`` a sha256 to its video
    member; ``manifest`` is the manifest's member (``None`` if missing). Use it as a
    context manager; it never closes the file it was given.
    """

    def __init__(self, fileobj: BinaryIO) -> None:
        self.dreams: dict[str, zipfile.ZipInfo] = {}
        self.videos: dict[str, zipfile.ZipInfo] = {}
        self.manifest: zipfile.ZipInfo | None = None
        try:
            members, directory_bytes = _declared_directory(fileobj)
            limit = settings.IMPORT_MAX_MEMBERS
            if members > limit or directory_bytes > limit * _DIRECTORY_BYTES_PER_MEMBER:
                raise ArchiveRefused(f"The archive holds more than {limit} files.")
            fileobj.seek(0)
            self._zip = zipfile.ZipFile(fileobj)
        except _ZIP_ERRORS as exc:
            raise ArchiveRefused(NOT_A_ZIP) from exc
        try:
            self._check_members()
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self) -> JournalZip:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._zip.close()

    def _check_members(self) -> None:
        infos = self._zip.infolist()
        if len(infos) > settings.IMPORT_MAX_MEMBERS:
            raise ArchiveRefused(
                f"The archive holds more than {settings.IMPORT_MAX_MEMBERS} files."
            )
        seen: set[str] = set()
        unpacked = 0
        for info in infos:
            name = info.orig_filename  # before zipfile cuts it at a NUL
            if _unsafe_path(name):
                raise ArchiveRefused(
                    f"{_shown(name)} is an unsafe path: an archive may only name its own files."
                )
            found = member_of(name)
            if found is None:
                raise ArchiveRefused(f"{_shown(name)} is not part of a DreamJourney journal.")
            if name in seen:
                raise ArchiveRefused(f"{_shown(name)} appears twice in the archive.")
            seen.add(name)
            kind, key = found
            self._check_member(info, kind)
            unpacked += info.file_size
            if unpacked > settings.IMPORT_MAX_UNPACKED_BYTES:
                raise ArchiveRefused(
                    "The archive unpacks to more than "
                    f"{_megabytes(settings.IMPORT_MAX_UNPACKED_BYTES)}, more than one import "
                    "may hold."
                )
            if kind == Member.MANIFEST:
                self.manifest = info
            elif kind == Member.DREAM:
                self.dreams[key] = info
            elif kind == Member.VIDEO:
                self.videos[key] = info

    def _check_member(self, info: zipfile.ZipInfo, kind: Member) -> None:
        shown = _shown(info.orig_filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ArchiveRefused(f"{shown} is a link; an archive may only hold plain files.")
        if info.flag_bits & 0x1:
            raise ArchiveRefused(f"{shown} is encrypted; export the journal again, unencrypted.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ArchiveRefused(f"{shown} uses a compression method we do not read.")
        if kind == Member.FOLDER:
            return
        limit = member_max_bytes(kind)
        if info.file_size > limit:
            raise ArchiveRefused(f"{shown} is larger than the {_megabytes(limit)} it may be.")
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise ArchiveRefused(f"{shown} is damaged: its sizes disagree.")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > settings.IMPORT_MAX_RATIO:
            raise ArchiveRefused(
                f"{shown} is compressed {ratio:,.0f} times, far more than a journal's files "
                "ever are: this looks like a zip bomb."
            )

    def _bound(self, info: zipfile.ZipInfo) -> int:
        found = member_of(info.orig_filename)
        assert found is not None  # every member passed _check_members
        return min(info.file_size, member_max_bytes(found[0]))

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """A small member's bytes, no more than its bound (``ArchiveRefused`` past it)."""
        bound = self._bound(info)
        try:
            with self._zip.open(info) as source:
                data = source.read(bound + 1)
        except _MEMBER_ERRORS as exc:
            raise ArchiveRefused(f"{_shown(info.orig_filename)} is damaged.") from exc
        if len(data) > bound:
            raise ArchiveRefused(f"{_shown(info.orig_filename)} holds more than its header says.")
        return data

    def read_json(self, info: zipfile.ZipInfo) -> Any:
        """A member parsed as strict JSON (UTF-8; no NaN or Infinity)."""
        shown = _shown(info.orig_filename)
        try:
            return json.loads(self.read(info).decode("utf-8"), parse_constant=_no_constant)
        except (UnicodeDecodeError, json.JSONDecodeError, ValueError, RecursionError) as exc:
            raise ArchiveRefused(f"{shown} is not valid JSON.") from exc

    def unpack(self, info: zipfile.ZipInfo, dest: Path) -> str:
        """Unpack a member into the new file ``dest``, within its bound; returns its sha256."""
        with dest.open("xb") as out:
            return self._read(info, out.write)

    def digest(self, info: zipfile.ZipInfo) -> str:
        """A member's sha256, read within its bound and written nowhere."""
        return self._read(info, None)

    def _read(self, info: zipfile.ZipInfo, write: Callable[[bytes], Any] | None) -> str:
        bound = self._bound(info)
        shown = _shown(info.orig_filename)
        digest = hashlib.sha256()
        read = 0
        try:
            with self._zip.open(info) as source:
                while chunk := source.read(CHUNK):
                    read += len(chunk)
                    if read > bound:
                        raise ArchiveRefused(f"{shown} holds more than its header says.")
                    digest.update(chunk)
                    if write is not None:
                        write(chunk)
        except _MEMBER_ERRORS as exc:
            raise ArchiveRefused(f"{shown} is damaged.") from exc
        if read != info.file_size:
            raise ArchiveRefused(f"{shown} is damaged: it is shorter than its header says.")
        return digest.hexdigest()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
