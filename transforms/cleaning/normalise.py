"""Mainland simplified Chinese, ASCII digits, consistent punctuation and whitespace.

Traditional copies of mainland reports come from converters with different conventions:
plain character mapping, Hong Kong variants, or Taiwan phrase substitution (信息 -> 資訊).
We convert back only when the page is measurably traditional (converting simplified text
can change correct characters) and with the convention the page shows evidence of.
"""
from __future__ import annotations

from transforms import rules

import datetime as _dt
import re
from collections import Counter
from functools import lru_cache
from typing import Optional

import opencc

RULES = rules.load("normalise.yaml")

_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=None)
def converter(config: str) -> opencc.OpenCC:
    """One OpenCC object per configuration per process (building one loads dictionaries)."""
    return opencc.OpenCC(f"{config}.json")


# ---- traditional -> simplified ---------------------------------------------------------

def traditional_share(text: str, config: str = "t2s") -> tuple[float, int]:
    """(share of CJK characters that a conversion changes, how many such characters)."""
    counts = {c: n for c, n in Counter(text).items() if "\u3400" <= c <= "\u9fff"}
    total = sum(counts.values())
    if not total:
        return 0.0, 0
    chars = list(counts)
    converted = converter(config).convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # defensive: never expected with one char per line
        return 0.0, 0
    changed = sum(counts[c] for c, s in zip(chars, converted) if s != c)
    return changed / total, changed


def is_traditional(text: str) -> bool:
    share, n = traditional_share(text)
    return share >= RULES["traditional_share"] and n >= RULES["traditional_min_chars"]


def pick_convention(text: str) -> str:
    """tw2s+phrases, hk2s or tw2s, by the evidence the converted page carries.

    Taiwan phrase substitutions (資訊, 軟體) are looked up. Otherwise the character conversion
    that leaves fewer traditional characters behind wins: Hong Kong variants (衞, 門户) survive
    tw2s, and tw2s is preferred on a tie because it also maps the Taiwan variant 著 back to 着
    where the phrase needs it (著力 -> 着力), equal to t2s elsewhere.
    """
    tw = sum(1 for p in RULES["taiwan_evidence"] if p in text)
    sole = any(text.count(tw_term) >= RULES["taiwan_sole_min"] and main_term not in text
               for tw_term, main_term in RULES["taiwan_sole_terms"].items())
    if tw >= RULES["taiwan_min_hits"] or sole:
        return "tw2s+phrases"
    sample = text[:RULES["evidence_chars"]]
    left = {}
    for conv in ("tw2s", "hk2s"):
        out = converter(conv).convert(sample)
        left[conv] = traditional_share(out, "tw2s")[1] + traditional_share(out, "hk2s")[1]
    return "hk2s" if left["hk2s"] < left["tw2s"] else "tw2s"


_TW_PHRASES = RULES["taiwan_phrases"]
_TW_RE = re.compile("|".join(sorted(map(re.escape, _TW_PHRASES), key=len, reverse=True)))


def to_simplified(text: str, convention: str) -> str:
    """Convert with the chosen convention; Taiwan phrases are mapped back to mainland terms."""
    if convention == "tw2s+phrases":
        text = _TW_RE.sub(lambda m: _TW_PHRASES[m.group(0)], text)
        convention = "tw2s"
    return converter(convention).convert(text)


# ---- width, punctuation, whitespace ------------------------------------------------------

_KEEP_FULL = set(RULES["keep_fullwidth"])
_WIDTH_MAP = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP_FULL}
_WIDTH_MAP.update({0x3000: 0x20, 0xA0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20,
                   0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None, 0x00AD: None})
_CTX = r"[\u3001-\u303f\u3400-\u9fff\uff01-\uff0f\uff1a-\uff20“”‘’《》]"
_PAREN = re.compile(r"\(([^()\n]{0,80})\)")
_COMMA = re.compile(rf"(?<={_CTX}),|,(?={_CTX})")
_COLON = re.compile(rf"(?<={_CTX})\s*:")
_SEMI = re.compile(rf"(?<={_CTX});|;(?={_CTX})")
_BANG = re.compile(rf"(?<={_CTX})!")
_QMARK = re.compile(rf"(?<={_CTX})\?(?!\?)")
_SPACES = re.compile(r"[ \t\r\f\v]+")


def fold_width(text: str) -> str:
    """Full-width digits, letters and symbols to ASCII; odd spaces to a space; invisibles out."""
    return text.translate(_WIDTH_MAP)


def chinese_punctuation(text: str) -> str:
    """ASCII , ; : ( ) ! ? used in Chinese prose become their full-width forms.

    Between digits they stay ASCII ("1,234", "14:57").
    """
    if not any(c in text for c in ",;:()!?"):
        return text
    text = _PAREN.sub(_paren, text)
    text = _COMMA.sub("，", text)
    text = _COLON.sub("：", text)
    text = _SEMI.sub("；", text)
    text = _BANG.sub("！", text)
    return _QMARK.sub("？", text)


def _paren(m: re.Match) -> str:
    whole = m.group(0)
    start, end = m.span()
    before = m.string[start - 1:start]
    after = m.string[end:end + 1]
    if _CJK.search(m.group(1)) or _CJK.search(before) or _CJK.search(after):
        return f"（{m.group(1)}）"
    return whole


_OCR_MAP = str.maketrans(RULES["ocr_digit_letters"])
_OCR_LETTERS = "".join(RULES["ocr_digit_letters"])
_OCR_BETWEEN = re.compile(rf"(?<=\d)[{_OCR_LETTERS}]+(?=\d)")
_OCR_ZEROS = re.compile(rf"(?<=\d)[{''.join(RULES['ocr_zero_before_cjk'])}]+(?={_CJK.pattern})")


def ocr_digits(text: str) -> str:
    """Letters OCR put for digits inside a number back to digits ("346O85376" -> "346085376")."""
    if not any(c in text for c in _OCR_LETTERS):
        return text
    fix = lambda m: m.group(0).translate(_OCR_MAP)  # noqa: E731
    return _OCR_ZEROS.sub(fix, _OCR_BETWEEN.sub(fix, text))


def normalise_line(text: str) -> str:
    text = ocr_digits(chinese_punctuation(fold_width(text)))
    return _SPACES.sub(" ", text).strip()


# ---- dates -------------------------------------------------------------------------------

_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})")
_COMPACT = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})")
_PRINTED = re.compile(
    r"(?:发布|發布|發佈|公布|公佈|成文|印发|印發|生成|更新)?(?:时间|時間|日期)\s*[:：]?\s*"
    r"((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})")


def parse_date(text: str) -> Optional[str]:
    """ISO date from 2018-03-19, 2018/3/19, 2018年3月19日 or 20180319..., when valid."""
    text = fold_width(text or "").strip()
    m = _DATE.search(text) or _COMPACT.match(text)
    if not m:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def find_printed_date(text: str, limit: int = 20000) -> Optional[str]:
    """The first "发布时间/发布日期/公布日期/时间: <date>" printed on the page."""
    for m in _PRINTED.finditer(fold_width(text[:limit])):
        iso = parse_date(m.group(1))
        if iso:
            return iso
    return None
