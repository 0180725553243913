"""Write one bench's section of ``bench/RESULTS.md`` without touching the others.

A section lives between ``<!-- name:start -->`` and ``<!-- name:end -->``. Several benches
(and several people) update RESULTS.md; each rewrites only its own markers' contents, so
one re-run never clobbers another's numbers. A section not yet marked is found by its
heading (up to the next ``## ``) and replaced; a section not there at all is appended.
"""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def wrap(name: str, body: str) -> str:
    """``body`` between the section's markers, as RESULTS.md holds it."""
    start, end = markers(name)
    return f"{start}\n{body.strip()}\n{end}"


def write_section(name: str, body: str, *, heading: str, path: Path = RESULTS) -> None:
    """Put ``body`` (which starts with ``heading``) in place of section ``name`` in ``path``."""
    start, end = markers(name)
    section = wrap(name, body)
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section + rest.split(end, 1)[1]
    elif (at := text.find(heading)) != -1:
        # Up to the next heading, or the next section's start marker if that comes first.
        ends = [text.find(edge, at + len(heading)) for edge in ("\n## ", "\n<!-- ")]
        following = min((end for end in ends if end != -1), default=-1)
        tail = "\n" + text[following + 1 :] if following != -1 else ""
        text = text[:at] + section + "\n" + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)
