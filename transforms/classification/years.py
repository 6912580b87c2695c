"""The year a title or a link's text names: 2017年, 2017 年度, 二〇一七年, and, when asked, a lone
2017 (年度报告（2019）). The crawler reads link texts with it, classification reads titles."""
from __future__ import annotations

import re
from typing import Optional

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
