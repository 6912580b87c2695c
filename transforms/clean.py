"""STUB: to be replaced."""
from .model import Page, RawPage


def clean_page(raw: RawPage) -> Page:
    return Page(kind=raw.kind, blocks=raw.blocks, title=raw.title)
