"""RawPage to Page: simplified text, chrome and spam removed, each part of the body once.

Works on lines (prose blocks split at newlines) and keeps table blocks whole. Steps, in order:
normalise script and width; repair text extracted from PDFs (spaced numbers, page numbers,
running headers, lines broken mid-sentence); remove spam (recorded) and chrome (not recorded);
collapse a body printed twice; cut the wrapper before the report's start and after its end.
Patterns are data: rules/boilerplate.yaml and rules/spam.yaml.
"""
from __future__ import annotations

from transforms import rules

import re
import unicodedata
from typing import Callable, Optional


from transforms.cjk import cjk_count
from transforms.cleaning import metadata, normalise
from transforms.sources.html_tables import grid_text
from transforms.model import Block, Page, RawPage

BOILER = rules.load("boilerplate.yaml")
SPAM = rules.load("spam.yaml")

_LINE_CHROME = [re.compile(p) for p in BOILER["line_patterns"]]
_INLINE_CHROME = [re.compile(p) for p in BOILER["inline_patterns"]]
_TOOLBAR = frozenset(BOILER["toolbar_words"])
_TOOLBAR_SPLIT = re.compile(r"[\s|｜/·•【】\[\]（）()]+")
_REPORT_TITLE = re.compile(BOILER["report_title"])
_NAMED_REPORT = re.compile(BOILER["named_report"])
# A header line: a label of the page's metadata ("发布日期：…"), never the report's title or text.
_HEADER = re.compile(rf"^(?:{BOILER['header_labels']}|{metadata.LABEL_ALT})\s*[：:]")
_SIGNOFF_ORG = re.compile(BOILER["signoff_org"])
_HEADING = re.compile(rf"^{BOILER['heading']}")
_UNIT_NUMBER = re.compile(rf"\d\s*(?:{BOILER['units']})")

_SPAM_INLINE = [(tuple(str(t).lower() for t in r["triggers"]), re.compile(r["pattern"])) for r in SPAM["inline"]]
_SPAM_LINE_WORDS = re.compile(SPAM["spam_line_words"], re.I)
_SHOP_LINES = [re.compile(p) for p in SPAM["shop_lines"]]
_SHOP_WORDS = re.compile(SPAM["shop_words"])
_FARM_LINES = re.compile("|".join(f"(?:{p})" for p in SPAM["farm_lines"]))
_PINYIN = re.compile(SPAM["pinyin_annotation"])
_STUFF_SPLIT = re.compile(r"[，,、|｜；;/\s]+")
_OFFICIAL_MAIL = re.compile(rf"@[\w.-]*({SPAM['official_mail_domains']})$", re.I)

_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[\w\u3400-\u9fff]")
_KEY_DROP = re.compile(r"[^\w\u3400-\u9fff]+")
# A leading "-" is a bullet only when no digit follows: "-8" in a 本年增/减 cell is a number.
_BULLET = re.compile(r"^(?:[\s•·●◆■□▪▶►>*]|-(?!\s*\d))+")
_SENTENCE_END = tuple("。！？；：…”’）》」』!?;:)")
_CN_DATE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_NUMBER_WITH_UNIT = re.compile(rf"^\d[\d,.]*\s*(?:{BOILER['units']}|{BOILER['measure_words']})")
_ISO_DATE = re.compile(r"(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}")
# A row of an unruled PDF table: a short label, then two or more numbers apart ("规章 1 0 11").
_TABLE_ROW = re.compile(r"^(?:\d{1,2}[.、．])?[^\d。，；]{0,40}?[-+]?\d[\d,.]*%?(?:[ \t]+[-+]?\d[\d,.]*%?)+$")
_NUMERIC_CELL = re.compile(r"^[-+]?\d[\d,.]*\s*%?$")
_PAGE_NO = re.compile(
    r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|"
    r"\d{1,4}\s*/\s*\d{1,4}|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$")
