"""Is this page an annual report, for which statistical year, by whom, in which format.

The year comes from the title or the statistical period printed in the body, never from the
URL or the publication date (reports are published in the following year). The format comes
from the template labels printed (2019 / 2021 tables); a free-text report for a year up to 2018
is "pre2019". Rules: rules/classify.yaml; divisions and codes: divisions.py.
"""
from __future__ import annotations

from transforms import rules

import re
import unicodedata
from typing import Optional


from transforms.classification.divisions import divisions
from transforms.classification.template_format import detect_format
from transforms.years import year_in
from transforms.model import Classification, Page


_R = rules.load("classify.yaml")
_REGIONS = divisions()  # GB/T 2260, from a maintained package (see divisions.py)

_REPORT = [re.compile(p) for p in _R["report_title"]]
_NOT_REPORT = [re.compile(p) for p in _R["not_report_title"]]
_NOT_REPORT_KIND = re.compile(_R["not_report_kind"])
_PERIOD = [re.compile(p) for p in _R["statistical_period"]]
_SUFFIX = _R["publisher_suffix"]
_MADE_BY = re.compile(_R["publisher_made_by"].replace("{SUFFIX}", _SUFFIX))
_SIGNOFF = re.compile(_R["publisher_signoff"].replace("{SUFFIX}", _SUFFIX))
_TITLE_PUBLISHER = re.compile("^(.{2,30}?" + _SUFFIX + r")(?=(?:19|20)\d\d年|[一二三四五六七八九〇○零]{4}年|关于)")
# A title naming a department: its report is not the government's, so no publisher is derived.
_DEPARTMENT_IN_TITLE = re.compile(r"(?:局|委员会|厅|署|中心|办公室|办公厅|管委会)")
_TITLE_PLACE = re.compile(_R["title_place"])
_MARKERS = {fmt: tuple(ms) for fmt, ms in _R["format_markers"].items()}
_MIN_MARKERS = int(_R["min_markers"])
_SENTENCE_MARK = re.compile(r"[。,;:!?]")  # a title line is not a sentence
TITLE_SCAN_BLOCKS = 40  # the title sits near the top; deeper lines are body text
MAX_TITLE_LEN = 80
SIGNOFF_SCAN_BLOCKS = 8

_BY_NAME: dict[str, list[dict]] = {}
for _r in _REGIONS:
    _BY_NAME.setdefault(_r["name"], []).append(_r)
_NAMES_LONGEST_FIRST = sorted(_BY_NAME, key=len, reverse=True)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def is_report_title(title: str) -> bool:
    t = _flat(title)
    return any(rx.search(t) for rx in _REPORT) and not any(rx.search(t) for rx in _NOT_REPORT)


def _title_part(candidate: str) -> str:
    """'报告标题_站点名' -> the part that is the report title."""
    parts = [p for p in re.split(r"[_|]|-{1,2}|——|—", candidate) if p.strip()]
    for p in parts:
        if any(rx.search(_flat(p)) for rx in _REPORT):
            return p.strip()
    return candidate.strip()


def _title_lines(page: Page) -> list[str]:
    """The lines near the top that may be the title: prose lines, and a table row holding one
    cell only (an OCR or PDF-to-text tool that put the heading into the table below it)."""
    out = []
    for b in page.blocks[:TITLE_SCAN_BLOCKS]:
        if not b.is_table:
            if b.text:
                out.append(b.text)
            continue
        for row in b.table[:2]:
            cells = [c for c in dict.fromkeys(c.strip() for c in row) if c]
            if len(cells) == 1:
                out.append(cells[0])
    return out


def find_title(page: Page) -> Optional[str]:
    """The report's title line: the page title or a short line near the top naming a report."""
    cands = [page.title] if page.title else []
    cands += [b for b in _title_lines(page)
              if len(_flat(b)) <= MAX_TITLE_LEN and not _SENTENCE_MARK.search(_flat(b))]
    matching = [_flat(_title_part(c)) for c in cands if any(rx.search(_flat(c)) for rx in _REPORT)]
    # A column name ("政府信息公开年报") as <title> says less than the report's own dated title line.
    if matching and not is_report_title(matching[0]):
        return matching[0]  # the page's own title names a notice about reports
    dated = [t for t in matching if year_in(t) is not None]
    return (dated or matching or [None])[0]


def report_year(title: Optional[str], body: str) -> Optional[int]:
    """The statistical year: named in the title, else the one period the body states."""
    year = year_in(title)
    if year is not None:
        return year
    flat = _flat(body)
    for rx in _PERIOD:
        m = rx.search(flat)
        if m:
            years = {int(g) for g in m.groups() if g}
            if len(years) == 1:
                return years.pop()
    return None


