"""Text of table cells and labels: normalisation for matching, and numbers as printed."""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

_SPACE = re.compile(r"\s+")
# Punctuation that varies between copies of the same label; folded to one form.
_FOLD = str.maketrans({
    "（": "(", "）": ")", "、": ".", "．": ".", "。": ".", "／": "/", "“": '"', "”": '"',
    "‘": "'", "’": "'", "，": ",", "：": ":", "；": ";", "﹙": "(", "﹚": ")",
    "【": "(", "】": ")", "〔": "[", "〕": "]", "［": "[", "］": "]",
    "「": '"', "」": '"', "『": '"', "』": '"', "〝": '"', "〞": '"',
})
# Characters printed for one another in the same label; folded to the form the rules list.
_WORDS = (("其它", "其他"),)


def norm(text: str) -> str:
    """Label as compared: NFKC, no whitespace, punctuation variants folded."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.translate(_FOLD)
    for variant, form in _WORDS:
        text = text.replace(variant, form)
    return _SPACE.sub("", text)


# A whole cell that is a number: optional sign, digits with optional thousands separators, decimals.
_NUMBER = re.compile(r"^([+\-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")
_TWO_NUMBERS = re.compile(r"\d\s+\d")


def is_blank(cell: str) -> bool:
    """A cell with no value: empty, '/', dashes. Not the same as 0."""
    return norm(cell).replace("/", "") in ("", "-", "—", "——", "–", "\\", "无", "--", "---")


COUNT_UNITS = "件项条个次人"


def cell_number(cell: str, units: str = COUNT_UNITS) -> Optional[float | int]:
    """The number a whole cell prints (a bare value: cells print no 余/约), or None (blank, text, several numbers).

    A trailing unit among `units` is allowed ("12件"); any other ("3万") makes it not a plain
    number, so a count never loses a 万. Money cells pass their own units (see parse_money).
    """
    if _TWO_NUMBERS.search(cell or ""):
        return None
    s = norm(cell).replace("−", "-").replace("－", "-")
    s = s.replace("增加", "+").replace("减少", "-").replace("增", "+").replace("减", "-")
    s = s.rstrip(units)
    m = _NUMBER.match(s)
    if not m:
        return None
    sign, whole, frac = m.groups()
    whole = whole.replace(",", "")
    if frac:
        value: float | int = float(whole + frac)
    else:
        value = int(whole)
    return -value if sign == "-" else value


# Numbering printed before a row label: "（一）", "1.", "1、", "一、", "(1)", and "①" (a bare
# digit before the label once normalised).
_NUMBERING = re.compile(r"^(?:\([一二三四五六七八九十\d]+\)|[一二三四五六七八九十]+\.|\d+\.(?!\d)|\d{1,2}(?=[\u3400-\u9fff]))+")


def strip_numbering(label: str) -> str:
    """A normalised label without its leading numbering."""
    return _NUMBERING.sub("", label)


def label_matches(label: str, variant: str) -> bool:
    """Normalised label equals the variant, or contains it when the variant is specific (4+ chars)."""
    return label == variant or (len(variant) >= 4 and variant in label)


def parse_money(cell: str) -> Optional[float | int]:
    """The amount a money cell prints, its unit (元 / 万元) left aside."""
    return cell_number(norm(cell).replace("万元", "").replace("元", ""), units="")


def money_unit(*texts: str) -> Optional[str]:
    """The money unit printed in any of the texts (cell first): 万元 or 元, else None."""
    for text in texts:
        t = norm(text)
        if "万元" in t:
            return "万元"
        if "元" in t:
            return "元"
    return None


def drop_repeats(parts: list[str]) -> list[str]:
    """Parts of a label without empties and without the repeats a merged cell leaves
    (a label cut across merged cells: ["政府信息", "政府信息", "公开"] -> ["政府信息", "公开"])."""
    out: list[str] = []
    for p in parts:
        if p and (not out or out[-1] != p):
            out.append(p)
    return out