_BARE_NUMBER = re.compile(r"^\d{1,4}$")
# PDF spacing: "2018 年", "为 78 件", "38 091条", "2 0 1 8年"
_SP_CJK_DIGIT = re.compile(r"(?<=[\u3400-\u9fff，。；：、（）《》“”])[ ]+(?=[\d%])")
_SP_DIGIT_CJK = re.compile(rf"(?<=[\d%])[ ]+(?=(?:{BOILER['units']}|{BOILER['measure_words']})|[，。；：、（）《》“”])")
_SP_IN_NUMBER = re.compile(rf"\d(?:[ ]\d+)+(?=\s*(?:{BOILER['units']}|{BOILER['measure_words']}))")
_SP_PUNCT = re.compile(r"[ ]+(?=[，。；：、）》”！？])|(?<=[，。；：、（《“！？])[ ]+")
_SP_CJK_CJK = re.compile(r"(?<=[\u3400-\u9fff])[ ](?=[\u3400-\u9fff])")

MAX_PROSE_BEFORE_TITLE = 300  # characters of prose a wrapper may put above a report's title
LONG = 30  # characters: a line this long with sentence punctuation is prose, not chrome



# ---- entry point ---------------------------------------------------------------------------

def clean_page(raw: RawPage) -> Page:
    # A plain text copy may be hard-wrapped (a PDF's own lines are read by join_broken_lines).
    blocks = unwrap_fixed_width(raw.blocks) if raw.kind == "text" else raw.blocks
    lines = _to_lines(blocks)
    all_text = "\n".join(b.text for b in lines)
    traditional = normalise.is_traditional(all_text)
    convention = normalise.pick_convention(all_text) if traditional else None
    lines = [_strip_markdown(_normalise_block(b, convention)) for b in lines]
    lines, pinyin_warnings = strip_pinyin(lines)
    meta, lines = metadata.read(lines)
    spam: list[str] = []
    title = _normalise_title(raw.title or meta.title, convention, spam)
    published = raw.meta.get("published_date") or normalise.parse_date(meta.date or "") \
        or normalise.find_printed_date("\n".join(b.text for b in lines[:60]))

    lines = [b for b in (_repair_spacing(b) for b in lines) if b.text]
    lines = drop_page_furniture(lines, raw.kind)
    lines = remove_spam(lines, spam)
    record_aside_spam(raw.meta.get("aside_text") or [], convention, spam)
    record_outside_spam(raw.meta.get("outside_text") or [], convention, spam)
    lines = remove_chrome(lines)
    lines = join_split_figures(lines)
    lines = join_split_title(lines)
    lines = join_broken_lines(lines, wrap_width(lines) if raw.kind == "pdf" else None)
    lines, warnings = collapse_repeats(lines)
    warnings = pinyin_warnings + warnings
    lines = trim_wrapper(lines, title)

    tkey = _key(title) if title else ""
    report_title = next((b.text for b in lines[:40] if len(tkey) >= 6 and _key(b.text) == tkey and _is_report_title(b.text)),
                        None) or next((b.text for b in lines[:40] if _is_report_title(b.text)), None) \
        or _named_report(lines[:10])
    meta_fields = {k: v for k, v in (("publisher", meta.publisher), ("column", meta.column),
                                     ("source_url", meta.source_url)) if v}
    # A file's own title property may be a stale template's ("关于…的通知"): only a title the
    # page shows (an HTML page's, a metadata block's, or one printed atop the body) is its own.
    shown = title if (meta.title or raw.kind == "html" or
                      any(tkey and _key(b.text) == tkey for b in lines[:40])) else None
    return Page(kind=raw.kind, blocks=lines, title=report_title or title,
                published_date=published, traditional_source=traditional,
                spam_removed=list(dict.fromkeys(spam)), warnings=warnings,
                own_title=shown, meta=meta_fields)


_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_TABLE_ROW = re.compile(r"^\|.*\|$")


def _strip_markdown(b: Block) -> Block:
    """A Markdown copy's heading marks and emphasis ("# **…年度报告**") are not text."""
    if b.is_table or not any(c in b.text for c in "#*_"):
        return b
    text = _MD_EMPHASIS.sub(r"\2", _MD_HEADING.sub("", b.text)).strip("* ")
    return Block(text, page_no=b.page_no) if text != b.text else b


def _to_lines(blocks: list[Block]) -> list[Block]:
    out = []
    for b in blocks:
        if b.is_table:
            out.append(b)
            continue
        out.extend(Block(line.strip(), page_no=b.page_no) for line in (b.text or "").split("\n") if line.strip())
    return out


