"""Legacy Word 97-2003 .doc (OLE2 compound file; WPS saves the same) to blocks, per [MS-DOC].

Text: the FIB at the start of the WordDocument stream points into the table stream (0Table or
1Table) at the Clx, whose piece table maps character positions (CPs) to bytes in WordDocument;
only the main document (the first ccpText CPs) is read, not headers, footnotes or comments.

Tables: a .doc has no table structure, only paragraph properties. Paragraphs inside a table carry
sprmPFInTable; each cell ends with a 0x07 mark and each row with a 0x07 "table terminating
paragraph" (sprmPFTtp), whose sprmTDefTable gives the row's cell boundaries and merge flags.
Cells are placed on the union of all boundaries of the table and merged cells are repeated in
every position they cover, as the DOCX reader does. A nested table is flattened into the text of
its outer cell.

Not read: character properties (so hidden text and tracked deletions show), text boxes, styles'
paragraph properties (Word writes table sprms directly), Word 6/95 files (refused).
"""
from __future__ import annotations

import bisect
import codecs
import io
import re
import struct
from dataclasses import dataclass, field
from typing import Iterator, Optional

from transforms.errors import ExtractError
from transforms.limits import DEFAULT, Limits, over, size
from transforms.sources.html_tables import grid_text
from transforms.model import Block, Grid, RawPage

_WS = re.compile(r"[ \t\r\f\v\xa0\u3000]+")

_WORD_IDENT = 0xA5EC
_NFIB_WORD97 = 0x00C0  # Word 97 and later write 0x00C1 or more (LibreOffice 0x0101); Word 6/95 101-105
_F_ENCRYPTED = 0x0100
_F_WHICH_TBL_STM = 0x0200
_F_OBFUSCATED = 0x8000
_FKP_SIZE = 512
_COLUMN_SLACK = 20  # twips (1 pt): boundaries closer than this are one grid line
_FIB_MIN = 68  # FibBase and the counts that follow it
# What damaged bytes raise in struct/olefile/decoding; each becomes an ExtractError.
_DAMAGE = (OSError, struct.error, IndexError, ValueError, KeyError, OverflowError)

# Compressed (8-bit) pieces are cp1252 for these bytes only; every other byte is its own code point.
_COMPRESSED_MAP = str.maketrans({chr(b): bytes([b]).decode("cp1252")
                                 for b in (*range(0x82, 0x8D), *range(0x91, 0x9D), 0x9F)})

# Special characters of the text stream: what they become in the extracted text.
_CHAR_MAP = str.maketrans({
    "\x0b": "\n",  # line break (Shift+Enter)
    "\x1e": "-",  # non-breaking hyphen
    "\x09": "\t",
    **{chr(c): "" for c in range(0x20) if c not in (0x09, 0x0B, 0x1E)},  # anchors, footnote refs…
})
_FIELD_BEGIN, _FIELD_SEP, _FIELD_END = "\x13", "\x14", "\x15"
_PARA_END, _CELL_MARK, _PAGE_BREAK = "\r", "\x07", "\x0c"

# Paragraph and table sprms read from the PAPX grpprls.
_SPRM_P_F_IN_TABLE = 0x2416
_SPRM_P_F_TTP = 0x2417
_SPRM_P_ITAP = 0x6649
_SPRM_P_F_INNER_TABLE_CELL = 0x244B
_SPRM_P_F_INNER_TTP = 0x244C
_SPRM_P_HUGE_PAPX = 0x6646
_SPRM_P_CHG_TABS = 0xC615
_SPRM_T_DEF_TABLE = 0xD608
_SPRM_T_DEF_TABLE10 = 0xD606
_SPRM_T_VERT_MERGE = 0xD62B
_OPERAND_SIZE = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}  # by spra; 6 is variable


@dataclass(frozen=True)
class _Fib:
    table_stream: str
    ccp_text: int
    fc_clx: int
    lcb_clx: int
    fc_papx: int
    lcb_papx: int


@dataclass(frozen=True)
class _Piece:
    cp_start: int
    cp_end: int
    fc: int  # byte offset in WordDocument
    compressed: bool


