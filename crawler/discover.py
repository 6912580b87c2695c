"""Link discovery on fetched pages: decode, list anchors, tell reports, columns, pages, attachments.

Pure functions of (bytes or text, url): the spider calls them, tests call them on frozen HTML.
Nothing here parses a report; it only decides which links are worth fetching.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

import yaml

from transforms.years import year_in
from transforms.sources.decode import decode_bytes
from transforms.sources.html_parse import parse_html

RULES = yaml.safe_load((Path(__file__).with_name("rules.yaml")).read_text(encoding="utf-8"))
_PAGE_HREF = [re.compile(p, re.I) for p in RULES["page_href_patterns"]]
_LISTING_HREF = [re.compile(p, re.I) for p in RULES["listing_href_patterns"]]
_ATTACH_EXTS = {e.lower() for e in RULES["attachment_exts"]}
_SCRIPT_URL = [re.compile(p, re.I) for p in RULES["script_url_patterns"]]
_YEAR_COLUMN = re.compile(RULES["year_column_pattern"])
_EDGE_MARKS = re.compile(r"^[^\w]+|[^\w]+$")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Anchor:
    url: str
    text: str


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    kind: str  # detail | attachment | listing
    year: Optional[int] = None


# ----------------------------------------------------------------------------- decoding
def decode_page(body: bytes, content_type: Optional[str] = None) -> str:
    """A fetched page as text for link discovery, by the project's one decoder (transforms)."""
    return decode_bytes(body, content_type, html=True)[0]


# ----------------------------------------------------------------------------- anchors
def clean_text(text: str) -> str:
    return _WS.sub("", text or "")


def _skip_href(href: str) -> bool:
    low = href.strip().lower()
    return not low or any(low.startswith(s) for s in RULES["skip_schemes"])


_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def may_link_attachment(page_text: str) -> bool:
    """Cheap pre-check for detail pages: does any href look like an attachment?
    Lets the spider skip the full HTML parse of the (menu-heavy) pages that have none."""
    for m in _HREF.finditer(page_text):
        href = m.group(1) or m.group(2) or m.group(3) or ""
        if "." in href and is_attachment("http://h/" + href.strip().lstrip("/")):
            return True
    for pattern in _SCRIPT_URL:  # onclick="window.open('/u/x.pdf')", javascript:downFile(...)
        for m in pattern.finditer(page_text):
            if is_attachment("http://h/" + m.group(1).strip().lstrip("/")):
                return True
    return False


def anchors(page_text: str, page_url: str) -> list[Anchor]:
    """Every <a href> of a page (and every script link: javascript: hrefs, onclick handlers)
    as absolute URL + text (title attribute when longer)."""
    doc = parse_html(page_text)
    if doc is None:
        return []
    base = page_url
    for b in doc.iter("base"):
        if b.get("href"):
            base = urljoin(page_url, b.get("href").strip())
            break
    out = []
    for a in doc.iter():
        if not isinstance(a.tag, str):
            continue  # comments, processing instructions
        href = a.get("href") if a.tag == "a" else None
        if href is None or _skip_href(href):
            # Script links: href="javascript:window.open('...')" or an onclick on any element.
            href = script_url(href if href and href.strip().lower().startswith("javascript:") else "") \
                or script_url(a.get("onclick") or "")
            if href is None:
                continue
        text = clean_text(a.text_content())
        if a.tag != "a" and len(text) > 120:
            continue  # an onclick on a whole block is not one link
        title = clean_text(a.get("title") or "")
        # Listings truncate long titles ("...") and keep the full one in the title attribute.
        if title and (len(title) >= len(text) or text.endswith(("...", "…", "..", "……"))):
            text = title
        if _generic_text(text):
            text = _row_text(a) or text
        url = urldefrag(urljoin(base, href.strip()))[0]
        if url.startswith(("http://", "https://")):
            out.append(Anchor(url, text))
    return out


_SCRIPT_REDIRECT = re.compile(
    r"""<script[^>]*>[^<]*?(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']""",
    re.I)