def _normalise_block(b: Block, convention: Optional[str]) -> Block:
    def norm(s: str) -> str:
        if convention:
            s = normalise.to_simplified(s, convention)
        return normalise.normalise_line(s)

    if b.is_table:
        grid = [[norm(c) for c in row] for row in b.table]
        return Block(grid_text(grid), table=grid, page_no=b.page_no)
    return Block(norm(b.text), page_no=b.page_no)


def _normalise_title(title: Optional[str], convention: Optional[str], removed: list[str]) -> Optional[str]:
    if not title:
        return None
    if convention:
        title = normalise.to_simplified(title, convention)
    title = cut_inline_spam(normalise.normalise_line(title), removed)
    return title.strip() or None


def strip_pinyin(lines: list[Block]) -> tuple[list[Block], list[str]]:
    """Remove the pinyin a mirror printed after characters ("政(zheng)府"), when the page has many."""
    hits = sum(len(_PINYIN.findall(b.text)) for b in lines if "（" in b.text or "(" in b.text)
    if hits < SPAM["pinyin_min_hits"]:
        return lines, []
    out = []
    for b in lines:
        if b.is_table:
            grid = [[_PINYIN.sub("", c) for c in row] for row in b.table]
            out.append(Block(grid_text(grid), table=grid, page_no=b.page_no))
        else:
            out.append(Block(_PINYIN.sub("", b.text), page_no=b.page_no))
    return out, [f"pinyin annotations after characters removed ({hits})"]


# ---- PDF repairs ---------------------------------------------------------------------------

def repair_spacing(text: str) -> str:
    """Remove the spaces PDF extraction puts inside numbers and around 年/月/日/件/条."""
    if " " not in text:
        return text.strip()
    text = _SP_IN_NUMBER.sub(lambda m: m.group(0).replace(" ", ""), text)
    text = _SP_CJK_DIGIT.sub("", text)
    text = _SP_DIGIT_CJK.sub("", text)
    text = _SP_PUNCT.sub("", text)
    cjk = cjk_count(text)
    if cjk >= 6 and len(_SP_CJK_CJK.findall(text)) >= 0.3 * cjk:  # "政 府 信 息" letter-spaced
        text = _SP_CJK_CJK.sub("", text)
    return text.strip()


def _repair_spacing(b: Block) -> Block:
    if b.is_table:  # a space inside a CJK label of a cell is always an extraction artefact
        grid = [[_SP_CJK_CJK.sub("", repair_spacing(c)) for c in row] for row in b.table]
        return Block(grid_text(grid), table=grid, page_no=b.page_no)
    return Block(repair_spacing(b.text), page_no=b.page_no)


def drop_page_furniture(lines: list[Block], kind: str) -> list[Block]:
    """Page numbers everywhere; for PDFs also bare numbers at page edges and running headers."""
    out = [b for b in lines if b.is_table or not _PAGE_NO.match(b.text)]
    if kind != "pdf" or not any(b.page_no for b in out):
        return out
    edges = _page_edges(out)
    out = [b for i, b in enumerate(out) if not (i in edges and _is_page_number(b))]
    return _drop_running_headers(out)


def _is_page_number(b: Block) -> bool:
    """A bare number at a page edge that counts pages (a cover may shift the count by one or two)."""
    return (not b.is_table and b.page_no is not None and bool(_BARE_NUMBER.match(b.text))
            and 0 <= b.page_no - int(b.text) <= 2)


def _page_edges(lines: list[Block]) -> set[int]:
    edges = set()
    for i, b in enumerate(lines):
        if i == 0 or lines[i - 1].page_no != b.page_no:
            edges.add(i)
        if i == len(lines) - 1 or lines[i + 1].page_no != b.page_no:
            edges.add(i)
    return edges


