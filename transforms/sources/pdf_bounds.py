"""Bounds on what a PDF can make the parser do: bytes decoded from streams, pages listed.

Streams. pdfminer decodes a stream in one call (zlib.decompress, lzwdecode, rldecode) with no
size limit, so a 2 MB file can ask for gigabytes; on a damaged Flate stream it falls back to a
byte-at-a-time decoder that is quadratic. The decoders pdfminer's PDFStream.decode looks up
are replaced here, once, by bounded ones: inside `budget(limits)` one stream may give at most
pdf_max_stream_bytes and all streams together pdf_max_decoded_bytes (outside it, the default
limits hold). Going over raises `StreamLimit`, a BaseException, so that no `except Exception`
in pdfminer or pdfplumber can swallow it; pdf_to_rawpage turns it into an ExtractError.

Objects. Memory follows the objects laid out on a page (each character, path or image is an
object of ~1.5 KB), and one short string in a content stream can show a million characters:
pdfplumber's layout device is replaced by one that counts them and raises StreamLimit past
pdf_max_page_objects.

Pages. pdfplumber's `PDF.pages` builds every page of the document before the first is read,
and `PDF.close()` builds them again. `first_pages` lists at most the cap, lazily.
"""
from __future__ import annotations

import contextvars
import io
import itertools
import types
import zlib
from contextlib import contextmanager
from typing import Iterator, Optional

from pdfminer import pdftypes
from pdfplumber import page as _plumber_page
from pdfminer.lzw import LZWDecoder
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import resolve1

from transforms.limits import DEFAULT, Limits, over, size

_CHUNK = 64 * 1024  # compressed bytes fed to the inflater at a time


class StreamLimit(BaseException):
    """A stream (or all of them) decoded to more than the limits allow."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _Budget:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.left = limits.pdf_max_decoded_bytes

    @property
    def per_stream(self) -> int:
        return int(min(self.limits.pdf_max_stream_bytes, self.left))

    def over_stream(self, n: int) -> StreamLimit:
        if n > self.limits.pdf_max_stream_bytes:
            return StreamLimit(str(over("PDF stream decodes to more than", size(self.limits.pdf_max_stream_bytes),
                                        "pdf_max_stream_bytes", size(self.limits.pdf_max_stream_bytes))))
        return StreamLimit(str(over("PDF streams decode to more than", size(self.limits.pdf_max_decoded_bytes),
                                    "pdf_max_decoded_bytes", size(self.limits.pdf_max_decoded_bytes))))

    def charge(self, n: int) -> None:
        if n > self.per_stream:
            raise self.over_stream(n)
        self.left -= n


_BUDGET: contextvars.ContextVar[Optional[_Budget]] = contextvars.ContextVar("pdf_budget", default=None)


def _current() -> _Budget:
    found = _BUDGET.get()
    return found if found is not None else _Budget(DEFAULT)


@contextmanager
def budget(limits: Limits):
    """Decoding inside this block is charged to one document's budget."""
    token = _BUDGET.set(_Budget(limits))
    try:
        yield
    finally:
        _BUDGET.reset(token)


# ----------------------------------------------------------------------------- decoders
def _inflate(data: bytes, salvage: bool) -> bytes:
    """Inflate at most the budget allows. Errors as zlib.decompress raises them; with
    `salvage`, what came before a damaged spot instead (pdfminer's fallback, made linear)."""
    b = _current()
    cap = b.per_stream
    d = zlib.decompressobj()
    out: list[bytes] = []
    total = 0

    def take(piece: bytes) -> None:
        nonlocal total
        total += len(piece)
        if total > cap:
            raise b.over_stream(total)
        out.append(piece)

    for at in range(0, len(data), _CHUNK):
        chunk = data[at:at + _CHUNK]
        before, mark = (d.copy(), (len(out), total)) if salvage else (None, None)
        try:
            take(d.decompress(chunk, cap + 1 - total))
            while d.unconsumed_tail and not d.eof:
                take(d.decompress(d.unconsumed_tail, cap + 1 - total))
        except zlib.error:
            if not salvage:
                raise
            del out[mark[0]:]
            total = mark[1]
            for i in range(len(chunk)):  # this chunk again, a byte at a time, up to the damage
                try:
                    take(before.decompress(chunk[i:i + 1]))
                except zlib.error:
                    break
            break
        if d.eof:
            break
    if not salvage and not d.eof:
        raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
    result = b"".join(out)
    b.charge(len(result))
    return result


def _decompress(data: bytes, *args) -> bytes:
    return _inflate(data, salvage=False)


def _decompress_corrupted(data: bytes) -> bytes:
    return _inflate(data, salvage=True)


