"""Tell what a source is from its bytes (magic numbers first, then hints)."""
from __future__ import annotations

from typing import Optional

from transforms.sources.decode import utf16_without_bom

_HTML_MARKERS = (b"<html", b"<!doctype html", b"<body", b"<div", b"<p>", b"<p ", b"<table", b"<head", b"<meta")


def sniff_kind(raw: bytes, url: Optional[str] = None, content_type: Optional[str] = None) -> str:
    """Return pdf | docx | doc | html | text | binary."""
    head = raw[:2048].lstrip(b"\xef\xbb\xbf\r\n\t ")
    if raw[:1024].find(b"%PDF-") != -1:
        return "pdf"
    if raw[:4] == b"PK\x03\x04":
        # Part names are stored uncompressed: no need to build the ZIP directory (which a
        # hostile file can make huge) to see whether this is a Word package.
        return "docx" if b"word/" in raw else "binary"
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "doc"  # OLE2: Word 97-2003/WPS .doc; other OLE2 files (.xls) are refused by doc_source
    utf16 = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else utf16_without_bom(raw)
    if utf16:  # UTF-16, with a BOM or not: look at the decoded text
        head = raw[:4096].decode(utf16, errors="replace").encode("utf-8").lstrip(b"\r\n\t \xef\xbb\xbf")
        return "html" if any(m in head[:2048].lower() for m in _HTML_MARKERS) else "text"
    low = head[:2048].lower()
    if any(m in low for m in _HTML_MARKERS):
        return "html"
    sample = raw[:65536]
    # Text in any Chinese encoding has almost no control bytes; junk has many.
    ctrl = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if b"\x00" in sample or ctrl > len(sample) * 0.01:
        return "binary"
    return "text"
