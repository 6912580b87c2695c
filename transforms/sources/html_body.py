"""HTML page to blocks: find the body, keep paragraphs and tables in reading order.

The page is parsed once with lxml. CMS body containers (rules/body.yaml) are tried first,
because government portals run a handful of CMSs whose body element is known; a page none of
them fits goes to trafilatura's generic extraction. Tables always come from the raw HTML, with
spans expanded (html_tables), never from flattened text.
"""
from __future__ import annotations

from transforms import rules

import re
from typing import Optional

from cssselect import HTMLTranslator

from transforms.cjk import cjk_count
from transforms.sources.decode import decode_bytes
from transforms.sources.html_parse import parse_html
from transforms.errors import ExtractError
from transforms.sources.html_tables import grid_text, is_data_table, table_grid
from transforms.model import Block, RawPage
from transforms.cleaning.normalise import find_printed_date, parse_date

RULES = rules.load("body.yaml")
# CSS selectors translated to XPath strings once; evaluated per call with tree.xpath(), which
# (unlike shared compiled selector objects) is safe when pages are parsed in several threads.
_XPATH = HTMLTranslator()
_CONTAINERS = [_XPATH.css_to_xpath(s) for s in RULES["containers"]]
_TITLE_SELECTORS = [_XPATH.css_to_xpath(s) for s in RULES["title_selectors"]]
_CHROME = re.compile("^(?:" + "|".join(f"(?:{p})" for p in RULES["chrome_tokens"]) + ")$", re.I)
_SKIP_TAGS = frozenset(RULES["skip_tags"])
_TITLE_META = {m.lower() for m in RULES["title_meta"]}
_DATE_META = {m.lower() for m in RULES["date_meta"]}
_TITLE_SEP = re.compile(RULES["title_separators"])

_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd section article header footer aside main table "
    "thead tbody tfoot tr td th blockquote pre form center address fieldset hr figure figcaption"
    .split())
_WS = re.compile(r"[ \t\r\f\v\xa0\u3000]+")
_SITE_NAME = re.compile(RULES["site_name_pattern"])
_YEAR = re.compile(r"(?:19|20)\d{2}")
_HIDDEN = re.compile(RULES["hidden_style"], re.I)
_CONTINUES = re.compile(RULES["continuation_start"])


def html_to_rawpage(raw: bytes, url: Optional[str] = None, content_type: Optional[str] = None) -> RawPage:
    text, codec = decode_bytes(raw, content_type, html=True)
    tree = parse_html(text)
    if tree is None:
        raise ExtractError("no body text (unparsable HTML)")
    aside = drop_invisible(tree)
    meta = page_meta(tree)
    title = page_title(tree)
    aside.extend(link_texts(tree))
    container = find_container(tree)
    blocks = []
    if container is not None:
        for part in [*reversed(continuation(container, preceding=True)), container, *continuation(container)]:
            blocks.extend(walk_blocks(part))
    how = "container"
    if _blocks_cjk(blocks) < RULES["min_container_cjk"]:
        blocks, how = generic_blocks(tree), "generic"
    if _blocks_cjk(blocks) < RULES["min_body_cjk"]:
        # the generic extractor found nothing: read the whole body, cleaning sorts it out
        body = tree.find("body")
        blocks, how = walk_blocks(body if body is not None else tree), "page"
    if _blocks_cjk(blocks) < RULES["min_body_cjk"]:
        raise ExtractError("no body text found in the HTML page (empty or script-rendered)")
    if title and not any(title in b.text for b in blocks[:8]):
        # a <title> with keywords appended ("…年度报告范文"): the body's own heading is the title
        own = next((b.text for b in blocks[:40] if not b.is_table and len(b.text) >= 8
                    and b.text in title and len(b.text) >= 0.6 * len(title)), None)
        if own:
            aside.append(title)
            title = own
        else:
            blocks.insert(0, Block(title))
    whole = page_text(tree)
    if "published_date" not in meta:
        printed = find_printed_date(whole)
        if printed:
            meta["published_date"] = printed
    meta.update(encoding=codec, body_from=how, aside_text=aside,
                outside_text=outside_lines(whole, blocks))
    warnings = ["no body element recognised: the whole page was read"] if how == "page" else []
    return RawPage(kind="html", blocks=blocks, title=title, meta=meta, warnings=warnings)


