"""PDF to RawPage: text lines in reading order, ruled tables as grids in place.

Tables are found from their ruling lines (pdfplumber). Merged cells are expanded from the cell
boxes, so a cell spanning rows or columns repeats its text like an HTML grid with rowspan/colspan
expanded. A table that runs on at the top of the next page is merged into one grid. Paragraph
text is returned as lines per page; repairing broken lines and page numbers is clean_page's job.
"""
from __future__ import annotations

import io
import logging
import re
from bisect import bisect_left
from typing import Optional

import unicodedata

from transforms import rules
from transforms.cells import cell_number
from transforms.errors import ExtractError
from transforms.limits import DEFAULT, Limits
from transforms.model import Block, Grid, RawPage
from transforms.sources.pdf_bounds import StreamLimit, budget, iter_first_pages, no_text_layer

MAX_PAGES = DEFAULT.pdf_max_pages  # no annual report is longer; bounds the work on hostile files
MAX_RULES = 4000  # lines + rects on one page beyond which table finding is skipped (a drawing)
EDGE_TOL = 3.0  # points: two ruling lines closer than this are the same line
CONTINUE_TOL = 6.0  # points: column edges of a table and its continuation may differ this much
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,3}(?:\s*页)?(?:\s*/\s*(?:共\s*)?\d{1,3}\s*页?)?[-—–\s]*$")
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])[ \t]+(?=[\u3000-\u9fff\uff00-\uffef\d])"
                        r"|(?<=[\d])[ \t]+(?=[\u3000-\u9fff\uff00-\uffef])")

# Radical code points a text layer prints for the ideographs they look like ("⼈⺠政府").
_RADICALS = str.maketrans({**{chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0x2F00, 0x2FD6)},
                           **rules.load("pdf_glyphs.yaml")["radicals"]})
_HAS_RADICAL = re.compile("[\u2e80-\u2fdf]")


def _ideographs(text: str) -> str:
    """Text with radicals printed for ideographs folded back (a font mapping one glyph to both)."""
    return text.translate(_RADICALS) if _HAS_RADICAL.search(text) else text


for _name in ("pdfminer", "pdfplumber"):  # pdfminer logs warnings for every odd object
    logging.getLogger(_name).setLevel(logging.ERROR)


class _Table:
    """A grid, the x positions of its column edges, its cell boxes and where it sits."""

    def __init__(self, grid: Grid, xs: list[float], cells: list, bbox: tuple, page_no: int):
        self.grid, self.xs, self.cells, self.bbox, self.page_no = grid, xs, cells, bbox, page_no
        self.top = bbox[1]
        self.parts = [cells]  # the cells of each page the table spans, in order


