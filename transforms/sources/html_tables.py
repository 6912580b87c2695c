"""HTML tables to grids: rowspan/colspan expanded so every row has one cell per column.

A merged cell's text is repeated in every grid position it covers, so a reader can take any
(row, column) and find its labels without knowing the merge layout.
"""
from __future__ import annotations

import re
from typing import Optional

from transforms.model import Grid

_WS = re.compile(r"\s+")
_MAX_COLSPAN = 50  # a damaged attribute must not blow a table up into millions of cells
_MAX_ROWSPAN = 500
_SKIP = {"script", "style", "noscript"}
MAX_DATA_CELL = 300  # characters: longer text in a cell means the table lays out a page


def _span(el, name: str, limit: int) -> int:
    try:
        v = int(str(el.get(name, "1")).strip() or 1)
    except ValueError:
        return 1
    return max(1, min(v, limit))


def cell_text(el) -> str:
    """The visible text of a cell, whitespace collapsed; <br> and blocks become a space."""
    parts = []
    for node in el.iter():
        if not isinstance(node.tag, str) or node.tag in _SKIP:
            if node is not el and node.tail:
                parts.append(node.tail)
            continue
        if node.tag in ("br", "p", "div", "li") and node is not el:
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    return _WS.sub(" ", "".join(parts).replace("\u3000", " ").replace("\xa0", " ")).strip()


def own_rows(table) -> list:
    """Rows of this table only, not of tables nested in its cells."""
    rows = []
    for child in table:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(r for r in child if isinstance(r.tag, str) and r.tag == "tr")
    return rows


def _own_cells(row) -> list:
    return [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]


def table_grid(table) -> Grid:
    """Expand the table's spans into a rectangular grid of cell texts; empty rows dropped."""
    grid: list[list[Optional[str]]] = []
    carry: dict[tuple[int, int], str] = {}  # (row, col) filled by a rowspan from above
    for r, row in enumerate(own_rows(table)):
        line: list[Optional[str]] = []
        col = 0

        def fill_carried():
            nonlocal col
            while (r, col) in carry:
                line.append(carry.pop((r, col)))
                col += 1

        for cell in _own_cells(row):
            fill_carried()
            text = cell_text(cell)
            cspan = _span(cell, "colspan", _MAX_COLSPAN)
            rspan = _span(cell, "rowspan", _MAX_ROWSPAN)
            for c in range(col, col + cspan):
                line.append(text)
                for rr in range(r + 1, r + rspan):
                    carry[(rr, c)] = text
            col += cspan
        fill_carried()
        # a rowspan may reach past the last cell of this row at a gap: fill it
        while any(k[0] == r for k in carry):
            nxt = min(c for (rr, c) in carry if rr == r)
            line.extend([""] * (nxt - col))
            col = nxt
            fill_carried()
        grid.append(line)
    width = max((len(row) for row in grid), default=0)
    out = [[c or "" for c in row] + [""] * (width - len(row)) for row in grid]
    return [row for row in out if any(c.strip() for c in row)]


def has_nested_table(table) -> bool:
    return any(t is not table for t in table.iter("table"))


def is_data_table(table, grid: Optional[Grid] = None) -> bool:
    """A table of values rather than a layout frame around the page or the body.

    Layout frames nest other tables, or hold long prose in few cells.
    """
    if has_nested_table(table):
        return False
    grid = table_grid(table) if grid is None else grid
    if len(grid) < 2 or len(grid[0]) < 2:
        return False
    cells = [c for row in grid for c in row if c]
    if not cells:
        return False
    longest = max(len(c) for c in cells)
    if longest > MAX_DATA_CELL:
        return False  # a frame around paragraphs, not a value
    return not (longest > 200 and len(set(cells)) <= 4)


def grid_text(grid: Grid) -> str:
    """Rows one per line, cells separated by a tab (the Block.text of a table)."""
    return "\n".join("\t".join(row) for row in grid)
