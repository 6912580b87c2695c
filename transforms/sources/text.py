"""Plain text (any Chinese encoding) to blocks: one block per line; runs of tab-separated lines,
and markdown tables (`| 自然人 | 商业企业 |`, as OCR and PDF-to-text tools print them), as tables."""
from __future__ import annotations

import re
from typing import Optional

from transforms.sources.decode import decode_bytes
from transforms.errors import ExtractError
from transforms.sources.html_tables import grid_text
from transforms.model import Block, RawPage


def text_to_rawpage(raw: bytes, content_type: Optional[str] = None) -> RawPage:
    text, codec = decode_bytes(raw, content_type, html=False)
    blocks = text_blocks(text)
    if not blocks:
        raise ExtractError("no text in the source")
    return RawPage(kind="text", blocks=blocks, meta={"encoding": codec})


_BAR_ROW = re.compile(r"^\s*[|｜].*[|｜]\s*$")  # a markdown table row: bars at both ends
_RULE_ROW = re.compile(r"^[\s|｜:：\-—－]+$")  # its header rule: | --- | :---: |


def text_blocks(text: str) -> list[Block]:
    """Lines become paragraphs; two or more consecutive lines with tabs, or two or more rows of a
    markdown table, become one table."""
    blocks: list[Block] = []
    run: list[list[str]] = []
    bars: list[list[str]] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _BAR_ROW.match(line):
            _close_run(run, blocks)
            if not _RULE_ROW.match(line):
                bars.append([c.strip() for c in re.split(r"[|｜]", line.strip())[1:-1]])
            continue
        _close_run(bars, blocks)
        if "\t" in line.strip("\t ") or (run and "\t" in line and line.strip()):
            run.append([c.strip() for c in line.strip("\n").split("\t")])
            continue
        _close_run(run, blocks)
        if line.strip():
            blocks.append(Block(line.strip()))
    _close_run(bars, blocks)
    _close_run(run, blocks)
    return blocks


def _close_run(run: list[list[str]], blocks: list[Block]) -> None:
    if not run:
        return
    if len(run) == 1:
        blocks.append(Block(" ".join(c for c in run[0] if c)))
    else:
        width = max(len(r) for r in run)
        grid = [r + [""] * (width - len(r)) for r in run]
        blocks.append(Block(grid_text(grid), table=grid))
    run.clear()
