"""videos.hashing: SHA-256 in a thread beside the I/O, bounded, and never left running."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from videos import hashing
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


def _buffers_used(data: bytes, chunk_size: int) -> set[int]:
    seen: set[int] = set()
    copy_hashed(_reader(data), lambda chunk: seen.add(id(chunk.obj)), chunk_size=chunk_size)
    return seen


def test_the_next_copy_reuses_the_buffers_the_last_one_left(monkeypatch) -> None:
    # Memory touched once costs no page faults the next time.
    monkeypatch.setattr(hashing, "_spare", {})
    data = os.urandom(50_000)

    first = _buffers_used(data, 4096)
    second = _buffers_used(data[:9000], 4096)

    assert len(first) == 3
    assert second <= first
    # A reused buffer still holding the last copy's bytes gives the right answer.
    assert copy_hashed(_reader(b"short"), lambda c: None, chunk_size=4096) == (
        5,
        hashlib.sha256(b"short").hexdigest(),
    )


def test_buffers_kept_between_copies_stay_within_spare_bytes(monkeypatch) -> None:
    monkeypatch.setattr(hashing, "_spare", {})
    monkeypatch.setattr(hashing, "SPARE_BYTES", 2 * 4096)

    _buffers_used(os.urandom(50_000), 4096)
    _buffers_used(os.urandom(50_000), 1024)  # another size: nothing left to keep it

    assert {size: len(kept) for size, kept in hashing._spare.items()} == {4096: 2}


def test_copies_at_the_same_time_never_share_a_buffer(monkeypatch) -> None:
    monkeypatch.setattr(hashing, "_spare", {})
    _buffers_used(os.urandom(50_000), 4096)  # leaves three buffers behind
    release = threading.Barrier(2, timeout=10)
    used: list[set[int]] = [set(), set()]

    def copy(n: int) -> None:
        def write(chunk: memoryview) -> None:
            used[n].add(id(chunk.obj))
            if len(used[n]) == 3:
                release.wait()  # both copies hold all their buffers at once

        copy_hashed(_reader(os.urandom(50_000)), write, chunk_size=4096)

    threads = [threading.Thread(target=copy, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(used[0]) == len(used[1]) == 3
    assert not used[0] & used[1]


def test_a_failed_copy_gives_its_buffers_back(monkeypatch) -> None:
    monkeypatch.setattr(hashing, "_spare", {})

    def check(total: int) -> None:
        raise OverflowError("too large")

    with pytest.raises(OverflowError):
        copy_hashed(_reader(bytes(10_000)), lambda c: None, chunk_size=4096, check=check)

    assert len(hashing._spare[4096]) == 3
    assert hashing_threads() == []