def _blocks_cjk(blocks: list[Block]) -> int:
    return cjk_count(" ".join(b.text for b in blocks))


def drop_invisible(tree) -> list[str]:
    """Remove elements a reader never sees (injected SEO links hide this way), tails kept.

    A hidden element holding a body's worth of prose stays: some CMSs hide the body until a
    script shows it, or keep a hidden print copy (a repeat that cleaning collapses).
    Returns the texts removed (each link's, or the element's), for cleaning to check for spam.
    """
    removed: list[str] = []
    for el in tree.xpath("//*[@style or @hidden]"):
        if el.get("hidden") is not None or _HIDDEN.search(el.get("style") or ""):
            total, linked = _text_stats(el)
            if el.getparent() is not None and total - linked < RULES["hidden_body_cjk"]:
                pieces = [a.text_content() for a in el.iter("a")] or [el.text_content()]
                removed.extend(t.strip() for t in pieces if t.strip())
                el.drop_tree()
    return removed


def link_texts(tree) -> list[str]:
    """The texts of the page's links (menus, link farms around the body), at most a few hundred."""
    out = []
    for a in tree.iter("a"):
        t = _WS.sub(" ", a.text_content()).strip()
        if t and len(t) <= RULES["aside_text_max"]:
            out.append(t)
            if len(out) >= RULES["aside_links_max"]:
                break
    return out



def _is_chrome(el) -> bool:
    if el.tag in _SKIP_TAGS or el.get("aria-hidden") == "true":
        return True  # (elements hidden by style are gone already: drop_invisible)
    tokens = (el.get("class") or "").split() + (el.get("id") or "").split()
    return any(_CHROME.match(t) for t in tokens)


_LIST_TAGS = frozenset(("p", "div", "ul", "ol", "dl", "span", "font", "center", "table"))


def _is_link_list(el) -> bool:
    """A run of short links and nothing else (a menu, a link farm or a table of related pages
    with an unknown class). Elements holding a table are frames, never lists."""
    if el.tag not in _LIST_TAGS:
        return False
    links = [a for a in el.iter("a")]
    if len(links) < RULES["link_list_min_links"] or any(t is not el for t in el.iter("table")):
        return False
    texts = [cjk_count(a.text_content()) for a in links]
    total = cjk_count(el.text_content())
    return (total > 0 and sum(texts) >= RULES["link_list_share"] * total
            and sum(texts) <= RULES["link_list_mean_cjk"] * len(links))


def _text_stats(el) -> tuple[int, int]:
    """(CJK characters in the element, CJK characters inside its links)."""
    total = cjk_count(" ".join(el.itertext()))
    linked = sum(cjk_count(a.text_content()) for a in el.iter("a"))
    return total, linked


def find_container(tree):
    """The first rules selector that yields a body-sized, mostly non-link element."""
    body = tree.find("body")
    page_total, page_linked = _text_stats(body if body is not None else tree)
    floor = max(RULES["min_container_cjk"], RULES["min_container_share"] * (page_total - page_linked))
    for sel in _CONTAINERS:
        scored = []
        for el in tree.xpath(sel):
            total, linked = _text_stats(el)
            if total and linked / total <= RULES["max_link_density"] and total - linked >= floor:
                scored.append((total - linked, el))
        if scored:
            return _tightest(scored)
    return None


def continuation(container, preceding: bool = False) -> list:
    """Siblings that carry on the body the container holds only part of (nearest first).

    A CMS may print the body in several elements of the body class (one per editor block or
    page), or put its later sections or tables in a sibling of another class. A sibling
    counts when it is not chrome nor a link list, holds mostly non-link text, and either has
    the container's class or (following siblings only) starts like a report section (a
    numbered heading) or holds a data table. The first sibling with text that does not fit
    ends the run.
    """
    out = []
    cls = set((container.get("class") or "").split())
    for sib in container.itersiblings(preceding=preceding):
        if not isinstance(sib.tag, str) or _is_chrome(sib) or _is_link_list(sib):
            continue
        total, linked = _text_stats(sib)
        if total - linked < RULES["min_body_cjk"]:
            continue  # an empty spacer, a script, a one-word label
        if linked > RULES["continuation_max_link_share"] * total:
            break
        same = bool(cls) and cls <= set((sib.get("class") or "").split()) and sib.tag == container.tag
        if same or (not preceding and (_CONTINUES.match(_first_text(sib)) or _has_data_table(sib))):
            out.append(sib)
        else:
            break
    return out