# ----------------------------------------------------------------------------- grids
def _cluster(values: list[float], tol: float = EDGE_TOL) -> list[float]:
    """Sorted edge positions with near-equal values (within tol) folded into one."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(edges: list[float], v: float, tol: float = EDGE_TOL) -> Optional[int]:
    i = bisect_left(edges, v - tol)
    if i < len(edges) and abs(edges[i] - v) <= tol:
        return i
    return None


def _cell_text(text: Optional[str]) -> str:
    """Cell text on one line: lines broken inside a narrow cell are joined back."""
    return _ideographs("".join((text or "").split("\n")).strip())


def _cells(table) -> list[tuple[tuple, str]]:
    texts = table.extract()
    out = []
    for row, trow in zip(table.rows, texts):
        for bbox, text in zip(row.cells, trow):
            if bbox is not None:
                out.append((bbox, _cell_text(text)))
    return out


def _grid(cells: list[tuple[tuple, str]], xs: list[float], tol: float = EDGE_TOL) -> Optional[Grid]:
    """Expand cell boxes onto the column edges `xs`; None when a cell does not sit on them."""
    ys = _cluster([b[1] for b, _ in cells] + [b[3] for b, _ in cells])
    if len(xs) < 2 or len(ys) < 2:
        return None
    grid = [[""] * (len(xs) - 1) for _ in range(len(ys) - 1)]
    for (x0, top, x1, bottom), text in cells:
        c0, c1 = _index(xs, x0, tol), _index(xs, x1, tol)
        r0, r1 = _index(ys, top), _index(ys, bottom)
        if None in (c0, c1, r0, r1) or c1 <= c0 or r1 <= r0:
            return None
        for r in range(r0, r1):
            for c in range(c0, c1):
                grid[r][c] = text
    return grid


def _page_tables(page, page_no: int) -> list[_Table]:
    out = []
    if len(page.lines) + len(page.rects) + len(page.curves) > MAX_RULES:
        return out  # a chart or a vector drawing, not a form: its text is kept as lines
    for table in page.find_tables():
        cells = _cells(table)
        if not cells:
            continue
        xs = _cluster([b[0] for b, _ in cells] + [b[2] for b, _ in cells])
        grid = _grid(cells, xs)
        if grid is None or len(grid[0]) < 2:
            continue  # a framed paragraph, not a table: its text stays as lines
        # (a single row is kept: a table's first header row alone at the foot of a page; if no
        # table continues it, it goes back to text)
        out.append(_Table(grid, xs, cells, table.bbox, page_no))
    return out


# ----------------------------------------------------------------------------- text lines
def _tidy(line: str) -> str:
    """PDF text puts spaces around Latin digits next to CJK ("2024 年"): dropped in the title."""
    return _CJK_SPACE.sub("", line).strip()


def _inside(line: dict, tables: list[_Table]) -> bool:
    mid = (line["top"] + line["bottom"]) / 2
    for t in tables:
        x0, top, x1, bottom = t.bbox
        if top <= mid <= bottom and line["x1"] > x0 and line["x0"] < x1:
            return True
    return False


def _page_items(page, page_no: int) -> list[tuple[float, object]]:
    """(top, line text or _Table) in reading order."""
    tables = _page_tables(page, page_no)
    items: list[tuple[float, object]] = [(t.top, t) for t in tables]
    for line in page.extract_text_lines(return_chars=False):
        if not _inside(line, tables):
            text = _ideographs(line["text"].strip())  # spacing is repaired by clean_page
            if text:
                items.append((line["top"], text))
    items.sort(key=lambda it: it[0])
    return items


# ----------------------------------------------------------------------------- continuation
def _first_numeric_col(grid: Grid) -> int:
    cols = [j for j in range(len(grid[0])) if sum(cell_number(r[j]) is not None for r in grid) >= 1]
    return min(cols) if cols else len(grid[0])


def _continue(prev: _Table, nxt: _Table) -> bool:
    """Append `nxt` to `prev` when it sits on prev's column edges; False when it does not.

    A header cut from its body by the page break (prev holds no figure at all) continues on
    the body's finer columns: the header's merged cells then span them, as in one table. So does
    a body whose label columns differ from one page to the next while its value columns line
    up (a row group cut by the break: the next page prints the group's column, this one not)."""
    if abs(prev.xs[0] - nxt.xs[0]) > CONTINUE_TOL or abs(prev.xs[-1] - nxt.xs[-1]) > CONTINUE_TOL:
        return False
    grid = _grid(nxt.cells, prev.xs, CONTINUE_TOL)
    if grid is not None:
        _join(prev.grid, grid)
    elif _first_numeric_col(prev.grid) >= len(prev.grid[0]) or _same_value_columns(prev, nxt):
        xs = _cluster(prev.xs + nxt.xs, CONTINUE_TOL)
        grids = [_grid(cells, xs, CONTINUE_TOL) for cells in prev.parts + [nxt.cells]]
        if any(g is None for g in grids):
            return False
        prev.grid[:] = _stack(grids)  # in place: the block already holds this list
        prev.xs = xs
    else:
        return False
    prev.parts.append(nxt.cells)
    return True


def _same_value_columns(prev: _Table, nxt: _Table) -> bool:
    """The value columns of both parts sit on the same edges: the label columns alone differ
    (a group label cut by the page break leaves the next page a column more, or fewer)."""
    a, b = _first_numeric_col(prev.grid), _first_numeric_col(nxt.grid)
    if a >= len(prev.grid[0]) or b >= len(nxt.grid[0]):
        return False
    ea, eb = prev.xs[a:], nxt.xs[b:]
    return len(ea) == len(eb) and all(abs(x - y) <= CONTINUE_TOL for x, y in zip(ea, eb))


def _stack(grids: list[Grid]) -> Grid:
    out = [row[:] for row in grids[0]]
    for grid in grids[1:]:
        _join(out, grid)
    return out


def _join(prev: Grid, grid: Grid) -> None:
    """The rows of the next page appended to the table (cut rows and labels made whole)."""
    _join_cut_row(prev, grid)
    if grid:  # (the next page may hold nothing but the rest of a cut row)
        _fill_cut_labels(prev, grid)
        prev.extend(grid)


def _join_cut_row(prev: Grid, grid: Grid) -> None:
    """A row cut by the page break: the next page starts with the rest of its labels, or nothing,
    and no value ("公开" after "2.其他法律行政法规禁止"). The rest is joined to the row's labels,
    and to a label cell that spans rows across the break ("（三）不予公" / "开"), on both pages."""
    labels = _first_numeric_col(prev)
    if not grid or labels == 0 or labels >= len(prev[-1]) or len(grid[0]) != len(prev[-1]):
        return
    first, last = grid[0], prev[-1]
    if any(c.strip() for c in first[labels:]) or not any(c.strip() for c in last[labels:]):
        return
    for j in range(labels):  # (a cut row's rest may be empty: only its bottom border)
        rest, old = first[j], last[j]
        if not rest or rest == old:
            continue
        whole = old + rest
        for row in reversed(prev):
            if row[j] != old:
                break
            row[j] = whole
        for row in grid[1:]:
            if row[j] != rest:
                break
            row[j] = whole
    del grid[0]


def _fill_cut_labels(prev: Grid, grid: Grid) -> None:
    """A merged label cell cut by the page break prints empty at the top of the next page."""
    labels = _first_numeric_col(prev)
    last = prev[-1]
    for j in range(min(labels, len(grid[0]))):
        if not grid[0][j] and last[j]:
            for r in grid:
                if r[j]:
                    break
                r[j] = last[j]


def _is_filler(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text))


