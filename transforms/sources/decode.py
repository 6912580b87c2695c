"""Bytes to text for pages from Chinese portals, without mojibake: the project's one decoder
(the crawler decodes listings with it too).

The encoding is decided per page from evidence, in this order:
  1. a byte-order mark;
  2. UTF-16 without a BOM: NUL bytes on one side of the code units only (ASCII markup, digits
     and line ends in UTF-16), and a strict decode;
  3. the bytes as UTF-8: valid throughout, or damaged in a byte or two; or valid for most of
     the page, with segments that are not (a paragraph pasted in GBK): those segments are then
     decoded on their own by the page's other candidate, so one bad paragraph never flips the
     page;
  4. the charset the server or the page declares, verified by a strict decode and by how
     common its characters are (a wrong multi-byte decode yields rare characters);
  5. the codecs a Chinese portal plausibly uses, scored the same way; a damaged GBK/Big5 page;
     charset-normalizer; GB18030 with replacement.
Reading the BOM, the HTTP header and the <meta>/<?xml?> declarations is w3lib's (Scrapy's):
its aliases read gb2312/gbk labels as GB18030, their superset, because pages labelled gb2312
routinely contain GBK-only characters. The scoring by everyday CJK characters is ours.
"""
from __future__ import annotations

import re
from typing import Optional

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

# Declared labels too often wrong to trust over the bytes (editor defaults); w3lib maps
# ascii and latin-1 to cp1252.
_WEAK = {"cp1252", "ascii", "latin-1", "iso8859-1"}
_CANDIDATES = ("gb18030", "big5hkscs")  # what a Chinese portal writes when it is not UTF-8
_NON_ASCII = re.compile(r"[\x00-\x7f]+")  # removed to count what is left
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
# Between these bytes a segment is decoded on its own: no GBK, GB18030 or Big5 character
# contains them (trail bytes start at 0x30 for GB18030, 0x40 for GBK/Big5), so a cut there
# never splits a character.
_SEGMENT = re.compile(rb"([<>\n])")
MIN_UTF8_CJK = 20  # CJK characters of valid UTF-8 a page needs to be read as mostly UTF-8


def canonical(label: Optional[str]) -> Optional[str]:
    """The codec to use for a declared label, or None when Python does not know it."""
    if not label:
        return None
    return resolve_encoding(label.strip())


def declared_charsets(raw: bytes, content_type: Optional[str] = None, html: bool = True) -> list[str]:
    """Codecs declared by the HTTP header, then by <meta>/<?xml?> in the head, in that order."""
    out = []
    header = http_content_type_encoding(content_type) if content_type else None
    if header:
        out.append(header)
    if html:
        meta = html_body_declared_encoding(raw[:8192])
        if meta:
            out.append(meta)
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


def utf16_without_bom(raw: bytes) -> Optional[str]:
    """'utf-16-le' or 'utf-16-be' when the bytes are UTF-16 text without a byte-order mark.

    In UTF-16 every ASCII character (markup, digits, line ends) has a NUL byte, while text in
    any 8-bit or multi-byte encoding has none. Of the two byte orders, the right one reads as
    everyday characters; the wrong one (and binary junk in either) as rare ones and controls.
    """
    sample = raw[:4096]
    if len(sample) < 16 or len(raw) % 2 or sample.count(0) < 4:
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        text = _strict(sample, codec)
        if text is not None and _plain_share(text) >= 0.95 and _strict(raw, codec) is not None:
            return codec
    return None


def _plain_share(text: str) -> float:
    """Share of characters that are printable ASCII, line ends, CJK punctuation or everyday CJK."""
    plain = 0
    for ch in text:
        o = ord(ch)
        if 32 <= o < 127 or ch in "\t\r\n" or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF:
            plain += 1
        elif 0x3400 <= o <= 0x9FFF and _common_share(ch) == 1.0:
            plain += 1
    return plain / max(1, len(text))


def decode_bytes(raw: bytes, content_type: Optional[str] = None, html: bool = True) -> tuple[str, str]:
    """Return (text, codec used). Never raises on odd bytes: the last resort replaces them."""
    bom_codec, bom = read_bom(raw)
    if bom_codec:
        text = _strict(raw[len(bom):], bom_codec)
        if text is not None:
            return text, bom_codec
    utf16 = utf16_without_bom(raw)
    if utf16:
        return raw.decode(utf16), utf16
    text = _strict(raw, "utf-8")
    if text is not None:
        return text, "utf-8"
    declared = declared_charsets(raw, content_type, html)
    mostly = _mostly_utf8(raw, declared)
    if mostly:
        return mostly
    tried = {"utf-8"}
    for codec in declared:
        if codec in _WEAK or codec in tried:
            continue
        tried.add(codec)
        text = _strict(raw, codec)
        if text is not None and _common_share(text) >= 0.9:
            return text, codec
    best = _best_candidate(raw)
    if best and best[0] >= 0.9:
        return best[1], best[2]
    damaged = _damaged_decode(raw, declared)
    if damaged:
        return damaged
    guess = _normalizer_guess(raw)
    if guess:
        return guess
    if best:
        return best[1], best[2]
    return raw.decode("gb18030", errors="replace"), "gb18030"


def _best_candidate(raw: bytes) -> Optional[tuple[float, str, str]]:
    best = None
    for codec in _CANDIDATES:
        text = _strict(raw, codec)
        if text is not None:
            score = _common_share(text)
            if best is None or score > best[0]:
                best = (score, text, codec)
    return best


def _mostly_utf8(raw: bytes, declared: list[str]) -> Optional[tuple[str, str]]:
    """A UTF-8 page with a damaged byte or two, or with segments in another encoding."""
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad <= 3 and bad <= 0.01 * len(_NON_ASCII.sub("", text)):  # a damaged byte or two
        return text, "utf-8"
    cjk = len(_CJK_RE.findall(text))
    if cjk < MIN_UTF8_CJK or cjk < 2 * bad or _common_share(text) < 0.9:
        return None  # not UTF-8 evidence: a GBK page decodes to few, rare CJK characters
    others = [c for c in declared if c not in _WEAK and not c.startswith("utf")]
    parts, used = [], set()
    for seg in _SEGMENT.split(raw):
        part = _strict(seg, "utf-8")
        if part is None:
            for codec in dict.fromkeys(others + list(_CANDIDATES)):
                part = _strict(seg, codec)
                if part is not None and _common_share(part) >= 0.9:
                    used.add(codec)
                    break
                part = None
        parts.append(part if part is not None else seg.decode("utf-8", errors="replace"))
    return "".join(parts), "+".join(["utf-8", *sorted(used)])


MAX_DAMAGED_SHARE = 0.002  # replaced characters per CJK character a damaged page may have


def _damaged_decode(raw: bytes, declared: list[str]) -> Optional[tuple[str, str]]:
    """A GBK or Big5 page with a few broken byte sequences (a truncated field, a stray byte).

    Decoded with replacement by the declared codec first, then the portal candidates; taken
    when the replacements are a tiny share of the text and the characters are everyday ones.
    """
    codecs_ = [c for c in (canonical(x) for x in declared) if c and c not in _WEAK]
    for codec in dict.fromkeys(codecs_ + list(_CANDIDATES)):
        if codec.startswith(("utf-8", "utf-16", "utf-32")):
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
    match = from_bytes(raw[:200000]).best()
    if match is None:
        return None
    codec = canonical(match.encoding) or match.encoding
    return raw.decode(codec, errors="replace"), codec
