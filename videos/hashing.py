"""SHA-256 computed beside the I/O that produces the bytes, in a thread of its own.

hashlib releases the GIL while it hashes a chunk larger than 2 KiB, so a thread that
reads a download and writes it to disk, and a thread that hashes what was read, run at
the same time on two cores: the hash stops adding its time to the copy's.

:func:`copy_hashed` is the whole copy loop built on it: it reads into a few buffers it
reuses (no new object per chunk, no copy between the socket and the file) and hands each
one to the hashing thread, taking it back once hashed. When a copy ends its buffers are
kept for the next one (up to ``SPARE_BYTES``): memory touched once costs nothing the next
time, where a fresh buffer costs a page fault per 4 KiB page.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable
from types import TracebackType

Buffer = bytes | bytearray | memoryview

__all__ = ["THREAD_NAME", "BackgroundSha256", "copy_hashed"]

#: The hashing thread's name (what a thread dump or a test looks for).
THREAD_NAME = "background-sha256"
#: Bytes of buffers a process keeps between copies, all sizes together: one download's
#: worth at the ingest's chunk size (``videos.ingest``: 3 × 4 MiB). Faulting in 12 MiB of
#: fresh buffers took a 50 MB download 10-20% longer on a virtual machine
#: (bench/ingest.py). A process that never copies keeps nothing; copies running at the
#: same time take fresh buffers for what is not kept.
SPARE_BYTES = 12 * 1024 * 1024

_spare: dict[int, list[bytearray]] = {}
_spare_lock = threading.Lock()


class BackgroundSha256:
    """The SHA-256 of the chunks passed to :meth:`update`, hashed in a background thread.

    At most ``depth`` chunks wait between the caller and the hashing thread (``update``
    blocks while they do), so memory stays bounded however many bytes go through. Use it
    as a context manager: leaving the block, normally or by an exception, stops the thread
    and waits for it, so none outlives its block. An error in the hashing thread is
    raised to the caller, by the next ``update`` or by ``hexdigest``.

    Chunks must not change after they are passed in (``bytes`` never do).
    """

    def __init__(self, *, depth: int = 4) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self._chunks: queue.Queue[tuple[Buffer, Callable[[], object] | None] | None] = queue.Queue(
            maxsize=depth
        )
        self._sha = hashlib.sha256()
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._hash, name=THREAD_NAME, daemon=True)

    def __enter__(self) -> BackgroundSha256:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _hash(self) -> None:
        while (item := self._chunks.get()) is not None:
            chunk, then = item
            # After an error, keep taking chunks (and handing them back), so a caller
            # never blocks on a dead consumer.
            if self._error is None:
                try:
                    self._sha.update(chunk)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                    self._error = exc
            if then is not None:
                then()

    def update(self, chunk: Buffer, *, then: Callable[[], object] | None = None) -> None:
        """Queue ``chunk`` for hashing; waits while ``depth`` chunks are already queued.

        ``then``, if given, is called in the hashing thread once the thread is done with
        ``chunk`` (hashed or skipped after an error): from then on the caller may reuse
        the chunk's memory.

        Raises:
            ValueError: the hasher was closed.
            RuntimeError: called outside the ``with`` block.
            Exception: whatever hashing an earlier chunk raised, in the hashing thread.
        """
        if self._closed:
            raise ValueError("update() on a closed BackgroundSha256")
        if self._thread.ident is None:
            raise RuntimeError("BackgroundSha256 hashes inside a with block only")
        if self._error is not None:
            raise self._error
        self._chunks.put((chunk, then))

    def hexdigest(self) -> str:
        """The digest of every chunk passed in; waits for them, then closes the hasher.

        Raises whatever hashing a chunk raised, in the hashing thread.
        """
        self.close()
        if self._error is not None:
            raise self._error
        return self._sha.hexdigest()

    def close(self) -> None:
        """Let the thread hash what is queued, then stop it and wait for it (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            self._chunks.put(None)
            self._thread.join()

    @property
    def running(self) -> bool:
        """Whether the hashing thread is alive."""
        return self._thread.is_alive()


def copy_hashed(
    readinto: Callable[[memoryview], int | None],
    write: Callable[[memoryview], object],
    *,
    chunk_size: int,
    buffers: int = 3,
    check: Callable[[int], object] = lambda total: None,
) -> tuple[int, str]:
    """Copy from ``readinto`` to ``write`` until a read returns 0; return ``(size, sha256 hex)``.

    Reads go straight into ``buffers`` buffers of ``chunk_size`` bytes that are reused
    in turn, so memory stays at ``buffers * chunk_size`` however long the copy runs. Each
    filled buffer is written here and hashed at the same time in the hashing thread; a
    buffer is read into again only once that thread is done with it. ``check(total)``
    runs after each read with the bytes read so far, before that chunk is written: it
    may raise to stop the copy (the hashing thread is stopped and joined either way).
    """
    if buffers < 1:
        raise ValueError(f"buffers must be at least 1, got {buffers}")
    owned = _take_buffers(buffers, chunk_size)
    free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
    for buffer in owned:
        free.put(buffer)
    size = 0
    try:
        with BackgroundSha256(depth=buffers) as sha:
            while True:
                buffer = free.get()
                view = memoryview(buffer)
                read = readinto(view) or 0
                if not read:
                    break
                size += read
                check(size)
                chunk = view[:read]
                sha.update(chunk, then=lambda buffer=buffer: free.put(buffer))
                write(chunk)
            return size, sha.hexdigest()
    finally:
        # The hashing thread has been joined (leaving the with block waits for it), so
        # nothing reads these buffers any more.
        _give_back(owned)


def _take_buffers(count: int, size: int) -> list[bytearray]:
    """``count`` buffers of ``size`` bytes: kept ones first, then new ones."""
    with _spare_lock:
        kept = _spare.get(size, [])
        taken = [kept.pop() for _ in range(min(count, len(kept)))]
    return taken + [bytearray(size) for _ in range(count - len(taken))]


def _give_back(buffers: list[bytearray]) -> None:
    """Keep ``buffers`` for the next copy, as far as ``SPARE_BYTES`` allows."""
    with _spare_lock:
        held = sum(len(buffer) for kept in _spare.values() for buffer in kept)
        for buffer in buffers:
            if held + len(buffer) > SPARE_BYTES:
                return
            _spare.setdefault(len(buffer), []).append(buffer)
            held += len(buffer)