def _drop_running_headers(lines: list[Block]) -> list[Block]:
    """A short line printed on most pages is a running header/footer: keep its first copy."""
    pages = {b.page_no for b in lines}
    if len(pages) < 3:
        return lines
    on_pages: dict[str, set] = {}
    for b in lines:
        if not b.is_table and len(b.text) < 50 and cjk_count(b.text) >= 4:  # never a figure or a cell
            on_pages.setdefault(_key(b.text), set()).add(b.page_no)
    running = {k for k, p in on_pages.items() if k and len(p) >= 3 and len(p) >= 0.4 * len(pages)}
    seen, out = set(), []
    for b in lines:
        k = _key(b.text) if not b.is_table else None
        if k in running:
            if k in seen:
                continue
            seen.add(k)
        out.append(b)
    return out


FIXED_WRAP_MIN_WIDTH = 20  # display columns: narrower "lines" are headings, cells, lists
FIXED_WRAP_MIN_LINES = 8
FIXED_WRAP_SHARE = 0.6  # of the long lines at the wrap width: prose alone never lines up so


def _columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def fixed_wrap(blocks: list[Block]) -> Optional[tuple[Callable[[str], int], int]]:
    """How a text copy was hard-wrapped (a mirror, a mail or a terminal dump): the measure,
    characters or display columns, and the width most of its long lines end at; else None."""
    # Distinct lines: a page that repeats one line many times is not wrapped for that.
    lines = list(dict.fromkeys(line for b in blocks if not b.is_table
                               for line in (b.text or "").split("\n")))
    for measure in (len, _columns):
        long = [w for w in map(measure, lines) if w >= FIXED_WRAP_MIN_WIDTH]
        if len(long) < FIXED_WRAP_MIN_LINES:
            continue
        width = max(long)  # a wide character that does not fit moves on: full lines are width or width - 1
        if sum(1 for w in long if w >= width - 1) >= FIXED_WRAP_SHARE * len(long):
            return measure, width
    return None


def unwrap_fixed_width(blocks: list[Block]) -> list[Block]:
    """Join the lines of a hard-wrapped text copy back into its paragraphs. Such a wrap cuts
    anywhere, a figure too ("…公开政府信息2" / "069条"): read apart, the pieces are wrong numbers."""
    wrap = fixed_wrap(blocks)
    if wrap is None:
        return blocks
    measure, width = wrap
    out: list[Block] = []
    parts: list[str] = []
    page_no = None

    def close() -> None:
        if parts:
            out.append(Block("".join(parts), page_no=page_no))
            parts.clear()

    for b in blocks:
        if b.is_table:
            close()
            out.append(b)
            continue
        for line in (b.text or "").split("\n"):
            if not parts:
                page_no = b.page_no
            parts.append(line)
            if measure(line) < width - 1:  # a line that ends before the width ends a paragraph
                close()
    close()
    return out


def wrap_width(lines: list[Block]) -> Optional[int]:
    """The length of a full line of a PDF page (its 80th-percentile prose line length)."""
    lengths = sorted(len(b.text) for b in lines if not b.is_table and len(b.text) >= 8)
    return lengths[int(len(lengths) * 0.8)] if len(lengths) >= 5 else None


_FIGURE_LINE = re.compile(r"^[-+]?\d[\d,.]*\s*[%％]?$")
_FIGURE_GOES_ON = re.compile(rf"^(?:(?:{BOILER['units']}|{BOILER['measure_words']})(?=[，。；、,.;）)]|$)|[，。；、,.;）)])")


def join_split_figures(lines: list[Block]) -> list[Block]:
    """Put back a figure a copy site printed on a line of its own, mid-sentence.

    "累计主动公开政府信息" / "6137" / "条，全文电子化率达": the line before stops on a character
    without ending the sentence and the line after goes on with the figure's unit or with
    clause punctuation. Table cells written one per line are never like that.
    """
    out: list[Block] = []
    i = 0
    while i < len(lines):
        b = lines[i]
        if (out and i + 1 < len(lines) and not b.is_table and _FIGURE_LINE.match(b.text)
                and _sentence_stops_mid(out[-1]) and not lines[i + 1].is_table
                and _FIGURE_GOES_ON.match(lines[i + 1].text)):
            prev = out[-1]
            out[-1] = Block(prev.text + b.text.replace(" ", "") + lines[i + 1].text, page_no=prev.page_no)
            i += 2
            continue
        out.append(b)
        i += 1
    return out


