"""A table whose layout is gone, as a stream: label text and the runs of values between labels.

Copies of a report (text archives, mirrors, text pasted from Word, PDF or OCR text) may print a
table with its cells separated by spaces, bars, line breaks, or nothing at all. Whatever the
separators, the labels are the same words: the stream keeps every character, drops whitespace
and bars except where they stand between two values (there they are a cell boundary, kept as one
space), and cuts the text into (label, values) segments.

Numbering glued to the values before it ("00000002.其他法律…", "3460853762、政府公报…") belongs
to the next label: the digits that continue the numbering of the list ("1." then "2.") are cut
off the run of values; otherwise one digit is.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

from transforms.metrics.digit_runs import BLANK_MARKS, GROUPED, MARK as _MARK

_VALUE_CHAR = set("0123456789.+" + BLANK_MARKS)
_SEPARATOR = re.compile(r"[\s|｜\u200b\u200c\u200d\ufeff]+")
_NUMBER = r"[+\-]?(?:" + GROUPED + r"|\d+(?:\.\d+)?)"
# A run of values: numbers and blank marks, with or without a space between them.
_ZONE = re.compile(rf"(?:{_NUMBER}|{_MARK})(?: ?(?:{_NUMBER}|{_MARK}))*")
_NUMBERING_PUNCT = ".、"
_INEXACT = re.compile(r"万(?!元)|[亿千百余多]")  # after a number: not the number as printed
_CIRCLED = re.compile("[\u2460-\u2473]")  # ① .. ⑳
_LAST_NUMBERING = re.compile(r"(?<![\d.])(\d{1,2})[.、](?!\d)")
_UPPER_NUMBERING = re.compile(r"\([一二三四五六七八九十]{1,3}\)|[一二三四五六七八九十]{1,3}、")
MAX_NUMBERING = 20  # a list numbered further is unheard of in these tables


def stream(text: str) -> str:
    """The text as compared: NFKC (full-width digits and punctuation folded), separators gone
    except one space between two values."""
    t = _CIRCLED.sub(lambda m: f"({ord(m.group(0)) - 0x245F})", text or "")
    t = unicodedata.normalize("NFKC", t)  # (after the circled numbers: NFKC makes ① a bare 1)

    def sep(m: re.Match) -> str:
        a = t[m.start() - 1] if m.start() else ""
        b = t[m.end()] if m.end() < len(t) else ""
        return " " if a in _VALUE_CHAR and b in _VALUE_CHAR and a and b else ""

    return _SEPARATOR.sub(sep, t)


@dataclass
class Segment:
    """Label text and the run of values printed after it ("" when none)."""
    label: str
    values: str
    start: int  # where the label starts in the stream
    end: int  # where the values end
    exact: bool = True  # False: the last value goes on with a magnitude or "about" ("3万", "10余")


def segments(s: str, start: int = 0, end: Optional[int] = None) -> list[Segment]:
    """(label, values) pairs of the stream between start and end.

    A number in parentheses ("(1)") or a bare numbering before a label ("公开1.属于…") is label
    text, not a value."""
    end = len(s) if end is None else end
    out: list[Segment] = []
    label_start = start
    last_numbering: Optional[int] = None
    pos = start
    while pos < end:
        m = _ZONE.search(s, pos, end)
        if m is None:
            break
        a, b = m.span()
        if _is_label_number(s, a, b):
            pos = b
            continue
        zone = m.group(0)
        label = s[label_start:a]
        # The list the next label's numbering continues ("1." ... "2."), kept over "其中" rows;
        # a new item of the level above ("(三)", "四、") starts a new list.
        marks = [(m.start(), int(m.group(1))) for m in _LAST_NUMBERING.finditer(label)]
        upper = [m.start() for m in _UPPER_NUMBERING.finditer(label)]
        if upper and (not marks or upper[-1] > marks[-1][0]):
            last_numbering = None
        elif marks:
            last_numbering = marks[-1][1]
        cut = _numbering_cut(s, zone, b, last_numbering)
        if cut == len(zone):  # the whole run is the next label's numbering
            pos = b
            continue
        exact = not (cut == 0 and _INEXACT.match(s, b))
        out.append(Segment(label, zone[:len(zone) - cut].rstrip(), label_start, b - cut, exact))
        label_start = b - cut
        pos = b
    if label_start < end:
        out.append(Segment(s[label_start:end], "", label_start, end))
    return out


def _is_label_number(s: str, a: int, b: int) -> bool:
    """"(1)", "第2项", "增/减" and the like: a number or a mark inside a label."""
    before = s[a - 1] if a > 0 else ""
    after = s[b] if b < len(s) else ""
    if all(c in BLANK_MARKS for c in s[a:b]):
        return bool(before) and bool(after) and not (before in _VALUE_CHAR or after in _VALUE_CHAR)
    if before == "第" and after in "项条款":
        return True
    if b - a > 4 or " " in s[a:b]:
        return False  # a row of values (printed inside a wrapped label, maybe): not a remark
    opened = s.rfind("(", max(0, a - 40), a)  # inside a remark: "(不同方式回应同一热点计1次)"
    return opened >= 0 and ")" not in s[opened:a] and ")" in s[b:b + 40]


def _numbering_cut(s: str, zone: str, b: int, last: Optional[int]) -> int:
    """How many characters at the end of a run of values are the numbering of the next label."""
    after = s[b:b + 2]
    if len(after) < 2 or after[0] not in _NUMBERING_PUNCT or after[1].isdigit():
        return 0
    tail = zone.rsplit(" ", 1)[-1]
    if not tail.isdigit():
        return 0
    want = str((last or 0) + 1)
    if tail == want and (" " in zone or len(zone) <= 2):
        return len(tail)  # "0 0 0 2." or "公开1.": the numbering printed apart
    if len(tail) > len(want) and tail.endswith(want):
        return len(want)  # "00000002.": the list's next number ran into the last value
    if len(zone) <= 2 and zone.isdigit() and int(zone) <= MAX_NUMBERING:
        return len(zone)  # "1." right after a label: numbering only
    return 1 if tail[-1] != "0" else 0