def format_of(text: str, year: Optional[int]) -> tuple[Optional[str], str]:
    """(format, why)."""
    fmt = detect_format(text)  # the template detector knows the 2019/2021 labels best
    if fmt is None:  # else count the format markers of rules/classify.yaml
        flat = _flat(text)
        counts = {f: sum(1 for m in ms if m in flat) for f, ms in _MARKERS.items()}
        best = max(counts, key=counts.get)
        if counts[best] >= _MIN_MARKERS and list(counts.values()).count(counts[best]) == 1:
            fmt = best
    if fmt:
        return fmt, f"template labels of {fmt}"
    if year is None:
        return None, "no template labels, no year"
    if year <= 2018:
        return "pre2019", "free text, year <= 2018"
    return ("2019" if year <= 2020 else "2021"), "no template labels printed; format assumed from the year"


def _regions_in(text: str) -> list[str]:
    """Division names printed in `text`, most specific level first (district > city > province)."""
    found, rest = [], text
    for name in _NAMES_LONGEST_FIRST:
        if name in rest:
            found.append(name)
            rest = rest.replace(name, "\0")
    return sorted(found, key=lambda n: (-_level(n), text.find(n)))


def _level(name: str) -> int:
    code = _BY_NAME[name][0]["code"]
    return 0 if code.endswith("0000") else (1 if code.endswith("00") else 2)


def resolve_region(name: str, context: str) -> tuple[Optional[dict], Optional[str]]:
    """(division, parent name printed in the context) for a division name."""
    entries = _BY_NAME.get(name, [])
    if len(entries) == 1:
        e = entries[0]
        return e, e.get("parent") if e.get("parent") and e["parent"] in context else None
    shown = [e for e in entries if e.get("parent") and e["parent"] in context]
    if len(shown) == 1:
        return shown[0], shown[0]["parent"]
    return None, None


# An office inside a government: 办公室, 办公厅, 信息公开办, 政务公开领导小组办公室 ...
_OFFICE_OF_GOVERNMENT = re.compile(
    r"^(.+?)(人民政府|政府|管理委员会|管委会)[^局委厅院署]{0,12}?(?:办公室|办公厅|办)$")


def _government_of(body: str, title: Optional[str]) -> str:
    """The government's office compiles the government's report: '淮安市人民政府办公室' ->
    '淮安市人民政府', unless the title itself names a department (the office's own report)."""
    m = _OFFICE_OF_GOVERNMENT.match(body)
    if m and not (title and _DEPARTMENT_IN_TITLE.search(title)):
        return m.group(1) + ("人民政府" if m.group(2).endswith("政府") else m.group(2))
    return body


def _metadata_publisher(title: Optional[str], page: Page) -> Optional[str]:
    """The publisher a metadata block names (发布机构), when it names the place the title does:
    a bare "区政府办" says less than the title."""
    name = _flat(page.meta.get("publisher") or "")
    m = _SIGNOFF.match(name)
    if not m or not title:
        return None
    place = _TITLE_PLACE.match(title)
    names = _regions_in(title)
    where = (place.group(1) if place else None) or (names[0] if names else None)
    return _government_of(m.group(1), title) if where and name.startswith(where) else None


def _explicit_publisher(title: Optional[str], page: Page) -> Optional[str]:
    if title:
        m = _TITLE_PUBLISHER.match(title)
        if m:
            return m.group(1)
    head = _flat(" ".join(page.prose[:TITLE_SCAN_BLOCKS]))
    m = _MADE_BY.search(head)
    if m:
        return _government_of(m.group(1), title)
    # A body line just before the title that is only an issuing body ("杭州市拱墅区人民政府").
    for i, b in enumerate(page.prose[:TITLE_SCAN_BLOCKS]):
        if title and _flat(b) == title and i > 0:
            m = _SIGNOFF.match(_flat(page.prose[i - 1]))
            if m and "人民政府" in m.group(1):
                return m.group(1)
    return None


def _signoff_publisher(page: Page) -> Optional[str]:
    for b in reversed(page.prose[-SIGNOFF_SCAN_BLOCKS:]):
        m = _SIGNOFF.match(_flat(b))
        if m and "人民政府" in m.group(1):
            return m.group(1)
    return None


def _with_chain(publisher: str, region: Optional[dict], parent: Optional[str]) -> str:
    """'富阳区人民政府' -> '杭州市富阳区人民政府' when the report prints the city."""
    if region and parent and publisher.startswith(region["name"]) and _level(region["name"]) == 2 \
            and parent.endswith("市"):
        return parent + publisher
    return publisher


# A division printed right after a known one and before the year or the report's name:
# "长沙市岳麓区2012年…" names 岳麓区 (a district we do not list), not 长沙市.
_LOWER_DIVISION_AFTER = re.compile(
    r"^[^\d年,。;:]{1,10}?(?:自治县|自治旗|新区|区|县|旗|镇|乡|街道)(?:人民政府|政府)?"
    r"(?=(?:19|20)\d\d年|[一二三四五六七八九〇○零]{4}年|(?:政府|政务)?信息公开|政务公开|$)")