TITLE_SCAN_LINES = 15  # a report's title sits near the top
MAX_TITLE_PIECE = 40  # characters: a piece of a title broken over lines is a short line
_TITLE_END = ("报告", "年报")


def join_split_title(lines: list[Block]) -> list[Block]:
    """Put back a title that a PDF or OCR text broke over two or three short lines
    ("某县2022年政府信息公开工作" / "年度报告"): the first few lines that only together read as a
    report's title become one line."""
    def piece(b: Block) -> bool:
        return (not b.is_table and len(b.text) <= MAX_TITLE_PIECE and not _is_report_title(b.text)
                and not _HEADER.match(b.text) and not any(p in b.text for p in "。，；：！？"))

    for i in range(min(TITLE_SCAN_LINES, len(lines))):
        if _is_report_title(lines[i].text):
            return lines  # the title is whole
        for k in (2, 3):
            window = lines[i:i + k]
            joined = "".join(b.text.strip() for b in window)
            if len(window) == k and all(piece(b) for b in window) and joined.endswith(_TITLE_END) \
                    and _is_report_title(joined):
                return lines[:i] + [Block(joined, page_no=window[0].page_no)] + lines[i + k:]
    return lines


def _sentence_stops_mid(b: Block) -> bool:
    t = b.text
    return (not b.is_table and cjk_count(t) >= 4 and bool(_CJK.match(t[-1:]))
            and not _is_report_title(t) and not _HEADING.match(t) and not _TABLE_ROW.match(t))


def join_broken_lines(lines: list[Block], width: Optional[int] = None) -> list[Block]:
    """Join a line that stops mid-sentence with the line that continues it.

    With a known PDF line width, a full-width line that does not end a sentence is a wrap;
    otherwise a line must read as an unfinished sentence (it has clause punctuation or is long).
    """
    out: list[Block] = []
    for b in lines:
        if out and _continues(out[-1], b, width):
            prev = out[-1]
            sep = " " if prev.text[-1:].isascii() and b.text[:1].isascii() else ""
            out[-1] = Block(prev.text + sep + b.text, page_no=prev.page_no)
        else:
            out.append(b)
    return out


def _continues(a: Block, b: Block, width: Optional[int] = None) -> bool:
    if a.is_table or b.is_table:
        return False
    t, n = a.text, b.text
    if t.endswith(_SENTENCE_END) or _is_report_title(t):
        return False
    if _TABLE_ROW.match(t) or _TABLE_ROW.match(n):
        return False  # rows of a table without ruling lines stay rows
    if _HEADING.match(n) or _HEADER.match(n) or _CN_DATE.match(n) or _PAGE_NO.match(n):
        return False
    if not (_CJK.search(n[:2]) or _NUMBER_WITH_UNIT.match(n)):
        return False
    if width and len(t) >= 0.85 * width and len(t) >= 12:
        return True  # a full PDF line: the sentence goes on below
    if _HEADING.match(t) and "。" not in t and len(t) < 40:
        return False  # a numbered heading
    return len(t) >= 18 and (any(p in t for p in "。，；、") or len(t) >= 40)


# ---- spam and chrome -----------------------------------------------------------------------

def remove_spam(lines: list[Block], removed: list[str]) -> list[Block]:
    shop = any(not b.is_table and len(b.text) < SPAM["shop_line_max"] and _SHOP_WORDS.search(b.text)
               for b in lines)
    page = "\n".join(b.text for b in lines if not b.is_table).lower()
    rules = [(t, rx) for t, rx in _SPAM_INLINE if any(w in page for w in t)]  # only what the page has
    out = []
    for b in lines:
        if b.is_table:
            out.append(b)
            continue
        text = cut_inline_spam(b.text, removed, rules)
        if ((shop and _is_shop_line(text)) or (len(text) < SPAM["spam_line_max"] and _SPAM_LINE_WORDS.search(text))
                or _is_farm_line(text)):
            removed.append(_BULLET.sub("", text).strip())
            continue
        if not _WORD.search(text) or (text != b.text and len(_WORD.findall(text)) < 3
                                      and not _NUMERIC_CELL.match(text.strip())):
            continue  # nothing left but punctuation, or a stub of a spam line (a figure stays)
        out.append(Block(text.strip(), page_no=b.page_no) if text != b.text else b)
    return out


