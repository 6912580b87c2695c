"""DOCX to blocks: paragraphs and tables in document order, merged cells expanded."""
from __future__ import annotations

import io
import re
import zipfile

from transforms.errors import ExtractError
from transforms.sources.html_tables import grid_text
from transforms.model import Block, Grid, RawPage

_WS = re.compile(r"[ \t\r\f\v\xa0\u3000]+")


def docx_to_rawpage(raw: bytes) -> RawPage:
    try:
        import docx
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractError(f"unreadable DOCX ({exc.__class__.__name__})") from exc
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[Block] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = _clean(Paragraph(child, document).text)
            blocks.extend(Block(line) for line in text.split("\n") if line.strip())
        elif tag == "tbl":
            grid = table_grid(Table(child, document))
            if grid and len(grid[0]) >= 2:
                blocks.append(Block(grid_text(grid), table=grid))
            else:  # a one-column frame: its cells are paragraphs
                blocks.extend(Block(row[0]) for row in grid if row and row[0])
    if not any(b.text for b in blocks):
        raise ExtractError("no text in the DOCX document")
    title = _clean(document.core_properties.title or "") or None
    return RawPage(kind="docx", blocks=blocks, title=title)


def _clean(text: str) -> str:
    return "\n".join(_WS.sub(" ", line).strip() for line in (text or "").split("\n"))


def table_grid(table) -> Grid:
    """python-docx repeats a merged cell in every grid position it covers: that is our grid."""
    grid = []
    for row in table.rows:
        try:
            cells = row.cells
        except (IndexError, ValueError):  # malformed spans: fall back to the row's own cells
            cells = [c for c in row._tr.tc_lst]
            grid.append([_WS.sub(" ", "".join(t.text or "" for t in c.iter() if t.text)).strip() for c in cells])
            continue
        grid.append([_WS.sub(" ", c.text.replace("\n", " ")).strip() for c in cells])
    width = max((len(r) for r in grid), default=0)
    out = [r + [""] * (width - len(r)) for r in grid]
    return [r for r in out if any(r)]