@dataclass(frozen=True)
class _RowDef:
    """A row's layout from sprmTDefTable: cell edges (twips) and per-cell merge flags."""
    bounds: tuple[int, ...]
    hmerge: tuple[int, ...]  # 0 none, 1 first of a horizontal merge, 2/3 merged with the previous
    vmerge: tuple[int, ...]  # 0 none, 1 continues the cell above, 3 starts a vertical merge


@dataclass(frozen=True)
class _Pap:
    in_table: bool = False
    ttp: bool = False  # the row-end paragraph of an outer table
    depth: int = 0  # table nesting level (itap)
    row: Optional[_RowDef] = None


@dataclass
class _Row:
    cells: list[str]
    rowdef: Optional[_RowDef]


@dataclass
class _Para:
    text: str
    mark: str  # the character that ended it: \r, \x07, \x0c, or "" at the end of the text
    cp: int  # CP of the mark


@dataclass
class _Doc:
    word: bytes
    table: bytes
    data: bytes
    title: Optional[str]
    warnings: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- entry point
def doc_to_rawpage(raw: bytes, limits: Limits = DEFAULT) -> RawPage:
    """Paragraphs and tables of a Word 97-2003 .doc, in document order."""
    return _parse(_open(raw, limits), limits)


def _parse(doc: _Doc, limits: Limits = DEFAULT) -> RawPage:
    """The parse once the streams are out of the container; any damage becomes an ExtractError."""
    try:
        fib = _read_fib(doc.word)
        if not doc.table:
            raise ExtractError(f"corrupt .doc: no {fib.table_stream} stream")
        pieces = _pieces(doc.table, fib)
        _check_text_size(pieces, fib, limits)
        paras = split_paragraphs(_main_text(doc.word, pieces, fib.ccp_text))
        paps = _paragraph_properties(doc, fib, pieces, paras)
        blocks = _blocks(paras, paps)
    except ExtractError:
        raise
    except _DAMAGE as exc:
        raise ExtractError(f"corrupt .doc ({_reason(exc)})") from exc
    if not any(b.text.strip() for b in blocks):
        raise ExtractError("no text in the .doc document")
    return RawPage(kind="doc", blocks=blocks, title=doc.title, warnings=doc.warnings)


def _open(raw: bytes, limits: Limits = DEFAULT) -> _Doc:
    import olefile
    try:  # a BytesIO, never bytes: olefile takes short bytes for a file name
        ole = olefile.OleFileIO(io.BytesIO(raw))
    except _DAMAGE as exc:
        raise ExtractError(f"unreadable or truncated OLE2 file ({_reason(exc)})") from exc
    try:
        _check_streams(ole, limits)
        return _read_streams(ole, len(raw))
    except ExtractError:
        raise
    except _DAMAGE as exc:
        raise ExtractError(f"corrupt or truncated .doc ({_reason(exc)})") from exc
    finally:
        ole.close()


def _read_streams(ole, size: int) -> _Doc:
    if not ole.exists("WordDocument"):
        if size % ole.sectorsize:  # a whole file is whole sectors: this one was cut short
            raise ExtractError("truncated OLE2 file: its WordDocument stream is missing")
        raise ExtractError("OLE2 file without a WordDocument stream: not a Word document "
                           "(an Excel or PowerPoint file?)")
    word = _stream(ole, "WordDocument")
    if len(word) < _FIB_MIN or struct.unpack_from("<H", word)[0] != _WORD_IDENT:
        raise ExtractError("corrupt .doc: the WordDocument stream has no Word FIB")
    table_name = "1Table" if _fib_flags(word) & _F_WHICH_TBL_STM else "0Table"
    table = _stream(ole, table_name) if ole.exists(table_name) else b""
    data = _stream(ole, "Data") if ole.exists("Data") else b""
    return _Doc(word=word, table=table, data=data, title=_title(ole))


def _check_streams(ole, limits: Limits) -> None:
    """A directory entry may claim any size: the streams read here are checked first."""
    for name in ("WordDocument", "0Table", "1Table", "Data"):
        if ole.exists(name):
            n = ole.get_size(name)
            if n > limits.doc_max_stream_bytes:
                raise over(f".doc stream {name} is", size(n), "doc_max_stream_bytes",
                           size(limits.doc_max_stream_bytes))


