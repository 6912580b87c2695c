"""Listing pagination per CMS family: one small strategy each, pure functions of (text, url).

Each strategy answers "which further listing requests does this page imply?" as PageRequest
values; the spider turns them into Scrapy requests. Generic anchors (下一页, numbered pages) are
handled by crawler.discover; these cover pagination that only exists in scripts or XML.
"""
from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from crawler.discover import Anchor, anchors


@dataclass(frozen=True)
class PageRequest:
    url: str
    method: str = "GET"
    formdata: tuple[tuple[str, str], ...] = field(default=())


# ----------------------------------------------------------------------------- TRS (WCM)
_CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^)]*)\)", re.S)
_JS_VAR = re.compile(r"""var\s+(\w+)\s*=\s*("[^"]*"|'[^']*'|-?\d+)""")


def _js_args(arg_text: str, variables: dict[str, str]) -> list:
    out: list = []
    for raw in arg_text.split(","):
        tok = raw.strip()
        tok = variables.get(tok, tok).strip()
        if re.fullmatch(r"-?\d+", tok):
            out.append(int(tok))
        elif len(tok) >= 2 and tok[0] in "'\"" and tok[-1] == tok[0]:
            out.append(tok[1:-1])
    return out


def trs_page_info(text: str) -> Optional[tuple[int, int, str, str]]:
    """(page count, current 0-based page, prefix, suffix) from a createPageHTML(...) call.

    Handles literal calls `createPageHTML(5, 0, "index", "html")`, calls with a leading element
    id or a trailing record count, and calls through variables (`var countPage = 5`).
    """
    m = _CREATE_PAGE.search(text)
    if not m:
        return None
    variables = {k: v.strip() for k, v in _JS_VAR.findall(text)}
    args = _js_args(m.group(1), variables)
    ints = [a for a in args if isinstance(a, int)]
    strs = [a for a in args if isinstance(a, str)]
    if len(ints) < 2:
        return None
    suffix_i = next((i for i, s in enumerate(strs) if s.lower() in ("html", "shtml", "htm")), None)
    if suffix_i is None or suffix_i == 0:
        return None
    return ints[0], ints[1], strs[suffix_i - 1], strs[suffix_i]


def trs_pages(text: str, url: str, eager: bool = True) -> list[PageRequest]:
    """Listing pages named prefix.html, prefix_1.html, ... prefix_{N-1}.html.

    eager: every page at once (fast, for full crawls); else only the next one, so a crawl that
    only wants recent years can stop when the listing reaches older reports.
    """
    info = trs_page_info(text)
    if info is None:
        return []
    count, current, prefix, suffix = info
    wanted = range(1, count) if eager else range(current + 1, min(current + 2, count))
    return [PageRequest(urljoin(url, f"{prefix}_{i}.{suffix}")) for i in wanted if i != current]


# ----------------------------------------------------------------------------- Hanweb (大汉)
_DATAPROXY = re.compile(r"""(?:url|href|src)\s*[:=]\s*['"]([^'"]*dataproxy\.jsp[^'"]*)['"]""", re.I)
_JS_PARAM = re.compile(r"""['"]?\b(\w+)['"]?\s*[:=]\s*['"]?([^,'"}\s&;]*)['"]?""")
_PROXY_KEYS = {"columnid", "unitid", "webid", "appid", "webname", "path", "permissiontype", "col",
               "sourcecontenttype"}
_TOTAL = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
_PERPAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.I)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_XML_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_BATCH_PAGES = 3  # jpage asks for three screens of records per request


def hanweb_proxy(text: str, url: str) -> Optional[tuple[str, dict[str, str], int, int]]:
    """(dataproxy URL without query, form params, total records, per page) from a column page."""
    text = html_lib.unescape(text)
    m = _DATAPROXY.search(text)
    if not m:
        return None
    proxy = urljoin(url, m.group(1))
    parts = urlsplit(proxy)
    params = dict(parse_qsl(parts.query))
    # jpage's script also lists them as "key: value" pairs, before or after the proxy URL.
    for k, v in _JS_PARAM.findall(text):
        if k.lower() in _PROXY_KEYS and k not in params and v:
            params[k] = v
    for k in ("startrecord", "endrecord", "perpage", "page"):
        params.pop(k, None)
    total = _TOTAL.search(text)
    per = _PERPAGE.search(text)
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return base, params, int(total.group(1)) if total else 0, int(per.group(1)) if per else 15


def hanweb_requests(text: str, url: str, eager: bool = True,
                    first_record: int = 1) -> list[PageRequest]:
    """dataproxy.jsp requests (POST, like jpage) covering the records after the embedded ones.

    The column page already embeds the first screen; records from `first_record` on are asked
    for in batches of three screens. Without a known total, one batch is asked for and the
    proxy's own <totalrecord> drives the rest (see hanweb_next).
    """
    proxy = hanweb_proxy(text, url)
    if proxy is None:
        return []
    base, params, total, per = proxy
    return _batches(base, params, total, per, first_record, eager)


def _batches(base: str, params: dict[str, str], total: int, per: int, first: int,
             eager: bool) -> list[PageRequest]:
    size = per * _BATCH_PAGES
    last = max(total, first + size - 1) if total else first + size - 1
    out = []
    start = first
    while start <= last:
        q = urlencode({"startrecord": start, "endrecord": start + size - 1, "perpage": per})
        out.append(PageRequest(f"{base}?{q}", "POST", tuple(sorted(params.items()))))
        start += size
        if not eager:
            break
    return out


def hanweb_records(xml_text: str, url: str) -> list[Anchor]:
    """Anchors inside the <record><![CDATA[...]]></record> rows of a dataproxy answer or an
    embedded <datastore> (the column page's first screen)."""
    found: list[Anchor] = []
    for chunk in _CDATA.findall(xml_text):
        if "<a" in chunk.lower():
            found.extend(anchors(f"<html><body>{chunk}</body></html>", url))
    return found


def hanweb_next(xml_text: str, url: str, params: Optional[dict[str, str]] = None,
                eager: bool = True) -> list[PageRequest]:
    """Further dataproxy batches implied by one answer's <totalrecord> and its endrecord.
    params: the form fields the answered request was sent with (carried to the next ones)."""
    m = _XML_TOTAL.search(xml_text)
    parts = urlsplit(url)
    q = dict(parse_qsl(parts.query))
    if not m or "endrecord" not in q:
        return []
    total, end = int(m.group(1)), int(q["endrecord"])
    if end >= total:
        return []
    per = int(q.get("perpage", 15) or 15)
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return _batches(base, dict(params or {}), total, per, end + 1, eager)


def is_hanweb_proxy(url: str) -> bool:
    return "dataproxy.jsp" in urlsplit(url).path.lower()
