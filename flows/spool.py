"""The run's documents as table rows, spooled to Parquet on disk as they come.

`Spool` turns each parsed document into rows of pages, documents, document_metrics, checks and
withheld, written in Parquet row groups under a directory beside the warehouse; only what
dedupe needs (`ReportDoc`: fingerprints, no text) stays in memory, so memory stays flat as
reports grow. The load streams the Parquet files (`Spool.tables`).
"""
from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Optional
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq

from transforms.dedupe.fingerprint import Fingerprint
from transforms.dedupe.groups import DedupeItem
from transforms.dedupe.report_fields import HostRules, ReportDoc
from transforms.model import Document
from transforms.years import Years
from warehouse import batch as B

if TYPE_CHECKING:
    from flows.parse_pool import ParsedDoc

SPOOL_ROWS = 200  # documents buffered before a Parquet row group is written


def utc_naive(value) -> Optional[datetime]:
    """A timestamp (ISO text or datetime) as naive UTC, the warehouse's form; None if unreadable."""
    if not value:
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return dt.astimezone(timezone.utc).replace(tzinfo=None) if dt.tzinfo else dt


def iso_text(value) -> str:
    dt = utc_naive(value)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f") if dt else ""


def page_row(rec) -> dict:
    return {"record_id": rec.record_id, "url": rec.url, "final_url": getattr(rec, "final_url", None),
            "host": getattr(rec, "host", None), "status": rec.status,
            "content_type": getattr(rec, "content_type", None), "sha256": rec.sha256,
            "fetched_at": utc_naive(rec.fetched_at), "error": getattr(rec, "error", None),
            "portal_id": getattr(rec, "portal_id", None), "kind": getattr(rec, "kind", None),
            "referer": getattr(rec, "referer", None), "anchor_text": getattr(rec, "anchor_text", None)}


def host_of(url: str, host: Optional[str]) -> str:
    """The fetch's host as recorded, else the URL's; lower case."""
    if host:
        return host.lower()
    return (urlsplit(url).hostname or "").lower()


def withheld_rows(doc_id: str, doc: Document) -> list[dict]:
    """The document's withheld values as rows of the `withheld` table."""
    rows = []
    for w in doc.withheld:
        cands = [{"value": c.value, "unit": c.unit, "unit_printed": c.unit_printed, "approx": bool(c.approx),
                  "source": c.source, "evidence": c.evidence, "reason": c.withheld} for c in w.candidates]
        rows.append({"doc_id": doc_id, "key": w.key, "dimension": w.dimension, "reason": w.reason,
                     "loaded_value": None if w.loaded is None else float(w.loaded),
                     "candidate_values": [float(c.value) for c in w.candidates],
                     "candidates": json.dumps(cands, ensure_ascii=False)})
    return rows


