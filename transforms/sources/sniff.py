"""Tell what a source is from its bytes (magic numbers first, then hints)."""
from __future__ import annotations

import zipfile
import io
from typing import Optional

_HTML_MARKERS = (b"<html", b"<!doctype html", b"<body", b"<div", b"<p>", b"<p ", b"<table", b"<head", b"<meta")


def sniff_kind(raw: bytes, url: Optional[str] = None, content_type: Optional[str] = None) -> str:
    """Return pdf | docx | doc | html | text | binary."""
    head = raw[:2048].lstrip(b"\xef\xbb\xbf\r\n\t ")
    if raw[:1024].find(b"%PDF-") != -1:
        return "pdf"
    if raw[:4] == b"PK\x03\x04":
        try:
            names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
        except zipfile.BadZipFile:
            return "binary"
        return "docx" if any(n.startswith("word/") for n in names) else "binary"
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "doc"  # OLE2: Word 97-2003/WPS .doc; other OLE2 files (.xls) are refused by doc_source
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a BOM: look at the decoded text
        head = raw[:4096].decode("utf-16", errors="replace").encode("utf-8").lstrip(b"\r\n\t ")
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
