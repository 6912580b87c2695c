"""Metadata blocks at the top of a page, read as metadata (rules/metadata.yaml).

An archive or a mirror often prints its own header above the report ("标题: …", "发布机构: …",
"原文链接: …", a rule such as "==== 正文 ===="); a portal prints an 索引号 table; a Markdown copy
a front matter. Their values are the page's title, publisher, date and column, never body text:
read them here, and take an archive's closed header out of the body.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from transforms import rules
from transforms.model import Block

_R = rules.load("metadata.yaml")
_LABELS: dict[str, str] = _R["labels"]
LABEL_ALT = "|".join(sorted(map(re.escape, _LABELS), key=len, reverse=True))
# "标题: X", "信息索引号: A 文号: B" (several pairs on one line), "title: X".
_PAIR = re.compile(rf"(?:^|(?<=\s))({LABEL_ALT})\s*[:：]\s*")
_LINE = re.compile(rf"^\s*(?:{LABEL_ALT})\s*[:：]", re.I)
_SEPARATOR = re.compile(_R["separator"])
_SENTENCE = re.compile(r"[。；;！？!?]")


@dataclass
class Metadata:
    title: Optional[str] = None
    publisher: Optional[str] = None
    date: Optional[str] = None
    column: Optional[str] = None
    source_url: Optional[str] = None
    fields: dict = field(default_factory=dict)  # every label printed -> its value


def pairs(line: str) -> list[tuple[str, str]]:
    """(label, value) of each "label: value" printed on a metadata line."""
    found = list(_PAIR.finditer(line))
    out = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(line)
        out.append((m.group(1), line[m.end():end].strip()))
    return out


def is_metadata_line(text: str) -> bool:
    return bool(_LINE.match(text))


def is_separator(text: str) -> bool:
    return bool(_SEPARATOR.match(text))


def _is_note(text: str) -> bool:
    return len(text) <= _R["max_note_chars"] and not _SENTENCE.search(text)


def _block(lines: list[Block]) -> Optional[tuple[int, int, bool]]:
    """(first, last, closed) lines of the metadata block at the top, or None. `closed`: a
    separator ends it (an archive's header or a front matter)."""
    start = next((i for i, b in enumerate(lines[:_R["max_start_line"]])
                  if not b.is_table and (is_metadata_line(b.text) or is_separator(b.text))), None)
    if start is None:
        return None
    last, labelled, closed = None, 0, False
    opened = is_separator(lines[start].text)  # a front matter: "---" / "title: …" / "---"
    for i in range(start, min(len(lines), start + _R["max_lines"])):
        b = lines[i]
        if b.is_table:
            break
        if is_metadata_line(b.text):
            labelled += 1
            last = i
        elif is_separator(b.text):
            if labelled:  # a rule after labels closes the block; one before them opens it
                last, closed = i, True
                break
        elif not _is_note(b.text):
            break
    if last is None or labelled < (1 if opened and closed else 2):
        return None
    return start, last, closed


def read(lines: list[Block]) -> tuple[Metadata, list[Block]]:
    """The metadata of the page, and its lines without an archive's closed header."""
    span = _block(lines)
    meta = Metadata()
    if span is None:
        return meta, lines
    start, last, closed = span
    for b in lines[start:last + 1]:
        for label, value in pairs(b.text):
            meta.fields.setdefault(label, value)
            name = _LABELS.get(label) or _LABELS.get(label.lower())
            if value and name in ("title", "publisher", "date", "column", "source_url") \
                    and getattr(meta, name) is None:
                setattr(meta, name, value)
    if closed:
        lines = lines[:start] + lines[last + 1:]
    return meta, lines
