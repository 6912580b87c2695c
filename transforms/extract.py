"""The parse of one page: raw bytes in, one Document out. A pure function: no I/O, no clock."""
from __future__ import annotations

from typing import Optional

from transforms.classification import classify
from transforms.cleaning import clean
from transforms.metrics import settle
from transforms.sources import sniff
from transforms.errors import ExtractError
from transforms.limits import DEFAULT, Limits, over, size
from transforms.model import Document, RawPage

MAX_BYTES = DEFAULT.max_source_bytes  # larger sources are refused: no report page is this big
_NAMES = {"pdf": "PDF", "docx": "DOCX", "doc": ".doc", "html": "HTML", "text": "text"}


def to_rawpage(raw: bytes, url: Optional[str] = None, content_type: Optional[str] = None,
               limits: Limits = DEFAULT) -> RawPage:
    """Convert any supported source format into blocks. Every error is an ExtractError."""
    if not raw or not raw.strip():
        raise ExtractError("empty source")
    if len(raw) > limits.max_source_bytes:
        raise over("source too large:", size(len(raw)), "max_source_bytes", size(limits.max_source_bytes))
    kind = sniff.sniff_kind(raw, url, content_type)
    try:
        return _convert(kind, raw, url, content_type, limits)
    except (ExtractError, MemoryError):
        raise  # (out of memory is the host's condition, not the source's: never disguised)
    except RecursionError:
        raise ExtractError(f"cannot read {_NAMES.get(kind, kind)}: nested too deeply") from None
    except Exception as exc:  # a source's library raised something of its own: still ours
        raise ExtractError(f"cannot read {_NAMES.get(kind, kind)} ({type(exc).__name__}: "
                           f"{' '.join(str(exc).split())[:120]})") from None


def _convert(kind: str, raw: bytes, url, content_type, limits: Limits) -> RawPage:
    if kind == "pdf":
        from transforms.sources.pdf import pdf_to_rawpage
        return pdf_to_rawpage(raw, limits)
    if kind == "docx":
        from transforms.sources.docx import docx_to_rawpage
        return docx_to_rawpage(raw, limits)
    if kind == "doc":
        from transforms.sources.doc import doc_to_rawpage
        return doc_to_rawpage(raw, limits)
    if kind == "html":
        from transforms.sources.html_body import html_to_rawpage
        tags = raw.count(b"<")
        if tags > limits.html_max_tags:
            raise over("HTML has", f"{tags} tags", "html_max_tags", str(limits.html_max_tags))
        return html_to_rawpage(raw, url, content_type)
    if kind == "text":
        from transforms.sources.text import text_to_rawpage
        lines = raw.count(b"\n")
        if lines > limits.text_max_lines:
            raise over("text has", f"{lines} lines", "text_max_lines", str(limits.text_max_lines))
        return text_to_rawpage(raw, content_type)
    raise ExtractError(f"unsupported or binary source ({kind})")


def extract(raw: bytes, url: Optional[str] = None, content_type: Optional[str] = None,
            limits: Limits = DEFAULT) -> Document:
    rawpage = to_rawpage(raw, url, content_type, limits)
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