def _first_text(el) -> str:
    for t in el.itertext():
        t = _WS.sub("", t)
        if t:
            return t
    return ""


def _has_data_table(el) -> bool:
    return any(is_data_table(t) for t in el.iter("table"))


def _tightest(scored):
    """The richest match, or a descendant of it that holds nearly all of its text."""
    scored.sort(key=lambda t: -t[0])
    best_score, best = scored[0]
    for score, el in scored[1:]:
        if score >= 0.9 * best_score and best in el.iterancestors():
            best = el
    return best


def walk_blocks(container) -> list[Block]:
    """Paragraphs and data tables of the container, in document order.

    Iterative (an explicit stack): real pages nest deeper than Python's recursion limit.
    """
    blocks: list[Block] = []
    buf: list[str] = []
    stack: list = [("open", container)]
    while stack:
        op, item = stack.pop()
        if op == "text":
            buf.append(item)
            continue
        if op == "close":
            _flush(buf, blocks)
            continue
        el = item
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if el is not container and (_is_chrome(el) or _is_link_list(el)):
            continue
        if tag == "br":
            buf.append("\n")
            continue
        if tag == "table":  # (a table of links is gone already: _is_link_list)
            grid = table_grid(el)
            if is_data_table(el, grid):
                _flush(buf, blocks)
                blocks.append(Block(grid_text(grid), table=grid))
                continue
        is_block = tag in _BLOCK_TAGS
        if is_block:
            _flush(buf, blocks)
            stack.append(("close", el))
        for child in reversed(el):  # pushed in reverse: popped in document order
            if child.tail:
                stack.append(("text", child.tail))
            stack.append(("open", child))
        if el.text:
            buf.append(el.text)
    _flush(buf, blocks)
    return blocks


def _flush(buf: list[str], blocks: list[Block]) -> None:
    if buf:
        text = _WS.sub(" ", "".join(buf)).strip()
        buf.clear()
        if text:
            blocks.extend(Block(line.strip()) for line in text.split("\n") if line.strip())


def generic_blocks(tree) -> list[Block]:
    """Body by trafilatura's generic extraction; its tables swapped for our span-aware grids."""
    import trafilatura
    from lxml import etree

    try:
        xml = trafilatura.extract(
            tree, output_format="xml", include_tables=True, include_comments=False,
            include_links=False, include_images=False, favor_recall=True, deduplicate=False,
            with_metadata=False)
    except (ValueError, etree.LxmlError):  # odd markup trafilatura cannot serialise: the
        return []                           # caller then reads the whole page itself
    if not xml:
        return []
    try:
        doc = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return []
    main = doc.find("main")
    extracted = [_WS.sub("", "".join(el.itertext())) for el in doc.iter("p", "head", "item", "cell", "quote")]
    anchor = _anchor_element(tree, extracted)
    if anchor is not None:
        blocks = walk_blocks(anchor)
        if blocks:
            return blocks
    raw_tables = _raw_data_tables(tree)
    blocks: list[Block] = []
    for el in (main if main is not None else doc):
        if el.tag == "table":
            grid = _match_table(el, raw_tables)
            if grid and len(grid[0]) >= 2:
                blocks.append(Block(grid_text(grid), table=grid))
            else:  # a one-column layout table around the text
                for cell in el.iter("cell"):
                    _add_text_blocks(cell, blocks)
        elif el.tag == "list":
            for item in el.iter("item"):
                _add_text_blocks(item, blocks)
        else:
            _add_text_blocks(el, blocks)
    return blocks


def _anchor_element(tree, extracted: list[str]):
    """The element of the page that holds what trafilatura extracted, to walk it ourselves.

    Walking the page's own element keeps short lines (table cells written as paragraphs) and
    tables in place. It is the deepest element holding 80% of the text nodes that start an
    extracted paragraph; None when that is the whole page body.
    """
    prefixes = {t[:16] for t in extracted if len(t) >= 16}
    if not prefixes:
        return None
    matched = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for text, owner in ((el.text, el), (el.tail, el.getparent())):
            if text and owner is not None and _WS.sub("", text)[:16] in prefixes:
                matched.append(owner)
    if len(matched) < 2:
        return None
    counts: dict = {}
    depth: dict = {}
    for el in matched:
        chain = [el, *el.iterancestors()]
        for d, anc in enumerate(reversed(chain)):
            counts[anc] = counts.get(anc, 0) + 1
            depth[anc] = d
    need = 0.8 * len(matched)
    best = max((a for a, c in counts.items() if c >= need), key=lambda a: depth[a], default=None)
    if best is None or best.tag in ("html", "body"):
        return None
    return best