def _check_text_size(pieces: list[_Piece], fib: _Fib, limits: Limits) -> None:
    """Pieces may overlap (each can point at the same bytes): the text they make is bounded
    by ccpText, and so is the sum of the pieces, before any is decoded."""
    chars = sum(max(0, min(p.cp_end, fib.ccp_text) - p.cp_start) for p in pieces)
    for n in (fib.ccp_text, chars):
        if n > limits.doc_max_chars:
            raise over(".doc text has", f"{n} characters", "doc_max_chars", str(limits.doc_max_chars))


def _stream(ole, name: str) -> bytes:
    try:
        return ole.openstream(name).read()
    except _DAMAGE as exc:
        raise ExtractError(f"corrupt or truncated .doc: unreadable {name} stream ({_reason(exc)})") from exc


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())[:80]
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def _title(ole) -> Optional[str]:
    """The SummaryInformation title. Read here rather than with olefile's metadata parser, which
    loops as many times as a damaged vector count says (billions) before giving up."""
    name = "\x05SummaryInformation"
    try:
        title = summary_title(_stream(ole, name)) if ole.exists(name) else None
    except (*_DAMAGE, LookupError):
        return None  # the title is optional: a damaged property set must not lose the body
    title = _WS.sub(" ", (title or "").replace("\x00", "")).strip()
    return title or None


