"""The parse of one page: raw bytes in, one Document out. A pure function: no I/O, no clock."""
from __future__ import annotations

from typing import Optional

from transforms.classification import classify
from transforms.cleaning import clean
from transforms.metrics import settle
from transforms.sources import sniff
from transforms.errors import ExtractError
from transforms.model import Document, RawPage

MAX_BYTES = 40 * 1024 * 1024  # larger sources are refused: no report page is this big


def to_rawpage(raw: bytes, url: Optional[str] = None, content_type: Optional[str] = None) -> RawPage:
    """Convert any supported source format into blocks."""
    if not raw or not raw.strip():
        raise ExtractError("empty source")
    if len(raw) > MAX_BYTES:
        raise ExtractError(f"source too large ({len(raw) // (1024 * 1024)} MB; limit {MAX_BYTES // (1024 * 1024)} MB)")
    kind = sniff.sniff_kind(raw, url, content_type)
    if kind == "pdf":
        from transforms.sources.pdf import pdf_to_rawpage
        return pdf_to_rawpage(raw)
    if kind == "docx":
        from transforms.sources.docx import docx_to_rawpage
        return docx_to_rawpage(raw)
    if kind == "doc":
        from transforms.sources.doc import doc_to_rawpage
        return doc_to_rawpage(raw)
    if kind == "html":
        from transforms.sources.html_body import html_to_rawpage
        return html_to_rawpage(raw, url, content_type)
    if kind == "text":
        from transforms.sources.text import text_to_rawpage
        return text_to_rawpage(raw, content_type)
    raise ExtractError(f"unsupported or binary source ({kind})")


def extract(raw: bytes, url: Optional[str] = None, content_type: Optional[str] = None) -> Document:
    rawpage = to_rawpage(raw, url, content_type)
    page = clean.clean_page(rawpage)
    cls = classify.classify(page, url)
    metrics, checks, withheld, warnings = ([], [], [], [])
    if cls.is_annual_report:
        metrics, checks, withheld, warnings = settle.report_metrics(page, cls)
    return Document(
        url=url,
        is_annual_report=cls.is_annual_report,
        title=cls.title or page.title,
        year=cls.year,
        publisher=cls.publisher,
        region=cls.region,
        region_code=cls.region_code,
        published_date=page.published_date,
        format=cls.format if cls.is_annual_report else None,
        traditional_source=page.traditional_source,
        spam_removed=page.spam_removed,
        text=page.text,
        metrics=metrics,
        checks=checks,
        warnings=rawpage.warnings + page.warnings + warnings,
        withheld=withheld,
    )