# ----------------------------------------------------------------------------- entry point
def _open(raw: bytes):
    import pdfplumber
    try:
        return pdfplumber.open(io.BytesIO(raw))
    except Exception as exc:  # pdfminer raises many unrelated types on bad input
        raise ExtractError(f"cannot read PDF: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _blocks(pdf, max_pages: int = MAX_PAGES) -> tuple[list[Block], list[str], int]:
    blocks: list[Block] = []
    warnings: list[str] = []
    chars = 0
    last_table: Optional[_Table] = None  # the table the text so far ends with, if any
    for page_no, page in enumerate(iter_first_pages(pdf, max_pages, warnings), start=1):
        chars += len(page.chars)
        lines: list[str] = []
        for _, item in _page_items(page, page_no):
            if isinstance(item, _Table):
                if lines:
                    blocks.append(Block("\n".join(lines), page_no=page_no))
                    lines = []
                if last_table is not None and item.page_no > last_table.page_no and _continue(last_table, item):
                    continue
                blocks.append(Block("", table=item.grid, page_no=page_no))
                last_table = item
                continue
            lines.append(item)
            if not _is_filler(item):
                last_table = None
        if lines:
            blocks.append(Block("\n".join(lines), page_no=page_no))
        page.flush_cache()
    for b in blocks:
        if b.table is not None and len(b.table) == 1:  # a lone row no table continued: text
            b.text, b.table = " ".join(dict.fromkeys(c for c in b.table[0] if c)), None
        elif b.table is not None:
            b.text = "\n".join("\t".join(row) for row in b.table)
    return blocks, warnings, chars


def _title(pdf, blocks: list[Block]) -> Optional[str]:
    """The heading on the first page: the first lines up to one ending in 报告."""
    first = next((b for b in blocks if b.table is None and b.text), None)
    if first is not None:
        lines = first.text.splitlines()[:4]
        for k, line in enumerate(lines):
            if line.endswith("报告"):
                return _tidy("".join(lines[:k + 1]))
    meta = (pdf.metadata or {}).get("Title")
    return meta.strip() if isinstance(meta, str) and meta.strip() else None


def pdf_to_rawpage(raw: bytes, limits: Limits = DEFAULT) -> RawPage:
    # Streams decode within the document's budget; StreamLimit and a caller's TimeLimit are
    # BaseExceptions: the `except Exception` here and in the libraries never swallows them.
    # Nothing is closed in a `finally`: PDF.close() would list every page of the document.
    try:
        with budget(limits):
            pdf = _open(raw)
            blocks, warnings, chars = _blocks(pdf, limits.pdf_max_pages)
            title = _title(pdf, blocks)
    except StreamLimit as exc:
        raise ExtractError(exc.message) from None
    except ExtractError:
        raise
    except Exception as exc:
        raise ExtractError(f"cannot read PDF: {_reason(exc)}") from None
    if chars == 0 or not any(b.text.strip() for b in blocks):
        raise ExtractError(no_text_layer(warnings))
    return RawPage(kind="pdf", blocks=blocks, title=title, warnings=warnings)
