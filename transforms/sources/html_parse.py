"""HTML text to an lxml tree, deep nesting included.

libxml2 stops building the tree at 256 levels (2048 with its "huge" option) and drops what is
deeper: a report wrapped in 300 <div>s came out as "no body text". The page is parsed with the
default limits first (they guard against more than depth); when the parser reports excessive
depth it is parsed again with the huge option, and past 2048 levels with its wrapper elements
removed (div, span, font, ...: they give depth, not text). Both fallbacks only run for pages
that need them.
"""
from __future__ import annotations

import re

import lxml.html
from lxml import etree

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Characters no XML tree may hold (lxml refuses to set them as text later): a stray control
# byte in a page must not make its body unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Elements that only wrap others: removing their tags keeps every word of the page.
_WRAPPERS = re.compile(r"</?(?:div|span|font|center|section|article|main|header|footer|aside|nav|"
                       r"b|i|u|em|strong|small|big|label|form|fieldset|blockquote)\b[^>]*>", re.I)
# The last resort: nothing but paragraph and line breaks (a page nested deep in tables or lists).
_ANY_TAG = re.compile(r"<(?!/?(?:p|br|title|meta|head|body|html)\b)[^>]*>", re.I)


def parse_html(text: str):
    """The document tree, or None when there is nothing to parse."""
    text = _NOT_XML.sub("", _XML_DECL.sub("", text, count=1))
    if not text.strip():
        return None
    for huge, source in ((False, text), (True, text), (True, _WRAPPERS.sub("", text)),
                         (True, _ANY_TAG.sub("", text))):
        parser = lxml.html.HTMLParser(huge_tree=huge)
        try:
            tree = lxml.html.document_fromstring(source, parser=parser)
        except (ValueError, etree.ParserError):
            return None
        if not _too_deep(parser):
            return tree
    return tree


def _too_deep(parser) -> bool:
    return any("Excessive depth" in e.message for e in parser.error_log)
