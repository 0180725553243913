"""Checks of a video prompt shared by the prompt tests and the analysis tests."""

from __future__ import annotations

import unicodedata

from videos.prompts import PROMPT_LIMIT, utf16_len


def assert_well_formed(prompt: str) -> None:
    """Non-empty, within the limit, valid UTF-16/UTF-8 (no lone surrogates), no controls."""
    assert prompt
    assert utf16_len(prompt) <= PROMPT_LIMIT
    prompt.encode("utf-16-le")  # strict: raises on a lone surrogate anywhere
    prompt.encode("utf-8")
    assert not 0xD800 <= ord(prompt[-1]) <= 0xDFFF
    assert not any(unicodedata.category(ch) == "Cc" for ch in prompt)
    assert "  " not in prompt