def script_redirect(page_text: str, page_url: str) -> Optional[str]:
    """The target of a page that only forwards by script (<script>location.href='...'</script>),
    as absolute URL, else None. Only asked of start pages with no link at all."""
    m = _SCRIPT_REDIRECT.search(page_text)
    if not m or _skip_href(m.group(1)):
        return None
    url = urldefrag(urljoin(page_url, m.group(1).strip()))[0]
    return url if url.startswith(("http://", "https://")) else None


def script_url(code: str) -> Optional[str]:
    """The URL a link script opens (window.open('u'), location.href='u', location.assign('u')),
    else None."""
    if not code:
        return None
    for pattern in _SCRIPT_URL:
        m = pattern.search(code)
        if m and not _skip_href(m.group(1)) and not m.group(1).strip().lower().startswith("about:"):
            return m.group(1).strip()
    return None


def _generic_text(text: str) -> bool:
    """Anchor text that says nothing of the target (查看, 详情, 下载): the row tells instead.
    Page numbers and pagination words are not generic: they are pagination."""
    return (len(text) <= 4 and not text.isdigit() and text not in RULES["next_texts"]
            and text not in RULES["last_texts"])


def _row_text(a) -> Optional[str]:
    """Text of the list item or table row holding the anchor, when it is short enough to be
    one entry (a title and a date), else None."""
    for parent in a.iterancestors():
        if parent.tag in ("li", "tr", "dd", "dt"):
            text = clean_text(parent.text_content())
            return text if len(text) <= 80 else None
        if parent.tag in ("ul", "ol", "table", "div", "body"):
            return None
    return None


# ----------------------------------------------------------------------------- classifiers
def _has(text: str, words: Iterable[str]) -> bool:
    return any(w in text for w in words)


def looks_like_report(text: str) -> bool:
    """Report wording: strong words alone, report + scope words, or an annual-report word with
    a year (rows of a report column often drop 政府信息公开: "财政局2019年度报告")."""
    t = clean_text(text)
    if t.endswith(tuple(RULES["not_report_endings"])):
        return False  # a notice about the reports, not one
    if _has(t, RULES["strong_words"]):
        return True
    if _has(t, RULES["report_words"]) and _has(t, RULES["scope_words"]):
        return True
    if _has(t, RULES["other_report_topics"]):
        return False  # 法治政府建设年度报告, 政府网站工作年度报告: another annual report
    return _has(t, RULES["annual_words"]) and year_in(t, bare=True) is not None


def looks_like_column(text: str) -> bool:
    """Menu entry of a report column: report words, no year."""
    t = clean_text(text)
    return _has(t, RULES["column_words"]) and year_in(t, bare=True) is None and len(t) <= 30


def is_attachment(url: str) -> bool:
    parts = urlsplit(url)
    if parts.path.rsplit(".", 1)[-1].lower() in _ATTACH_EXTS and "." in parts.path.rsplit("/", 1)[-1]:
        return True
    for _, value in parse_qsl(parts.query):
        if "." in value and value.rsplit(".", 1)[-1].lower() in _ATTACH_EXTS:
            return True
    return False