def _add_text_blocks(el, blocks: list[Block]) -> None:
    parts = []
    for node in el.iter():
        if node.tag == "lb":
            parts.append("\n")
        if node.text and node.tag != "lb":
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    text = _WS.sub(" ", "".join(parts))
    blocks.extend(Block(line.strip()) for line in text.split("\n") if line.strip())


def _raw_data_tables(tree) -> list[list]:
    out = []
    for t in tree.iter("table"):
        grid = table_grid(t)
        if is_data_table(t, grid):
            out.append(grid)
    return out


def _match_table(el, raw_tables: list) -> Optional[list]:
    """The first unused raw grid that shares the extracted table's first cells."""
    cells = [_WS.sub(" ", "".join(c.itertext())).strip() for c in el.iter("cell")]
    probe = {c for c in cells if c}
    for i, grid in enumerate(raw_tables):
        flat = {c for row in grid for c in row if c}
        if probe and len(probe & flat) >= 0.6 * len(probe):
            return raw_tables.pop(i)
    rows = [[_WS.sub(" ", "".join(c.itertext())).strip() for c in r.iter("cell")] for r in el.iter("row")]
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows if any(r)]


def outside_lines(whole: str, blocks: list[Block]) -> list[str]:
    """The page's visible lines that did not make it into the body (banners, ads and menus
    around it), for cleaning to check for a spam wrapper. Short lines only, at most a few
    hundred: a body that was not recognised is not spam."""
    body = {_WS.sub(" ", line).strip() for b in blocks for line in b.text.split("\n")}
    out = []
    for line in whole.split("\n"):
        line = _WS.sub(" ", line).strip()
        if line and line not in body and len(line) <= RULES["outside_text_max"]:
            out.append(line)
            if len(out) >= RULES["aside_links_max"]:
                break
    return out


def page_text(tree) -> str:
    body = tree.find("body")
    root = body if body is not None else tree
    parts = []
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag not in ("script", "style") and el.text:
            parts.append(el.text)
        if el.tail:
            parts.append(el.tail)
        parts.append("\n" if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS else "")
    return "".join(parts)


def page_meta(tree) -> dict:
    meta = {}
    for m in tree.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        content = (m.get("content") or "").strip()
        if not name or not content:
            continue
        if name in _DATE_META and "published_date" not in meta:
            iso = parse_date(content)
            if iso:
                meta["published_date"] = iso
        elif name in ("sitename", "site_name", "og:site_name"):
            meta.setdefault("site_name", content)
        elif name in ("contentsource", "source"):
            meta.setdefault("source", content)
    return meta


def page_title(tree) -> Optional[str]:
    """Title from meta ArticleTitle, <h1>/.title, then <title> without the site name.

    Column headings also wear .title classes ("政府信息公开年报"): a candidate that names a
    year, as document titles do, wins over an earlier one that does not.
    """
    head_title = tree.find(".//title")
    title_parts = _title_parts(head_title.text_content() if head_title is not None else "")
    site_parts = {p for p in title_parts if _SITE_NAME.search(p)}
    good = [c for c in _title_candidates(tree, title_parts) if _good_title(c, site_parts)]
    dated = [c for c in good if _YEAR.search(c)]
    if dated or good:
        return (dated or good)[0]
    return max(title_parts, key=cjk_count) if title_parts else None


def _title_candidates(tree, title_parts: list[str]):
    for m in tree.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        if name in _TITLE_META and name != "title":
            yield _clean_title(m.get("content") or "")
    for sel in _TITLE_SELECTORS:
        for el in tree.xpath(sel):
            if not _is_chrome(el):
                yield _clean_title(el.text_content())
    yield from title_parts


def _title_parts(text: str) -> list[str]:
    return [p for p in (_clean_title(x) for x in _TITLE_SEP.split(text)) if cjk_count(p) >= 2]


def _clean_title(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _good_title(cand: str, site_parts: set) -> bool:
    return 6 <= len(cand) <= 120 and cjk_count(cand) >= 4 and cand not in site_parts
