"""Bytes to text for pages from Chinese portals, without mojibake.

Order of evidence: a BOM; bytes that are valid UTF-8 (a strong signal: GBK text almost never
is); the charset the server or the page declares, verified by a strict decode; then the
candidates a Chinese portal plausibly uses, scored by how common their characters are;
charset-normalizer last. GBK and GB2312 labels are read as GB18030, their superset, because
pages labelled gb2312 routinely contain GBK-only characters.
"""
from __future__ import annotations

import codecs
import re
from typing import Optional

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Labels seen on portals -> the codec that decodes them safely.
_ALIASES = {
    "gb2312": "gb18030", "gb_2312": "gb18030", "gb_2312-80": "gb18030", "gbk": "gb18030",
    "x-gbk": "gb18030", "cp936": "gb18030", "ms936": "gb18030", "windows-936": "gb18030",
    "euc-cn": "gb18030", "x-euc-cn": "gb18030", "hz-gb-2312": "hz", "gb18030": "gb18030",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "x-x-big5": "big5hkscs", "cp950": "big5hkscs",
    "utf8": "utf-8", "utf-8": "utf-8", "unicode": "utf-8",
}
# Labels that are too often wrong to trust over the bytes (editor defaults).
_WEAK = {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "windows-1252", "cp1252"}

_META_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)
_XML_RE = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-]+)""", re.I)
_CT_RE = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", re.I)
_NON_ASCII = re.compile(r"[\x00-\x7f]+")  # removed to count what is left
_CJK_RE = re.compile(r"[\u3400-\u9fff]")


def canonical(label: Optional[str]) -> Optional[str]:
    """The codec to use for a declared label, or None when Python does not know it."""
    if not label:
        return None
    label = label.strip().lower()
    name = _ALIASES.get(label, label)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charsets(raw: bytes, content_type: Optional[str] = None, html: bool = True) -> list[str]:
    """Labels declared by the HTTP header, then <meta>/<?xml?> in the head, in that order."""
    out = []
    if content_type:
        m = _CT_RE.search(content_type)
        if m:
            out.append(m.group(1))
    if html:
        head = raw[:8192]
        for rx in (_META_RE, _XML_RE):
            m = rx.search(head)
            if m:
                out.append(m.group(1).decode("ascii", "ignore"))
    return out


def _strict(raw: bytes, codec: str) -> Optional[str]:
    try:
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _common_share(text: str) -> float:
    """Share of CJK characters that belong to the everyday GB2312 or Big5 sets.

    A wrong multi-byte decode yields rare characters from the extension planes; a right one
    (simplified or traditional) stays almost entirely inside these sets.
    """
    chars = set(_CJK_RE.findall(text[:20000]))
    if not chars:
        return 1.0
    common = 0
    for ch in chars:
        for codec in ("gb2312", "big5"):
            try:
                ch.encode(codec)
                common += 1
                break
            except UnicodeEncodeError:
                continue
    return common / len(chars)


def decode_bytes(raw: bytes, content_type: Optional[str] = None, html: bool = True) -> tuple[str, str]:
    """Return (text, codec used). Never raises on odd bytes: the last resort replaces them."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            text = _strict(raw, codec)
            if text is not None:
                return text, codec
    text = _strict(raw, "utf-8")
    if text is not None:
        return text, "utf-8"
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad <= 3 and bad <= 0.01 * len(_NON_ASCII.sub("", text)):  # UTF-8 with a damaged byte or two
        return text, "utf-8"
    tried = {"utf-8"}
    for label in declared_charsets(raw, content_type, html):
        if label.strip().lower() in _WEAK:
            continue
        codec = canonical(label)
        if not codec or codec in tried:
            continue
        tried.add(codec)
        text = _strict(raw, codec)
        if text is not None and _common_share(text) >= 0.9:
            return text, codec
    best = None
    for codec in ("gb18030", "big5hkscs"):
        text = _strict(raw, codec)
        if text is not None:
            score = _common_share(text)
            if best is None or score > best[0]:
                best = (score, text, codec)
    if best and best[0] >= 0.9:
        return best[1], best[2]
    damaged = _damaged_decode(raw, declared_charsets(raw, content_type, html))
    if damaged:
        return damaged
    guess = _normalizer_guess(raw)
    if guess:
        return guess
    if best:
        return best[1], best[2]
    return raw.decode("gb18030", errors="replace"), "gb18030"


MAX_DAMAGED_SHARE = 0.002  # replaced characters per CJK character a damaged page may have


def _damaged_decode(raw: bytes, declared: list[str]) -> Optional[tuple[str, str]]:
    """A GBK or Big5 page with a few broken byte sequences (a truncated field, a stray byte).

    Decoded with replacement by the declared codec first, then the portal candidates; taken
    when the replacements are a tiny share of the text and the characters are everyday ones.
    """
    codecs_ = [c for c in (canonical(x) for x in declared if x.strip().lower() not in _WEAK) if c]
    for codec in dict.fromkeys(codecs_ + ["gb18030", "big5hkscs"]):
        if codec in ("utf-8", "utf-16", "utf-32"):
            continue
        try:
            text = raw.decode(codec, errors="replace")
        except LookupError:
            continue
        bad = text.count("\ufffd")
        cjk = len(_CJK_RE.findall(text))
        if cjk >= 20 and bad <= max(3, MAX_DAMAGED_SHARE * cjk) and _common_share(text) >= 0.9:
            return text, codec
    return None


def _normalizer_guess(raw: bytes) -> Optional[tuple[str, str]]:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # optional at runtime: the strict decoders above cover portals
        return None
    match = from_bytes(raw[:200000]).best()
    if match is None:
        return None
    codec = canonical(match.encoding) or match.encoding
    return raw.decode(codec, errors="replace"), codec