def summary_title(stream: bytes) -> Optional[str]:
    """PIDSI_TITLE (2) of the first property set of a SummaryInformation stream ([MS-OLEPS])."""
    if struct.unpack_from("<I", stream, 24)[0] < 1:
        return None
    base = struct.unpack_from("<I", stream, 44)[0]  # after the header and the first FMTID
    count = struct.unpack_from("<I", stream, base + 4)[0]
    count = min(count, (len(stream) - base - 8) // 8)
    offsets = dict(struct.unpack_from("<II", stream, base + 8 + 8 * i) for i in range(count))
    codepage = 1252
    if 1 in offsets:  # PIDSI_CODEPAGE, a VT_I2
        codepage = struct.unpack_from("<H", stream, base + offsets[1] + 4)[0]
    if 2 not in offsets:
        return None
    at = base + offsets[2]
    vt, size = struct.unpack_from("<II", stream, at)
    if vt == 0x1E:  # VT_LPSTR: bytes in the code page, size counts the terminating NUL
        return stream[at + 8:at + 8 + size].decode(_codec(codepage), errors="replace")
    if vt == 0x1F:  # VT_LPWSTR: size counts UTF-16 characters
        return stream[at + 8:at + 8 + 2 * size].decode("utf-16-le", errors="replace")
    return None


def _codec(codepage: int) -> str:
    codepage &= 0xFFFF  # stored as a signed 16-bit value: 65001 (UTF-8) reads as -535
    if codepage in (0, 1252):
        return "cp1252"
    if codepage == 1200:
        return "utf-16-le"
    if codepage == 65001:
        return "utf-8"
    if codepage in (936, 54936):
        return "gb18030"  # a superset of GBK: titles saved as cp936 decode too
    try:
        return codecs.lookup(f"cp{codepage}").name
    except LookupError:
        return "cp1252"


# ----------------------------------------------------------------------------- FIB and pieces
def _fib_flags(word: bytes) -> int:
    return struct.unpack_from("<H", word, 0x0A)[0]


def _read_fib(word: bytes) -> _Fib:
    """The parts of the File Information Block this reader needs ([MS-DOC] 2.5.1)."""
    if len(word) < _FIB_MIN:
        raise ExtractError("corrupt .doc: the FIB is truncated")
    n_fib = struct.unpack_from("<H", word, 2)[0]
    if n_fib < _NFIB_WORD97:
        raise ExtractError(f"Word 6/95 .doc (nFib {n_fib}) is too old to parse: "
                           "save it as Word 97-2003 or DOCX")
    flags = _fib_flags(word)
    if flags & (_F_ENCRYPTED | _F_OBFUSCATED):
        raise ExtractError("encrypted (password-protected) .doc: its text cannot be read")
    csw = struct.unpack_from("<H", word, 32)[0]
    lw_at = 34 + 2 * csw + 2  # FibRgW97, then cslw, then FibRgLw97
    cslw = struct.unpack_from("<H", word, lw_at - 2)[0]
    ccp_text = struct.unpack_from("<i", word, lw_at + 3 * 4)[0]
    fclcb_at = lw_at + 4 * cslw + 2
    count = struct.unpack_from("<H", word, fclcb_at - 2)[0]
    if cslw < 4 or count < 34:
        raise ExtractError("corrupt .doc: the FIB is too short for a Word 97 document")

    def fc_lcb(index: int) -> tuple[int, int]:
        return struct.unpack_from("<II", word, fclcb_at + 8 * index)

    fc_clx, lcb_clx = fc_lcb(33)
    fc_papx, lcb_papx = fc_lcb(13)
    if ccp_text < 0 or lcb_clx == 0:
        raise ExtractError("corrupt .doc: no text in the FIB (ccpText or Clx missing)")
    return _Fib(table_stream="1Table" if flags & _F_WHICH_TBL_STM else "0Table", ccp_text=ccp_text,
                fc_clx=fc_clx, lcb_clx=lcb_clx, fc_papx=fc_papx, lcb_papx=lcb_papx)


def _pieces(table: bytes, fib: _Fib) -> list[_Piece]:
    """The PlcPcd of the Clx: Prc entries (property changes of fast saves) are skipped."""
    clx = table[fib.fc_clx:fib.fc_clx + fib.lcb_clx]
    if len(clx) != fib.lcb_clx:
        raise ExtractError("corrupt .doc: the piece table lies outside the table stream")
    at = 0
    while at < len(clx):
        kind = clx[at]
        if kind == 0x01:  # Prc: cbGrpprl then a grpprl
            cb = struct.unpack_from("<h", clx, at + 1)[0]
            if cb < 0:  # would step backwards for ever
                break
            at += 3 + cb
        elif kind == 0x02:  # Pcdt: lcb then the PlcPcd
            lcb = struct.unpack_from("<I", clx, at + 1)[0]
            return _plc_pcd(clx[at + 5:at + 5 + lcb])
        else:
            break
    raise ExtractError("corrupt .doc: no piece table in the Clx")


def _plc_pcd(plc: bytes) -> list[_Piece]:
    n = (len(plc) - 4) // 12  # n + 1 CPs of 4 bytes, n Pcds of 8 bytes
    if n < 1:
        raise ExtractError("corrupt .doc: empty piece table")
    cps = struct.unpack_from(f"<{n + 1}i", plc)
    pieces = []
    for i in range(n):
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * i + 2)[0]
        compressed = bool(fc & 0x40000000)
        fc &= 0x3FFFFFFF
        pieces.append(_Piece(cps[i], cps[i + 1], fc // 2 if compressed else fc, compressed))
    return pieces


def _main_text(word: bytes, pieces: list[_Piece], ccp_text: int) -> str:
    """The characters at CPs [0, ccpText): the main document, special characters still in."""
    parts = []
    for p in pieces:
        end = min(p.cp_end, ccp_text)
        if end <= p.cp_start:
            continue
        n = end - p.cp_start
        if p.compressed:
            chunk = word[p.fc:p.fc + n]
            text = chunk.decode("latin-1").translate(_COMPRESSED_MAP)
        else:
            chunk = word[p.fc:p.fc + 2 * n]
            text = chunk.decode("utf-16-le", errors="replace")
        if len(text) != n:
            raise ExtractError("corrupt .doc: a text piece lies outside the WordDocument stream")
        parts.append(text)
    return "".join(parts)


def _fc_of(pieces: list[_Piece], starts: list[int], cp: int) -> Optional[int]:
    i = bisect.bisect_right(starts, cp) - 1
    if i < 0 or cp >= pieces[i].cp_end:
        return None
    p = pieces[i]
    return p.fc + (cp - p.cp_start) * (1 if p.compressed else 2)


# ----------------------------------------------------------------------------- characters
def split_paragraphs(text: str) -> list[_Para]:
    """Cut the main text at paragraph, cell and page marks; keep field results, drop instructions.

    A field is 0x13 instruction [0x14 result] 0x15 and fields nest: a character is shown only
    when no open field around it is still in its instruction part. Marks always cut, so a
    table keeps its shape even if a field spans cells.
    """
    paras: list[_Para] = []
    buf: list[str] = []
    fields: list[bool] = []  # per open field: True while in its instruction
    hidden = 0  # open fields in their instruction
    for cp, ch in enumerate(text):
        if ch == _FIELD_BEGIN:
            fields.append(True)
            hidden += 1
        elif ch == _FIELD_SEP:
            if fields and fields[-1]:
                fields[-1] = False
                hidden -= 1
        elif ch == _FIELD_END:
            if fields and fields.pop():
                hidden -= 1
        elif ch in (_PARA_END, _CELL_MARK, _PAGE_BREAK):
            paras.append(_Para("".join(buf).translate(_CHAR_MAP), ch, cp))
            buf = []
        elif not hidden:
            buf.append(ch)
    if buf:
        paras.append(_Para("".join(buf).translate(_CHAR_MAP), "", len(text)))
    return paras


# ----------------------------------------------------------------------------- paragraph properties
def _paragraph_properties(doc: _Doc, fib: _Fib, pieces: list[_Piece], paras: list[_Para]) -> list[_Pap]:
    """The table properties of each paragraph, looked up by the stream offset of its mark."""
    try:
        starts, ends, runs = _papx_runs(doc, fib)
    except _DAMAGE as exc:  # ExtractError included: it is a ValueError
        doc.warnings.append(f"doc: paragraph properties unreadable ({exc}); tables guessed from cell marks")
        return _guess_paps(paras)
    cp_starts = [p.cp_start for p in pieces]
    out = []
    for para in paras:
        fc = _fc_of(pieces, cp_starts, para.cp)
        i = bisect.bisect_right(starts, fc) - 1 if fc is not None else -1
        pap = runs[i] if i >= 0 and fc < ends[i] else _Pap()
        if para.mark == _CELL_MARK and not pap.in_table:
            pap = _Pap(in_table=True, depth=1)  # a cell mark is in a table whatever the properties say
        out.append(pap)
    return out


def _guess_paps(paras: list[_Para]) -> list[_Pap]:
    """Without properties: a cell mark ends a cell, an empty one right after a cell ends the row,
    and paragraphs between two cell marks of a row are inside a cell."""
    out = []
    in_row = prev_cell = False
    for para in paras:
        if para.mark != _CELL_MARK:
            out.append(_Pap(in_table=in_row, depth=int(in_row)))
            prev_cell = False
        elif prev_cell and not para.text:
            out.append(_Pap(in_table=True, ttp=True, depth=1))
            in_row = prev_cell = False
        else:
            out.append(_Pap(in_table=True, depth=1))
            in_row = prev_cell = True
    return out


def _papx_runs(doc: _Doc, fib: _Fib) -> tuple[list[int], list[int], list[_Pap]]:
    """Every PAPX of the PlcBtePapx: ([start fc], [end fc], [properties]) sorted by start."""
    plc = doc.table[fib.fc_papx:fib.fc_papx + fib.lcb_papx]
    if fib.lcb_papx < 12 or len(plc) != fib.lcb_papx:
        raise ExtractError("no PlcBtePapx")
    n = (len(plc) - 4) // 8
    pns = struct.unpack_from(f"<{n}I", plc, 4 * (n + 1))
    runs: list[tuple[int, int, _Pap]] = []
    for pn in pns:
        runs.extend(_fkp_runs(doc, (pn & 0x3FFFFF) * _FKP_SIZE))
    runs.sort(key=lambda r: r[0])
    return [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs]


def _fkp_runs(doc: _Doc, at: int) -> Iterator[tuple[int, int, _Pap]]:
    fkp = doc.word[at:at + _FKP_SIZE]
    if len(fkp) != _FKP_SIZE:
        raise ExtractError("a PAPX page lies outside the WordDocument stream")
    crun = fkp[-1]
    fcs = struct.unpack_from(f"<{crun + 1}I", fkp)
    for i in range(crun):
        offset = fkp[4 * (crun + 1) + 13 * i] * 2  # BxPap.bOffset, in words
        yield fcs[i], fcs[i + 1], _papx(fkp, offset, doc.data) if offset else _Pap()


def _papx(fkp: bytes, at: int, data: bytes) -> _Pap:
    """A PapxInFkp: a size byte (in words, odd-sized when non-zero), the istd, then sprms."""
    cb = fkp[at]
    if cb:
        grpprl = fkp[at + 1:at + 2 * cb]
    else:
        grpprl = fkp[at + 2:at + 2 + 2 * fkp[at + 1]]
    return _pap(grpprl[2:], data)


def _pap(grpprl: bytes, data: Optional[bytes]) -> _Pap:
    """The table properties among a paragraph's sprms; data is the Data stream (None once inside it)."""
    in_table = ttp = False
    depth = 0
    row: Optional[_RowDef] = None
    vert: dict[int, int] = {}
    for sprm, op in sprms(grpprl):
        if sprm == _SPRM_P_F_IN_TABLE:
            in_table = op[0] != 0
        elif sprm == _SPRM_P_F_TTP:
            ttp = op[0] != 0
        elif sprm == _SPRM_P_ITAP:
            depth = struct.unpack_from("<i", op)[0]
        elif sprm in (_SPRM_P_F_INNER_TABLE_CELL, _SPRM_P_F_INNER_TTP):
            in_table = in_table or op[0] != 0
        elif sprm == _SPRM_T_DEF_TABLE:
            row, vert = _tdef(op), {}
        elif sprm == _SPRM_T_VERT_MERGE and len(op) >= 3:
            vert[op[1]] = op[2]
        elif sprm == _SPRM_P_HUGE_PAPX and data is not None:
            return _huge_pap(data, struct.unpack_from("<I", op)[0])
    if row is not None and vert:
        vm = list(row.vmerge)
        for itc, flag in vert.items():
            if itc < len(vm):
                vm[itc] = flag
        row = _RowDef(row.bounds, row.hmerge, tuple(vm))
    if in_table and depth < 1:
        depth = 1
    return _Pap(in_table=in_table, ttp=ttp and depth <= 1, depth=depth, row=row)


def _huge_pap(data: bytes, at: int) -> _Pap:
    """sprmPHugePapx: the paragraph's sprms are too big for the FKP and live in the Data stream.
    A missing or short Data stream raises, so the caller falls back for the whole document."""
    cb = struct.unpack_from("<H", data, at)[0]
    grpprl = data[at + 2:at + 2 + cb]
    return _pap(grpprl, None)  # no further indirection


def sprms(grpprl: bytes) -> Iterator[tuple[int, bytes]]:
    """(sprm, operand) pairs; variable operands keep their size prefix. Stops at a truncated one."""
    at = 0
    while at + 2 <= len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, at)[0]
        at += 2
        spra = sprm >> 13
        if spra != 6:
            size = _OPERAND_SIZE[spra]
        elif sprm in (_SPRM_T_DEF_TABLE, _SPRM_T_DEF_TABLE10):
            if at + 2 > len(grpprl):
                return
            size = struct.unpack_from("<H", grpprl, at)[0] + 1  # cb counts the rest, plus one
        elif sprm == _SPRM_P_CHG_TABS:
            size = _chg_tabs_size(grpprl, at)
        else:
            if at >= len(grpprl):
                return
            size = 1 + grpprl[at]
        if at + size > len(grpprl):
            return
        yield sprm, grpprl[at:at + size]
        at += size


def _chg_tabs_size(grpprl: bytes, at: int) -> int:
    """sprmPChgTabs: a size byte, or 255 when the deleted and added tab lists must be counted."""
    cb = grpprl[at]
    if cb != 255:
        return 1 + cb
    deleted = grpprl[at + 1]
    added = grpprl[at + 2 + 4 * deleted]
    return 1 + (1 + 4 * deleted) + (1 + 3 * added)


def _tdef(op: bytes) -> _RowDef:
    """TDefTableOperand: cb, column count, count+1 cell edges, then a TC80 (20 bytes) per cell."""
    n = op[2]
    bounds = struct.unpack_from(f"<{n + 1}h", op, 3)
    tc_at = 3 + 2 * (n + 1)
    flags = [struct.unpack_from("<H", op, tc_at + 20 * k)[0] for k in range(min(n, (len(op) - tc_at) // 20))]
    flags += [0] * (n - len(flags))  # TC80s left out have default (unmerged) flags
    return _RowDef(bounds=tuple(bounds), hmerge=tuple(f & 0x3 for f in flags),
                   vmerge=tuple((f >> 5) & 0x3 for f in flags))


# ----------------------------------------------------------------------------- blocks and tables
def _blocks(paras: list[_Para], paps: list[_Pap]) -> list[Block]:
    """Paragraphs to blocks; consecutive table paragraphs become one table."""
    blocks: list[Block] = []
    rows: list[_Row] = []
    cells: list[str] = []
    cell: list[str] = []

    def flush_table():
        nonlocal rows, cells, cell
        if cell:
            cells.append("\n".join(cell))
        if cells:
            rows.append(_Row(cells, None))
        if rows:
            blocks.extend(_table_blocks(rows))
        rows, cells, cell = [], [], []

    for para, pap in zip(paras, paps):
        if not pap.in_table:
            flush_table()
            text = _clean(para.text)
            blocks.extend(Block(line) for line in text.split("\n") if line.strip())
        elif para.mark == _CELL_MARK and pap.ttp:
            if cell:
                cells.append("\n".join(cell))
                cell = []
            rows.append(_Row(cells, pap.row))
            cells = []
        elif para.mark == _CELL_MARK:
            cell.append(para.text)
            cells.append("\n".join(cell))
            cell = []
        else:  # a paragraph inside a cell, or a nested table's paragraph: part of the cell text
            cell.append(para.text)
    flush_table()
    return blocks


def _table_blocks(rows: list[_Row]) -> list[Block]:
    grid = table_grid(rows)
    if grid and len(grid[0]) >= 2:
        return [Block(grid_text(grid), table=grid)]
    return [Block(row[0]) for row in grid if row and row[0]]  # a one-column frame: its cells are paragraphs


def _clean(text: str) -> str:
    return "\n".join(_WS.sub(" ", line).strip() for line in (text or "").split("\n"))


def _cell_text(text: str) -> str:
    return _WS.sub(" ", text.replace("\n", " ")).strip()


def _columns(rows: list[_Row]) -> dict[int, int]:
    """Grid line index of every cell edge: edges within _COLUMN_SLACK of each other are one line."""
    edges = sorted({b for r in rows if r.rowdef for b in r.rowdef.bounds})
    index: dict[int, int] = {}
    line = -1
    prev: Optional[int] = None
    for e in edges:
        if prev is None or e - prev > _COLUMN_SLACK:
            line += 1
        index[e] = line
        prev = e
    return index


def table_grid(rows: list[_Row]) -> Grid:
    """Place each row's cells on the table's grid lines; merged cells repeat their text."""
    lines = _columns(rows)
    grid: list[list[str]] = []
    for row in rows:
        placed: list[tuple[int, int, str]] = []  # (first column, column count, text)
        bounds = row.rowdef.bounds if row.rowdef else ()
        prev_text = ""
        for k, raw in enumerate(row.cells):
            text = _cell_text(raw)
            if k + 1 < len(bounds):
                # sorted: damaged edges may run backwards
                first, last = sorted((lines[bounds[k]], lines[bounds[k + 1]]))
                if row.rowdef.hmerge[k] >= 2:  # old-style horizontal merge: the first cell's text
                    text = prev_text
                if row.rowdef.vmerge[k] == 1 and grid and first < len(grid[-1]):
                    text = grid[-1][first]  # continues the cell above
            else:  # no layout for this cell: one column after the previous cell
                first = placed[-1][0] + placed[-1][1] if placed else 0
                last = first + 1
            if last > first:
                placed.append((first, last - first, text))
            prev_text = text
        width = max((f + n for f, n, _ in placed), default=0)
        line = [""] * width
        for first, n, text in placed:
            line[first:first + n] = [text] * n
        grid.append(line)
    width = max((len(r) for r in grid), default=0)
    out = [r + [""] * (width - len(r)) for r in grid]
    return [r for r in out if any(r)]