def _lzwdecode(data: bytes) -> bytes:
    b = _current()
    cap, total, out = b.per_stream, 0, []
    for piece in LZWDecoder(io.BytesIO(data)).run():
        total += len(piece)
        if total > cap:
            raise b.over_stream(total)
        out.append(piece)
    b.charge(total)
    return b"".join(out)


def _rldecode(data: bytes) -> bytes:
    n, i = 0, 0
    while i < len(data):  # the decoded size, from the length bytes alone
        length = data[i]
        if length == 128:
            break
        n, i = (n + length + 1, i + length + 2) if length < 128 else (n + 257 - length, i + 2)
    _current().charge(n)
    return _RLDECODE(data)


def _ccittfaxdecode(data: bytes, params: dict) -> bytes:
    # A fax image in a stream the text parser decodes: its size is at most a row of Columns
    # pixels per input bit (or Rows rows when given).
    columns = params.get("Columns", 1728)
    rows = params.get("Rows", 0)
    columns = columns if isinstance(columns, int) and columns > 0 else 1728
    rows = rows if isinstance(rows, int) and rows > 0 else 8 * len(data)
    _current().charge((columns + 7) // 8 * rows)
    return _CCITT(data, params)


_RLDECODE = pdftypes.rldecode
_CCITT = pdftypes.ccittfaxdecode
_AGGREGATOR = _plumber_page.PDFPageAggregatorWithMarkedContent


class _CountingAggregator(_AGGREGATOR):
    """pdfplumber's layout device, counting what a page lays out."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._objects = 0
        self._cap = _current().limits.pdf_max_page_objects

    def _count(self) -> None:
        self._objects += 1
        if self._objects > self._cap:
            raise StreamLimit(str(over("PDF page lays out more than", f"{self._cap} objects",
                                       "pdf_max_page_objects", str(self._cap))))

    def render_char(self, *args, **kwargs):
        self._count()
        return super().render_char(*args, **kwargs)

    def paint_path(self, *args, **kwargs):
        self._count()
        return super().paint_path(*args, **kwargs)

    def render_image(self, *args, **kwargs):
        self._count()
        return super().render_image(*args, **kwargs)


def _install() -> None:
    if getattr(pdftypes, "_govreports_bounded", False):
        return
    _plumber_page.PDFPageAggregatorWithMarkedContent = _CountingAggregator
    pdftypes.zlib = types.SimpleNamespace(decompress=_decompress, decompressobj=zlib.decompressobj,
                                          error=zlib.error)
    pdftypes.decompress_corrupted = _decompress_corrupted
    pdftypes.lzwdecode = _lzwdecode
    pdftypes.rldecode = _rldecode
    pdftypes.ccittfaxdecode = _ccittfaxdecode
    pdftypes._govreports_bounded = True


_install()


# ----------------------------------------------------------------------------- pages
def declared_pages(pdf) -> Optional[int]:
    """The page count the document's page tree announces (may lie), or None."""
    try:
        count = resolve1(resolve1(pdf.doc.catalog.get("Pages")).get("Count"))
    except Exception:  # a damaged tree: the lazy listing finds out
        return None
    return count if isinstance(count, int) and count >= 0 else None


def first_pages(pdf, cap: int) -> tuple[list, bool]:
    """pdfplumber pages 1..cap built lazily from the page tree, and whether there are more."""
    from pdfplumber.page import Page

    doctop = 0.0
    pages = []
    objs = itertools.islice(PDFPage.create_pages(pdf.doc), cap + 1)
    for number, obj in enumerate(objs, start=1):
        if number > cap:
            return pages, True
        page = Page(pdf, obj, page_number=number, initial_doctop=doctop)
        doctop += page.height
        pages.append(page)
    return pages, False


def iter_first_pages(pdf, cap: int, warnings: list[str]) -> Iterator:
    """The first `cap` pages, one at a time; a warning when the document has more."""
    pages, more = first_pages(pdf, cap)
    if more:
        declared = declared_pages(pdf)
        total = f"{declared}" if declared and declared > cap else f"more than {cap}"
        warnings.append(f"{_ONLY_FIRST} {cap} of {total} pages were read (limit pdf_max_pages = {cap})")
    return iter(pages)


_ONLY_FIRST = "PDF too long: only the first"


def no_text_layer(warnings: list[str]) -> str:
    """The refusal of a PDF without text, saying so when only its first pages were read."""
    cut = next((w for w in warnings if w.startswith(_ONLY_FIRST)), None)
    if cut is None:
        return "PDF has no text layer"
    return "PDF has no text layer in the pages read: " + cut[len("PDF too long: "):]