def record_aside_spam(texts: list[str], convention: Optional[str], removed: list[str]) -> None:
    """Record the spam among texts the page showed around the body or hid (links, <title>).

    They never reach the body; the page's spam is still reported. Only the gambling and
    porn rules apply: shop words need the context of the lines around them.
    """
    if not texts:
        return
    # one conversion for all (spam links are often traditional on a simplified page)
    joined = normalise.to_simplified("\n".join(t.replace("\n", " ") for t in texts), convention or "tw2s")
    texts = [normalise.normalise_line(t) for t in joined.split("\n")]
    page = "\n".join(texts).lower()
    rules = [(t, rx) for t, rx in _SPAM_INLINE if any(w in page for w in t)]
    for t in texts:
        if cut_inline_spam(t, removed, rules) == t and len(t) < SPAM["spam_line_max"] and _SPAM_LINE_WORDS.search(t):
            removed.append(t)


def record_outside_spam(lines: list[str], convention: Optional[str], removed: list[str]) -> None:
    """Record a spam wrapper the body extractor left outside the body (a casino banner, an ad
    strip): visible lines around the body that name gambling or porn. It takes at least
    SPAM["outside_min_words"] different such words, so a government page whose sidebar carries
    one headline about fighting gambling is not a mirror."""
    if not lines:
        return
    joined = normalise.to_simplified("\n".join(lines), convention or "tw2s")
    hits = []
    for line in (normalise.normalise_line(t) for t in joined.split("\n")):
        words = {m.group(0).lower() for m in _SPAM_LINE_WORDS.finditer(line)}
        if words:
            hits.append((line, words))
    if len(set().union(*(w for _, w in hits))) >= SPAM["outside_min_words"]:
        removed.extend(line for line, _ in hits)


def cut_inline_spam(text: str, removed: list[str], rules=None) -> str:
    """Remove injected spam strings from a line, appending each to `removed`."""
    low = text.lower()
    for triggers, rx in _SPAM_INLINE if rules is None else rules:
        if not any(t in low for t in triggers):
            continue
        for m in rx.finditer(text):
            if m.group(0).strip():
                removed.append(m.group(0).strip())
        text = rx.sub("", text)
        low = text.lower()
    return text


def _is_farm_line(text: str) -> bool:
    """A copy site's own line: a repost notice or outro, or keyword stuffing."""
    if len(text) < SPAM["farm_line_max"] and _FARM_LINES.search(text):
        return True
    # Numbers are not keywords: a table row of zeros, or a header printed twice, is no stuffing.
    items = [w for w in _STUFF_SPLIT.split(text.rstrip("。.")) if w and not _NUMERIC_CELL.match(w)]
    return (len(items) >= SPAM["stuffing_min_items"]
            and len(set(items)) < SPAM["stuffing_max_unique_share"] * len(items))


def _is_shop_line(text: str) -> bool:
    bare = _BULLET.sub("", text).strip()
    if not bare or len(bare) >= SPAM["shop_line_max"]:
        return False
    if "@" in bare and _OFFICIAL_MAIL.search(bare):
        return False
    return bool(_SHOP_WORDS.search(bare)) or any(rx.fullmatch(bare) for rx in _SHOP_LINES)


def remove_chrome(lines: list[Block]) -> list[Block]:
    out = []
    for b in lines:
        if b.is_table:
            out.append(b)
            continue
        text = b.text
        for rx in _INLINE_CHROME:
            text = rx.sub("", text)
        text = _BULLET.sub("", text).strip() if _BULLET.match(text) and not _HEADING.match(text) else text.strip()
        if not _WORD.search(text) or is_chrome_line(text):
            continue
        out.append(Block(text, page_no=b.page_no) if text != b.text else b)
    return out


def is_chrome_line(text: str) -> bool:
    if len(text) > 120 or (len(text) > 15 and text.endswith("。")):
        return False  # a sentence, not a label: reports write about ICP filing and site maps too
    if any(rx.fullmatch(text) for rx in _LINE_CHROME):
        return True
    words = [w for w in _TOOLBAR_SPLIT.split(text) if w]
    return bool(words) and all(w in _TOOLBAR for w in words)