class Spool:
    """Documents, metrics and checks written to Parquet as they come; fingerprints kept."""

    def __init__(self, directory: Path, hosts: HostRules, years: Optional[Years],
                 report_ids: Optional[dict] = None, skip_doc_ids: Optional[set] = None):
        self.dir = directory
        self.hosts, self.years = hosts, years
        self.report_ids = report_ids or {}
        self.skip = skip_doc_ids or set()
        self.buffers = {"pages": [], "documents": [], "document_metrics": [], "checks": [], "withheld": []}
        self.schemas = {"pages": B.PAGES, "documents": B.DOCUMENTS,
                        "document_metrics": B.DOCUMENT_METRICS, "checks": B.CHECKS,
                        "withheld": B.WITHHELD}
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.parses: list[dict] = []
        self.reports: list[ReportDoc] = []
        self.doc_ids: set[str] = set()
        self.parsed = self.errors = self.filtered = 0
        self.retried: list[str] = []  # record ids whose parse is to be tried again

    def add_page(self, row: dict) -> None:
        self.buffers["pages"].append(row)
        if len(self.buffers["pages"]) >= SPOOL_ROWS * 10:  # metadata only: small rows
            self.flush("pages")

    def add(self, p: ParsedDoc) -> None:
        self.parsed += 1
        if p.error or p.document is None:
            self.errors += 1
            if p.retry:
                self.retried.append(p.record_id)
                return  # not recorded as parsed: the next run tries again
            self.parses.append({"url": p.url, "sha256": p.sha256, "doc_id": None, "status": "error",
                                "error": p.error or "no document", "year": None})
            return
        doc = p.document
        if doc.is_annual_report and self.years is not None and doc.year not in self.years:
            self.filtered += 1
            self.parses.append({"url": p.url, "sha256": p.sha256, "doc_id": None,
                                "status": "filtered", "error": None, "year": doc.year})
            return
        doc_id = p.doc_id
        self.parses.append({"url": p.url, "sha256": p.sha256, "doc_id": doc_id, "status": "ok",
                            "error": None, "year": doc.year})
        if doc_id in self.doc_ids or doc_id in self.skip:
            return  # the same page with the same text, fetched again
        self.doc_ids.add(doc_id)
        self._add_document(p, doc, doc_id)

    def _add_document(self, p: ParsedDoc, doc: Document, doc_id: str) -> None:
        host = host_of(p.url, p.host)
        portal = self.hosts.holder(host, p.portal_id)
        own, gov = self.hosts.own(host, portal), self.hosts.government(host, portal)
        fp = compact(p.fingerprint)
        self.buffers["documents"].append({
            "doc_id": doc_id, "url": p.url, "host": host, "portal_id": portal,
            "sha256": p.sha256, "text_sha256": fp.text_sha256, "content_type": p.content_type,
            "fetched_at": utc_naive(p.fetched_at), "is_annual_report": bool(doc.is_annual_report),
            "title": doc.title, "year": doc.year, "publisher": doc.publisher, "region": doc.region,
            "region_code": doc.region_code, "published_date": doc.published_date,
            "format": doc.format, "traditional_source": bool(doc.traditional_source),
            "spam_removed": json.dumps(doc.spam_removed, ensure_ascii=False),
            "warnings": json.dumps(doc.warnings, ensure_ascii=False), "text": doc.text,
            "government_host": gov, "own_host": own, "minhash": fp.minhash,
            "numbers": " ".join(fp.numbers), "referer": p.referer})
        for m in doc.metrics:
            self.buffers["document_metrics"].append({
                "doc_id": doc_id, "key": m.key, "dimension": m.dimension, "value": float(m.value),
                "unit": m.unit, "unit_printed": m.unit_printed, "approx": bool(m.approx),
                "source": m.source, "evidence": m.evidence})
        for c in doc.checks:
            self.buffers["checks"].append({"doc_id": doc_id, "check": c.check, "ok": bool(c.ok),
                                           "detail": c.detail})
        self.buffers["withheld"].extend(withheld_rows(doc_id, doc))
        if doc.is_annual_report:
            item = DedupeItem(doc_id=doc_id, fingerprint=fp, year=doc.year, publisher=doc.publisher,
                              host=host, url=p.url, fetched_at=iso_text(p.fetched_at), own_host=own,
                              government_host=gov,
                              report_id=self.report_ids.get((p.url, p.sha256)),
                              referer=p.referer, has_metrics=bool(doc.metrics),
                              spam_wrapped=bool(doc.spam_removed))
            self.reports.append(ReportDoc(item, portal, doc.region, doc.region_code,
                                           doc.format, doc.title, doc.published_date))
        if len(self.buffers["documents"]) >= SPOOL_ROWS:
            self.flush()

    def flush(self, only: Optional[str] = None) -> None:
        for name, rows in self.buffers.items():
            if not rows or (only and name != only):
                continue
            table = pa.Table.from_pylist(rows, schema=self.schemas[name])
            if name not in self.writers:
                self.writers[name] = pq.ParquetWriter(self.dir / f"{name}.parquet", self.schemas[name])
            self.writers[name].write_table(table)
            rows.clear()

    def tables(self) -> dict:
        """Each spooled table as the path of its Parquet file (DuckDB streams it under its
        memory cap; an Arrow dataset scan would read ahead outside that cap)."""
        self.flush()
        out = {}
        for name, schema in self.schemas.items():
            if name in self.writers:
                self.writers.pop(name).close()
                out[name] = self.dir / f"{name}.parquet"
            else:
                out[name] = schema.empty_table()
        return out

    def close(self) -> None:
        for w in self.writers.values():
            w.close()
        self.writers.clear()


def compact(fp: Fingerprint) -> Fingerprint:
    """The fingerprint dedupe keeps for every report of the run: its numbers (a few hundred
    per report, mostly the same few thousand strings across reports) shared, not copied."""
    return replace(fp, numbers=tuple(sys.intern(n) for n in fp.numbers))



def spool_prefix(db_path: Path) -> str:
    """Spools live beside the warehouse (same disk, not a small /tmp), named after it."""
    return f".{db_path.name}.spool-"


def remove_stale_spools(db_path: Path) -> None:
    """Spools left by a writer that was killed: we hold this warehouse's writer lock, so none
    of its spools is in use."""
    for d in db_path.parent.glob(spool_prefix(db_path) + "*"):
        shutil.rmtree(d, ignore_errors=True)
