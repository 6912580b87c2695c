"""Statistical years asked for (`--years`): one parser, one type, one text form. And the year
a title or a link's text names (`year_in`): classification reads titles with it, the crawler
link texts.

'2019-2021', '2020' and '2015-2016,2019' parse to a `Years`; its str() is the canonical text
(the form a crawler's argv and a run's parameters carry) and parses back to the same value.
None stands for every year. Pure: the plausible span (not later than next year) is the
caller's check, since it needs the clock.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Union


class BadYears(ValueError):
    """Text that is not a list of years or year ranges."""


@dataclass(frozen=True)
class Years:
    values: frozenset

    @classmethod
    def parse(cls, text: Optional[str]) -> Optional["Years"]:
        """'2019-2021' | '2020' | '2015-2016,2019' -> Years; None -> None (every year)."""
        if text is None:
            return None
        years: set[int] = set()
        for part in str(text).split(","):
            bounds = [b.strip() for b in part.split("-")]
            if len(bounds) not in (1, 2) or not all(b.isdigit() for b in bounds):
                raise BadYears(f"bad year range {text!r}: expected Y1-Y2, e.g. 2019-2023")
            first, last = int(bounds[0]), int(bounds[-1])
            if first > last:
                raise BadYears(f"bad year range {text!r}: {first} is after {last}")
            years.update(range(first, last + 1))
        return cls(frozenset(years))

    @classmethod
    def of(cls, value: Union[None, str, "Years", Iterable[int]]) -> Optional["Years"]:
        """Years from what an API caller passes: None or '' (every year), text, or years."""
        if value is None or value == "":
            return None
        if isinstance(value, Years):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        return cls(frozenset(int(y) for y in value))

    def __contains__(self, year) -> bool:
        return year in self.values

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self.values))

    def __len__(self) -> int:
        return len(self.values)

    @property
    def first(self) -> int:
        return min(self.values)

    @property
    def last(self) -> int:
        return max(self.values)

    def as_list(self) -> list[int]:
        return sorted(self.values)

    def __str__(self) -> str:
        """Runs of consecutive years as Y1-Y2, joined by commas: '2015-2016,2019'."""
        runs: list[list[int]] = []
        for y in self:
            if runs and y == runs[-1][1] + 1:
                runs[-1][1] = y
            else:
                runs.append([y, y])
        return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def as_text(years: Optional[Years]) -> Optional[str]:
    """The canonical text of the years, None for every year."""
    return None if years is None else str(years)


# ---- the year a text names
_ARABIC = re.compile(r"((?:19|20)\d{2})\s*年")
_CHINESE = re.compile(r"((?:一九|二[〇○零ＯO])[〇○零ＯO一二三四五六七八九]{2})\s*年")
_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3",
              "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
# Not part of a date or a number: 2020-01-20, 12.2019, 20191 are no years.
_BARE = re.compile(r"(?<![\d.\-/])((?:19|20)\d{2})(?![\d.\-/])")


def year_in(text: Optional[str], *, bare: bool = False) -> Optional[int]:
    """The first year written with 年 (Arabic before Chinese numerals), else with `bare` the
    first lone 19xx/20xx, else None."""
    if not text:
        return None
    m = _ARABIC.search(text)
    if m:
        return int(m.group(1))
    m = _CHINESE.search(text)
    if m:
        return int("".join(_CN_DIGITS[c] for c in m.group(1)))
    m = _BARE.search(text) if bare else None
    return int(m.group(1)) if m else None
