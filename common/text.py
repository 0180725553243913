"""Text as people type it, without the control characters nothing can show.

Tab, newline and carriage return stay. Vertical tab and form feed are line breaks that
word processors put in pasted text (Word's manual line break is a vertical tab): they
become ``breaks``. Every other C0 control character is dropped: a page shows it as a
box, and XML 1.0 (the gallery's Atom feed) cannot hold it at all. NUL is left alone: it is
refused where text comes in (no database column can store it), not quietly dropped.
"""

from __future__ import annotations

from functools import cache

_KEPT = "\t\n\r"
_BREAKS = "\x0b\x0c"


@cache
def _table(breaks: str) -> dict[int, str | None]:
    table: dict[int, str | None] = {
        code: None for code in range(1, 0x20) if chr(code) not in _KEPT + _BREAKS
    }
    table.update({ord(ch): breaks for ch in _BREAKS})
    return table


def without_controls(text: str, *, breaks: str = "\n") -> str:
    """``text`` with vertical tabs and form feeds as ``breaks`` and other C0 controls gone."""
    return text.translate(_table(breaks))