# ---- repeats -------------------------------------------------------------------------------

def _key(text: str) -> str:
    return _KEY_DROP.sub("", text)


def collapse_repeats(lines: list[Block]) -> tuple[list[Block], list[str]]:
    """Keep one copy of a body printed twice (or more), and of any long paragraph repeated.

    Near-linear: text is compared through hashed 8-character pieces of each paragraph's key
    (its text without spaces and punctuation), so a copy that wraps paragraphs differently
    still matches. A second copy is a run that starts at a long paragraph seen before and in
    which most long paragraphs were seen before; the whole run goes, short lines included.
    """
    warnings = []
    for _ in range(3):
        span = _repeated_run(lines)
        if span is None:
            break
        s, e = span
        lines = lines[:s] + lines[e + 1:]
        warnings.append("body printed more than once on the page: extra copy removed")
    seen, out = set(), []
    for b in lines:
        k = _key(b.text)
        if len(k) >= 20:
            if k in seen:
                continue
            seen.add(k)
        out.append(b)
    return out, warnings[:1]


_NUMBER_TOKEN = re.compile(r"\d+[^\d]?")  # a figure with the character after it (its unit)
RUN_WINDOW = 5  # long paragraphs that must mostly repeat where a second copy starts
SHINGLE = 8  # characters: pieces of text compared between a page's copies of its body


def _shingles(key: str, step: int = 1) -> list[str]:
    return [key[i:i + SHINGLE] for i in range(0, max(len(key) - SHINGLE + 1, 0), step)]


def _mostly_seen(key: str, seen: set, numbers: set) -> bool:
    """Most of this block's text, and every number in it, occurs earlier on the page.

    Numbers must all repeat: a paragraph in the same words with other figures is new content.
    """
    sample = _shingles(key, step=4)
    if not sample or sum(1 for s in sample if s in seen) < 0.8 * len(sample):
        return False
    return all(n in numbers for n in _NUMBER_TOKEN.findall(key))


def _repeated_run(lines: list[Block]) -> Optional[tuple[int, int]]:
    keys = [_key(b.text) for b in lines]
    starts = [k[:12] for k in keys if len(k) >= 20]
    if len(set(starts)) == len(starts):
        return None  # no long paragraph starts like an earlier one: no second copy (cheap test first)
    seen: set = set()
    numbers: set = set()
    first: dict[str, int] = {}
    dup = []
    for i, k in enumerate(keys):  # dup: a long block whose text mostly occurs above it
        if k in first:  # an exact repeat: nothing new to learn from it
            dup.append(len(k) >= 20)
            continue
        dup.append(len(k) >= 20 and _mostly_seen(k, seen, numbers))
        seen.update(_shingles(k))
        numbers.update(_NUMBER_TOKEN.findall(k))
        first[k] = i
    longs = [i for i, k in enumerate(keys) if len(k) >= 20]
    flags = [dup[i] for i in longs]
    n_dup = 0
    start = None
    for p in range(len(longs) - 1, -1, -1):
        # the earliest long block from which the page is mostly repeats, both in the next few
        # long blocks (a copy starts here, not a stray repeat inside the first copy) and to the end
        n_dup += flags[p]
        window = flags[p:p + RUN_WINDOW]
        if (flags[p] and n_dup >= 2 and n_dup >= 0.6 * (len(longs) - p)
                and all(flags[p:p + 3]) and sum(window) >= 0.8 * len(window)):
            start = longs[p]
    if start is None:
        return None
    end = max(i for i in range(start, len(keys)) if dup[i])
    while end + 1 < len(keys) and first[keys[end + 1]] < start:  # its repeated sign-off
        end += 1
    # the copy's own lead-in (its title and header lines repeated) goes with it
    while start > 0 and first[keys[start - 1]] < start - 1:
        start -= 1
    return start, end


# ---- wrapper before and after the report ---------------------------------------------------

def _named_report(lines: list[Block]) -> Optional[str]:
    """The report's name as its opening prose gives it, for a page without a title line."""
    for b in lines:
        m = None if b.is_table else _NAMED_REPORT.search(b.text)
        if m:
            return m.group("t")
    return None


