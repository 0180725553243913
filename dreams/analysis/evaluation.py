"""Scoring an analyzer against labelled dreams: micro-averaged precision, recall and F1.

The labelled set lives in ``tests/data/dream_eval.json``: a list of
``{"title", "content", "emotions": [...], "symbols": [...]}`` (plus optional ``tags``
and ``split``). Emotions are compared as labels; symbols by canonical name
(:func:`dreams.analysis.lexicon.canonical_symbol`), so "glass lighthouse" matches a
label "lighthouse", "mom" matches "mother" and "wolves" matches "wolf". Used by the CI
test that guards the floor and by ``bench/analysis.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dreams.analysis.lexicon import canonical_symbol

EVAL_SET = Path(__file__).resolve().parents[2] / "tests" / "data" / "dream_eval.json"

Analyzer = Callable[..., Mapping[str, Any]]


@dataclass
class Score:
    """Micro-averaged counts: true positives, false positives, false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: set[str], expected: set[str]) -> None:
        self.tp += len(predicted & expected)
        self.fp += len(predicted - expected)
        self.fn += len(expected - predicted)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
        }


@dataclass
class Miss:
    """One dream's differences, for reading what the analyzer gets wrong."""

    title: str
    emotions_extra: list[str]
    emotions_missed: list[str]
    symbols_extra: list[str]
    symbols_missed: list[str]


@dataclass
class Report:
    emotions: Score = field(default_factory=Score)
    symbols: Score = field(default_factory=Score)
    dreams: int = 0
    misses: list[Miss] = field(default_factory=list)


def load(path: Path = EVAL_SET) -> list[dict[str, Any]]:
    """The labelled dreams."""
    return json.loads(path.read_text(encoding="utf-8"))


def _canonical(names: Iterable[object]) -> set[str]:
    return {c for n in names if isinstance(n, str) and (c := canonical_symbol(n))}


def _predicted_symbols(result: Mapping[str, Any]) -> set[str]:
    symbols = result.get("symbols")
    if isinstance(symbols, list) and symbols:
        return _canonical(s.get("name") for s in symbols if isinstance(s, Mapping))
    return _canonical(result.get("keywords") or [])


def evaluate(entries: Iterable[Mapping[str, Any]], analyse: Analyzer | None = None) -> Report:
    """Run ``analyse(title=, content=)`` on every entry and score it against the labels."""
    if analyse is None:
        from dreams.analysis.local import analyse_dream as analyse
    report = Report()
    for entry in entries:
        result = analyse(title=entry["title"], content=entry["content"])
        emotions = {e for e in result.get("emotions") or [] if isinstance(e, str)}
        expected_emotions = set(entry["emotions"])
        symbols = _predicted_symbols(result)
        expected_symbols = _canonical(entry["symbols"])
        report.emotions.add(emotions, expected_emotions)
        report.symbols.add(symbols, expected_symbols)
        report.dreams += 1
        if emotions != expected_emotions or symbols != expected_symbols:
            report.misses.append(
                Miss(
                    entry["title"],
                    sorted(emotions - expected_emotions),
                    sorted(expected_emotions - emotions),
                    sorted(symbols - expected_symbols),
                    sorted(expected_symbols - symbols),
                )
            )
    return report
