"""Which statistical template a report prints: 2019 (国办公开办函〔2019〕60号) or 2021 (〔2021〕30号).

Decided from the labels each template alone prints, never from the year: a 2021 report may
still use the 2019 tables and the other way round.
"""
from __future__ import annotations

from transforms import rules

from typing import Optional


from transforms.cells import norm



def _markers(name: str) -> tuple[str, ...]:
    data = rules.load(name)
    return tuple(norm(m) for m in data["markers"])


_MARKERS = {"2019": _markers("template_2019.yaml"), "2021": _markers("template_2021.yaml")}
MIN_MARKERS = 2  # one label alone can be quoted in prose; a table prints several


def marker_counts(text: str) -> dict[str, int]:
    """How many distinct markers of each template the text prints."""
    flat = norm(text)
    return {fmt: sum(1 for m in marks if m in flat) for fmt, marks in _MARKERS.items()}


def detect_format(text: str) -> Optional[str]:
    """'2019', '2021' or None when the text prints neither template clearly."""
    counts = marker_counts(text)
    best = max(counts, key=counts.get)
    other = min(counts, key=counts.get)
    if counts[best] < MIN_MARKERS or counts[best] == counts[other]:
        return None
    return best