def _is_report_title(text: str) -> bool:
    """A report's title line; not a metadata row naming the column ("分 类 | 政府信息公开年报")."""
    return (len(text) <= 80 and bool(_REPORT_TITLE.search(text)) and not text.endswith(("。", "；"))
            and "|" not in text and "\t" not in text and not _HEADER.match(text.replace(" ", "")))


def is_prose(text: str) -> bool:
    return len(text) >= LONG and cjk_count(text) >= 15 and any(p in text for p in "。，；、")


def is_report_like(b: Block) -> bool:
    """A block that belongs to a report body rather than to a page's chrome."""
    if b.is_table:
        return True
    t = b.text
    if _HEADER.match(t):
        return False
    return bool(is_prose(t) or _MD_TABLE_ROW.match(t) or _CN_DATE.match(t) or _NUMERIC_CELL.match(t)
                or (_UNIT_NUMBER.search(t) and cjk_count(t) >= 2)
                or (t.endswith(("。", "；")) and cjk_count(t) >= 4)
                or (_HEADING.match(t) and cjk_count(t) >= 2))


def trim_wrapper(lines: list[Block], title: Optional[str]) -> list[Block]:
    """Drop what precedes the report's start (but its header) and follows its end."""
    if not lines:
        return lines
    start = _report_start(lines, title)
    head = [b for b in lines[:start] if _HEADER.match(b.text) or b.is_table]
    body = lines[start:]
    if start > 0 and _is_title_prefix(lines[start - 1].text):
        prev = lines[start - 1]
        if _TITLE_HEAD.fullmatch(prev.text) and body and not body[0].is_table and not _YEAR_IN.search(body[0].text):
            # one title broken over two lines ("某市人民政府2016年" / "政府信息公开工作年度报告")
            body = [Block(prev.text + body[0].text, page_no=prev.page_no)] + body[1:]
        else:
            head.append(prev)
    last = max((i for i, b in enumerate(body) if is_report_like(b)), default=len(body) - 1)
    for i in range(last + 1, min(last + 3, len(body))):  # a sign-off printed after the last date
        if _is_signoff(body[i].text):
            last = i
        else:
            break
    return head + body[:last + 1]


def _is_signoff(text: str) -> bool:
    return len(text) <= 30 and bool(_SIGNOFF_ORG.search(text) or _ISO_DATE.fullmatch(text) or _CN_DATE.match(text))


def _report_start(lines: list[Block], title: Optional[str]) -> int:
    """The report's title line; or its first prose, when no title precedes real prose.

    A title-like line below a body (a related-reports list) must not cut the body off, so
    a title only counts when little prose comes before it (a spam blurb at most, and under
    a third of the page's prose).
    """
    tkey = _key(title) if title else None
    allowed = min(MAX_PROSE_BEFORE_TITLE, 0.3 * sum(len(b.text) for b in lines if not b.is_table and is_prose(b.text)))
    prose_before = 0
    first_prose = None
    first_title = None  # a title-like line; the page's own title, further down, wins over it
    for i, b in enumerate(lines):
        if b.is_table:
            if first_prose is None:
                first_prose = i
            continue
        if tkey and len(tkey) >= 6 and _key(b.text) == tkey:
            return i if prose_before <= allowed else (first_title if first_title is not None else first_prose)
        if _is_report_title(b.text):
            if prose_before > allowed:
                break
            if first_title is None:
                first_title = i
        if is_prose(b.text):
            prose_before += len(b.text)
            if first_prose is None:
                first_prose = i
            if first_title is not None and prose_before > allowed:
                break  # the body has started below the first title: it is the report's
    if first_title is not None:
        return first_title
    return first_prose or 0


_TITLE_HEAD = re.compile(r".{0,24}?(?:19|20)\d{2}\s*年度?")  # "某市人民政府2016年", "2016年度"
_YEAR_IN = re.compile(r"(?:19|20)\d{2}")


def _is_title_prefix(text: str) -> bool:
    """A publisher or year line printed above the title ("杭州市拱墅区人民政府", "某市人民政府2016年")."""
    return len(text) <= 30 and bool(_SIGNOFF_ORG.search(text) or _TITLE_HEAD.fullmatch(text))
