"""videos.hashing: SHA-256 in a thread beside the I/O, bounded, and never left running."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from videos.hashing import THREAD_NAME, BackgroundSha256, copy_hashed


def hashing_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


def test_the_digest_is_sha256_of_every_chunk_in_order() -> None:
    chunks = [os.urandom(size) for size in (1, 4096, 1 << 20, 3, 70_000)]

    with BackgroundSha256(depth=1) as sha:
        for chunk in chunks:
            sha.update(chunk)
        digest = sha.hexdigest()

    assert digest == hashlib.sha256(b"".join(chunks)).hexdigest()
    assert hashing_threads() == []


def test_nothing_fed_is_the_digest_of_nothing() -> None:
    with BackgroundSha256() as sha:
        assert sha.hexdigest() == hashlib.sha256().hexdigest()


def test_an_error_in_the_hashing_thread_reaches_the_caller_without_blocking_it() -> None:
    # hashlib refuses text: the hashing thread fails on the second chunk.
    with pytest.raises(TypeError), BackgroundSha256(depth=1) as sha:
        sha.update(b"first")
        sha.update("not bytes")  # type: ignore[arg-type]
        # Far more chunks than the queue holds: the failed thread still takes them all,
        # so the caller gets the error instead of waiting forever.
        for _ in range(100):
            sha.update(b"x" * 4096)
        sha.hexdigest()
    assert hashing_threads() == []


def test_an_error_in_the_caller_stops_and_joins_the_thread() -> None:
    with pytest.raises(RuntimeError, match="the download broke"), BackgroundSha256() as sha:
        sha.update(b"x" * 100_000)
        assert sha.running
        raise RuntimeError("the download broke")
    assert not sha.running
    assert hashing_threads() == []


def test_a_closed_hasher_takes_no_more_chunks() -> None:
    with BackgroundSha256() as sha:
        sha.hexdigest()
        with pytest.raises(ValueError):
            sha.update(b"late")


def test_it_only_hashes_inside_a_with_block() -> None:
    with pytest.raises(RuntimeError):
        BackgroundSha256().update(b"no thread to take it")


def test_the_queue_has_room_for_at_least_one_chunk() -> None:
    with pytest.raises(ValueError):
        BackgroundSha256(depth=0)


def _reader(data: bytes, *, most: int = 5000):
    """A readinto over ``data`` that returns at most ``most`` bytes per call, like a socket."""
    position = 0

    def readinto(buffer: memoryview) -> int:
        nonlocal position
        piece = data[position : position + min(len(buffer), most)]
        buffer[: len(piece)] = piece
        position += len(piece)
        return len(piece)

    return readinto


def test_copy_hashed_copies_and_hashes_through_reused_buffers() -> None:
    data = os.urandom(300_000)
    written: list[bytes] = []
    seen: set[int] = set()

    def write(chunk: memoryview) -> None:
        seen.add(id(chunk.obj))  # the buffer under the chunk
        written.append(bytes(chunk))

    size, digest = copy_hashed(_reader(data), write, chunk_size=4096, buffers=2)

    assert size == len(data)
    assert b"".join(written) == data
    assert digest == hashlib.sha256(data).hexdigest()
    assert len(seen) <= 2  # 74 chunks, never more than two buffers
    assert hashing_threads() == []


def test_copy_hashed_stops_when_check_raises_and_joins_the_thread() -> None:
    totals: list[int] = []

    def check(total: int) -> None:
        totals.append(total)
        if total > 10_000:
            raise OverflowError("too large")

    written: list[int] = []
    with pytest.raises(OverflowError):
        copy_hashed(
            _reader(bytes(100_000)), lambda c: written.append(len(c)), chunk_size=4096, check=check
        )
    assert totals == [4096, 8192, 12288]
    assert sum(written) == 8192  # the chunk that passed the limit was never written
    assert hashing_threads() == []


def test_copy_hashed_of_nothing() -> None:
    assert copy_hashed(_reader(b""), lambda c: None, chunk_size=16) == (
        0,
        hashlib.sha256().hexdigest(),
    )