def _named_regions(text: str) -> list[str]:
    """Known divisions printed in `text`, or none when the most specific one is followed by a
    lower division we do not know (the report is that division's, not the one we know)."""
    names = _regions_in(text)
    if names:
        i = text.find(names[0])
        if _LOWER_DIVISION_AFTER.match(text[i + len(names[0]):]):
            return []
    return names


def who(title: Optional[str], page: Page) -> tuple[Optional[str], Optional[str], Optional[str]]:
    """(publisher, region, region_code)."""
    body = page.text
    explicit = _explicit_publisher(title, page) or _metadata_publisher(title, page)
    names = _named_regions(explicit or "") or _named_regions(title or "") or _named_regions(_signoff_publisher(page) or "")
    region, parent = (None, None)
    if names:
        region, parent = resolve_region(names[0], (explicit or "") + (title or "") + body)
    publisher = explicit
    if publisher is None and region is not None and title and not _DEPARTMENT_IN_TITLE.search(title):
        publisher = region["name"] + "人民政府"
    if publisher is None:
        signoff = _signoff_publisher(page)
        publisher = _government_of(signoff, title) if signoff else None
    place = None
    if not names and title:
        m = _TITLE_PLACE.match(title)
        place = m.group(1) if m else None
        if publisher is None and place:
            publisher = place + "人民政府"
    if publisher:
        publisher = _with_chain(publisher, region, parent)
    region_name = region["name"] if region else (names[0] if names else place)
    return publisher, region_name, (region["code"] if region else None)


_FIGURE = re.compile(_R["report_figure"])
_SENTENCE = re.compile(_R["report_sentence"])


def _shows_report(page: Page, title: str) -> bool:
    """The statistical period, a figure of disclosure work or a sentence, outside the title."""
    body = _flat(page.text).replace(title, "")
    return (any(rx.search(body) for rx in _PERIOD) or bool(_FIGURE.search(body))
            or any(_SENTENCE.search(_flat(b).replace(title, "")) for b in page.prose))


def is_listing(page: Page) -> bool:
    """A column index: several report titles for different years and hardly any running text.

    A page whose own title names one report is that report's page (its related-links list
    may still show other years).
    """
    if page.title and is_report_title(page.title):
        return False
    titles = [_flat(b) for b in page.prose if len(_flat(b)) <= MAX_TITLE_LEN and is_report_title(b)]
    years = {year_in(t) for t in titles} - {None}
    long_blocks = sum(1 for b in page.prose if len(_flat(b)) > MAX_TITLE_LEN)
    return len(titles) >= _R["listing_min_titles"] and len(years) >= 2 \
        and long_blocks <= _R["listing_max_long_blocks"]


def not_report_kind(own_title: Optional[str]) -> Optional[str]:
    """The document kind (函, 通知, 工作要点 …) the page's own title ends with, when no part of
    that title is a report's title."""
    if not own_title:
        return None
    parts = [_flat(p) for p in re.split(r"[_|]|-{1,2}|——|—", own_title) if p.strip()]
    if not parts or any(is_report_title(p) for p in parts):
        return None
    m = _NOT_REPORT_KIND.search(parts[0])
    return m.group(0) if m else None


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def han_share(text: str) -> Optional[float]:
    """Han characters among the letters (Han + Latin) of a text; None when it has none."""
    flat = unicodedata.normalize("NFKC", text or "")
    han, latin = len(_HAN.findall(flat)), len(_LATIN.findall(flat))
    return han / (han + latin) if han + latin else None


def classify(page: Page, url=None) -> Classification:
    """`url` is accepted for the pipeline's signature; the year is never read from it."""
    kind = not_report_kind(page.own_title)
    if kind:
        return Classification(is_annual_report=False, title=page.own_title,
                              reason=f"the page's own title names a {kind}, not a report")
    title = find_title(page)
    if title is None:
        return Classification(is_annual_report=False, reason="no annual-report title found")
    share = han_share(page.text)
    if share is not None and share < _R["min_han_share"]:
        return Classification(is_annual_report=False, title=title,
                              reason="written mostly in Latin script: about reports, not one")
    if is_listing(page):
        return Classification(is_annual_report=False, title=title, reason="a listing of several reports")
    if not is_report_title(title):
        return Classification(is_annual_report=False, title=title,
                              reason="title names a notice, plan, guide or statistics form, not a report")
    year = report_year(title, page.text)
    fmt, why = format_of(page.text, year)
    publisher, region, code = who(title, page)
    if not (publisher or why.startswith("template labels") or _shows_report(page, title)):
        return Classification(is_annual_report=False, title=title, reason=(
            "nothing of a report but its title: no publisher, statistical period, template "
            "labels or figures (a calendar, an index or an empty page)"))
    return Classification(is_annual_report=True, title=title, year=year, publisher=publisher,
                          region=region, region_code=code, format=fmt, reason=why)
