"""DOCX to blocks: paragraphs and tables in document order, merged cells expanded.

A DOCX is a ZIP: its central directory (entry count, each part's inflated and compressed size)
is checked against the limits before anything is inflated. zipfile never inflates past a
part's declared size (a part that lies fails its CRC), so checking the declared sizes bounds
what python-docx can read. Everything the package or its XML raises becomes an ExtractError.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile

from transforms.errors import ExtractError
from transforms.limits import DEFAULT, Limits, over, size
from transforms.sources.html_tables import grid_text
from transforms.model import Block, Grid, RawPage

_WS = re.compile(r"[ \t\r\f\v\xa0\u3000]+")
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_MAX_ENTRY_BYTES = 512  # a directory entry with a long name and extras; real ones take ~80
_INFLATERS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what a DOCX uses; others inflate unbounded


def docx_to_rawpage(raw: bytes, limits: Limits = DEFAULT) -> RawPage:
    check_package(raw, limits)
    try:
        return _read(raw)
    except ExtractError:
        raise
    except Exception as exc:  # zipfile, zlib, lxml and python-docx raise many unrelated types
        raise ExtractError(f"unreadable DOCX ({_reason(exc)})") from None


def _read(raw: bytes) -> RawPage:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(raw))
    blocks: list[Block] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
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


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ----------------------------------------------------------------------------- bounds
def check_package(raw: bytes, limits: Limits = DEFAULT) -> None:
    """Refuse a ZIP whose directory promises more than the limits allow, before inflating."""
    directory = zip_directory(raw)
    if directory is None:
        raise ExtractError("unreadable DOCX (no ZIP directory: truncated?)")
    count, cd_bytes = directory
    # The count may lie (zipfile reads the directory by its size, building an object per
    # entry): a directory larger than the allowed entries need is refused as well.
    count = max(count, cd_bytes // _MAX_ENTRY_BYTES)
    if count > limits.zip_max_entries:
        raise over("DOCX has", f"{count} parts", "zip_max_entries", str(limits.zip_max_entries))
    try:
        infos = zipfile.ZipFile(io.BytesIO(raw)).infolist()
    except Exception as exc:  # BadZipFile, struct.error, NotImplementedError, ...
        raise ExtractError(f"unreadable DOCX ({_reason(exc)})") from None
    total = 0
    for info in infos:
        name = info.filename[:80]
        if info.compress_type not in _INFLATERS:
            raise ExtractError(f"unreadable DOCX (part {name} uses compression method "
                               f"{info.compress_type}, not deflate)")
        if info.file_size > limits.zip_max_part_bytes:
            raise over(f"DOCX part {name} inflates to", size(info.file_size), "zip_max_part_bytes",
                       size(limits.zip_max_part_bytes))
        if info.file_size > limits.zip_ratio_from_bytes and \
                info.file_size > limits.zip_max_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise over(f"DOCX part {name} inflates", f"{ratio:.0f} times", "zip_max_ratio",
                       f"{limits.zip_max_ratio:g}")
        total += info.file_size
    if total > limits.zip_max_total_bytes:
        raise over("DOCX parts inflate to", size(total), "zip_max_total_bytes",
                   size(limits.zip_max_total_bytes))


def zip_directory(raw: bytes):
    """(entries, directory bytes) as the ZIP's end record announces them (zip64 aware), read
    without building the directory; None when there is no end record."""
    at = raw.rfind(_EOCD, max(0, len(raw) - 65557))
    if at < 0 or len(raw) < at + 22:
        return None
    count, cd_bytes = struct.unpack_from("<HI", raw, at + 10)
    loc = at - 20
    if count == 0xFFFF or cd_bytes == 0xFFFFFFFF:
        if loc >= 0 and raw[loc:loc + 4] == _ZIP64_LOCATOR:
            end64 = struct.unpack_from("<Q", raw, loc + 8)[0]
            if end64 + 48 <= len(raw):
                count, cd_bytes = struct.unpack_from("<QQ", raw, end64 + 32)
    return count, cd_bytes


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
