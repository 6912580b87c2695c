"""Numbers as Chinese reports print them: Arabic (commas, full-width digits, spaces), decimals,
Chinese numerals (三次, 十二件, 两起, 一千二百), and approximation markers (10余次, 200多条, 近千, 约).

`parse_approx` reads one token into a `Parsed`: its value and whether it was approximate (10余,
近200). `NUMBER_RE` finds tokens inside a sentence (used by the text extractor, which then checks
the unit and the words around the token). Table cells are read by `cells.cell_number` instead,
which gives a bare value.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_SMALL_UNITS) + "".join(_CN_BIG_UNITS)

APPROX_BEFORE = ("近", "约", "大约", "将近", "接近")
APPROX_AFTER = ("余", "多", "来")

# One number token: Arabic (with thousands separators, spaces between digit groups, decimals)
# or a run of Chinese numerals. An optional approximation marker on either side.
_ARABIC = r"\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CHINESE = r"[" + CN_CHARS + r"]+"
NUMBER_RE = re.compile(
    r"(?P<pre>大约|将近|接近|近|约)?(?P<num>" + _ARABIC + "|" + _CHINESE + r")(?P<post>余|多)?")


@dataclass(frozen=True)
class Parsed:
    value: float | int
    approx: bool = False


def to_halfwidth(text: str) -> str:
    """Full-width digits and punctuation to their ASCII forms (NFKC), keeping CJK as is."""
    return unicodedata.normalize("NFKC", text)


def _chinese_value(s: str) -> Optional[int]:
    """Value of a Chinese numeral such as 三, 十二, 一百零五, 两千, 三万二千, 一二三 (digit by digit)."""
    if not s or any(c not in CN_CHARS for c in s):
        return None
    if all(c in _CN_DIGITS for c in s):  # 二〇一七 style: digits only
        if len(s) == 1:
            return _CN_DIGITS[s]
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    total, section, digit = 0, 0, None
    for c in s:
        if c in _CN_DIGITS:
            if digit is not None and _CN_DIGITS[c] != 0 and digit != 0:
                return None  # two digits in a row inside a unit numeral: not a number
            digit = _CN_DIGITS[c]
        elif c in _CN_SMALL_UNITS:
            section += (1 if digit is None else digit) * _CN_SMALL_UNITS[c]
            digit = None
        else:  # 万 / 亿
            if digit is None and section == 0 and total == 0:
                return None  # a bare 万 is a unit, not a number
            section += digit or 0
            total = (total + section) * _CN_BIG_UNITS[c]
            section, digit = 0, None
    return total + section + (digit or 0)


def parse_approx(token: str) -> Optional[Parsed]:
    """The value of one printed number, and whether it is approximate: '2,681', '２６８１',
    '1 234', '104.4', '十二', '10余', '近200'.

    Returns None for anything that is not exactly one number.
    """
    if token is None:
        return None
    s = to_halfwidth(token).strip()
    approx = False
    for p in APPROX_BEFORE:
        if s.startswith(p):
            s, approx = s[len(p):], True
            break
    for p in APPROX_AFTER:
        if s.endswith(p) and len(s) > len(p):
            s, approx = s[: -len(p)], True
            break
    s = s.strip()
    compact = re.sub(r"(?<=\d)[\s,](?=\d{3}\b)|(?<=\d)[\s,](?=\d{3}(?!\d))", "", s)
    if re.fullmatch(r"\d+", compact):
        return Parsed(int(compact), approx)
    if re.fullmatch(r"\d+\.\d+", compact):
        v = float(compact)
        return Parsed(int(v) if v.is_integer() else v, approx)
    cn = _chinese_value(s)
    if cn is not None:
        return Parsed(cn, approx)
    return None
