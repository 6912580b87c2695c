"""Counting Chinese characters: how much of a line or element is prose rather than chrome."""
from __future__ import annotations

import re

_NON_CJK = re.compile(r"[^\u3400-\u9fff]+")


def cjk_count(text: str) -> int:
    """Number of CJK ideographs (the unified block and extension A) in the text."""
    return len(_NON_CJK.sub("", text))
