"""STUB: plain text to blocks (to be replaced)."""
from .model import Block, RawPage


def text_to_rawpage(raw: bytes, content_type=None) -> RawPage:
    text = raw.decode("utf-8", errors="replace")
    blocks = [Block(line.strip()) for line in text.splitlines() if line.strip()]
    return RawPage(kind="text", blocks=blocks)