def is_page_link(anchor: Anchor) -> bool:
    """A pagination anchor: 下一页/尾页, or a number pointing at a numbered listing page."""
    t = anchor.text
    if t in RULES["next_texts"] or t in RULES["last_texts"]:
        return True
    parts = urlsplit(anchor.url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    numbered = any(p.search(target) for p in _PAGE_HREF)
    return numbered and (t.isdigit() or t in ("", "首页", "上一页", "上页") or len(t) <= 4)


def looks_like_listing_url(url: str) -> bool:
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    return any(p.search(target) for p in _LISTING_HREF)


def links_to_follow(anchor_list: Iterable[Anchor], *, on_detail: bool = False) -> list[Link]:
    """Links worth fetching from one page.

    On a listing (or home) page: report links (detail or attachment), report columns and
    pagination. On a detail page: its attachments only. Related-reading boxes and menus on
    detail pages point at other departments' pages and notices; listings already give the
    column's reports, and detail pages must not start new chains.
    """
    out: list[Link] = []
    seen: set[str] = set()
    for a in anchor_list:
        if a.url in seen:
            continue
        link = _as_link(a, on_detail)
        if link is not None:
            seen.add(a.url)
            out.append(link)
    return out


def names_file(text: str) -> bool:
    """Anchor text that is a file name (附件：某局2022年年报.pdf): download links without an
    extension in the URL (download.jsp?fileid=88) are attachments by their text."""
    t = clean_text(text).rstrip("）)]】")
    return "." in t and t.rsplit(".", 1)[-1].lower() in _ATTACH_EXTS


def _as_link(a: Anchor, on_detail: bool) -> Optional[Link]:
    attach = is_attachment(a.url) or (on_detail and names_file(a.text))
    year = year_in(a.text, bare=True)
    report = looks_like_report(a.text)
    if attach and (on_detail or report):
        return Link(a.url, a.text, "attachment", year)
    if on_detail:
        return None
    if report and year is not None:
        return Link(a.url, a.text, "detail", year)
    if looks_like_column(a.text):
        kind = "listing" if looks_like_listing_url(a.url) else "detail"
        return Link(a.url, a.text, kind, None)
    if _YEAR_COLUMN.match(a.text) and looks_like_listing_url(a.url):
        return Link(a.url, a.text, "listing", year)  # a year sub-column (2021年度)
    if is_page_link(a):
        return Link(a.url, a.text, "listing", None)
    return None


def wants_hub(links: Iterable[Link]) -> bool:
    """Whether a start page should be followed into its disclosure hub: it links no report
    column and only a few report links (news items naming a report, not a listing of them)."""
    links = list(links)
    if any(l.kind == "listing" and not is_page_link(Anchor(l.url, l.text)) for l in links):
        return False
    reports = [l for l in links if l.kind in ("detail", "attachment")]
    return len(reports) < int(RULES["hub_max_report_links"])


def listing_in_disguise(links: Iterable[Link], url: str) -> bool:
    """A page fetched as a report that is a listing of reports: listing-shaped URL, and it
    links enough other reports with a year."""
    if not looks_like_listing_url(url):
        return False
    others = {l.url for l in links if l.kind in ("detail", "attachment") and l.year and l.url != url}
    return len(others) >= int(RULES["detail_listing_min_reports"])


def hub_links(anchor_list: Iterable[Anchor]) -> list[Link]:
    """Links to a disclosure hub (政府信息公开 and the like): followed one hop from a start page
    to reach a report column the home page does not link directly."""
    return _menu_links(anchor_list, RULES["hub_texts"])


def notice_links(anchor_list: Iterable[Anchor]) -> list[Link]:
    """Links to an announcement column (通知公告 and the like), where reports get reposted."""
    return _menu_links(anchor_list, RULES["notice_texts"])


def _menu_links(anchor_list: Iterable[Anchor], texts: Iterable[str]) -> list[Link]:
    """Links whose whole text (menu marks aside) is one of `texts`, each URL once."""
    wanted = set(texts)
    out, seen = [], set()
    for a in anchor_list:
        text = _EDGE_MARKS.sub("", a.text)  # "政府信息公开>>", "·信息公开"
        if text in wanted and a.url not in seen:
            seen.add(a.url)
            out.append(Link(a.url, a.text, "listing", None))
    return out


# ----------------------------------------------------------------------------- traps
def trap_reason(url: str, barren: int, growth: int) -> Optional[str]:
    """Why a listing link is a trap by its structure ('barren-columns', 'growing-path',
    'long-path', 'repeating-path'), or None. `barren`: column hops in a row that brought no new
    report link; `growth`: hops in a row whose path extended the previous one."""
    if barren > int(RULES["trap_max_barren_columns"]):
        return "barren-columns"
    if growth > int(RULES["trap_max_path_growth"]):
        return "growing-path"
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) > int(RULES["trap_max_path_segments"]):
        return "long-path"
    if segments and max(segments.count(s) for s in set(segments)) >= int(RULES["trap_max_segment_repeats"]):
        return "repeating-path"
    return None
