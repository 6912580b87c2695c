"""The data path after the crawl: archive -> parse -> dedupe -> warehouse. Plain functions, no
Prefect inside; the flows wrap them in tasks.

  (parsing itself, in worker processes under hard limits, is flows/parse_pool.py)
  dedupe_and_load  group documents into reports (transforms.dedupe.groups) and load the run in one
                   warehouse transaction, then publish the read snapshot.
  process_archive  both, streaming: parsed documents go to a Parquet spool on disk as they come,
                   only their fingerprints stay in memory, so memory stays flat as reports grow.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from transforms.dedupe.groups import DedupeItem, ReportGroup, group_reports, host_matches, is_government_host
from flows.parse_pool import BodyLoader, ParsedDoc, archive_body, iter_parsed, needs_parsing, record_url
from transforms.dedupe.fingerprint import Fingerprint
from transforms.model import Document
from warehouse import batch as B
from warehouse.batch import LoadBatch
from warehouse.store import Warehouse

PROGRESS_EVERY = 25  # documents between progress messages
SPOOL_ROWS = 200  # documents buffered before a Parquet row group is written


# ============================================================================ rows
def _ts(value) -> Optional[datetime]:
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


def _iso(value) -> str:
    dt = _ts(value)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f") if dt else ""


def page_row(rec) -> dict:
    return {"record_id": rec.record_id, "url": rec.url, "final_url": getattr(rec, "final_url", None),
            "host": getattr(rec, "host", None), "status": rec.status,
            "content_type": getattr(rec, "content_type", None), "sha256": rec.sha256,
            "fetched_at": _ts(rec.fetched_at), "error": getattr(rec, "error", None),
            "portal_id": getattr(rec, "portal_id", None), "kind": getattr(rec, "kind", None),
            "referer": getattr(rec, "referer", None), "anchor_text": getattr(rec, "anchor_text", None)}


class HostRules:
    """Which hosts belong to a portal (canonical copies) and which are government hosts."""

    def __init__(self, portals: Optional[Sequence] = None):
        self.by_portal = {p.id: list(p.allowed_hosts or ()) for p in (portals or ())}
        self.all_hosts = [h for hosts in self.by_portal.values() for h in hosts]

    def own(self, host, portal_id) -> bool:
        return bool(host) and host_matches(host, self.by_portal.get(portal_id, ()))

    def government(self, host, portal_id) -> bool:
        return self.own(host, portal_id) or is_government_host(host or "", self.all_hosts)


def _host_of(url: str, host: Optional[str]) -> str:
    if host:
        return host.lower()
    from urllib.parse import urlsplit
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


@dataclass
class _ReportDoc:
    """A report document as dedupe and the reports table need it: no text."""
    item: DedupeItem
    portal_id: Optional[str]
    region: Optional[str]
    region_code: Optional[str]
    format: Optional[str]
    title: Optional[str]
    published_date: Optional[str]


class _Spool:
    """Documents, metrics and checks written to Parquet as they come; fingerprints kept."""

    def __init__(self, directory: Path, hosts: HostRules, years: Optional[set[int]],
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
        self.reports: list[_ReportDoc] = []
        self.doc_ids: set[str] = set()
        self.parsed = self.errors = self.filtered = 0

    def add_page(self, row: dict) -> None:
        self.buffers["pages"].append(row)
        if len(self.buffers["pages"]) >= SPOOL_ROWS * 10:  # metadata only: small rows
            self.flush("pages")

    def add(self, p: ParsedDoc) -> None:
        self.parsed += 1
        if p.error or p.document is None:
            self.errors += 1
            if p.retry:
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
        host = _host_of(p.url, p.host)
        own, gov = self.hosts.own(host, p.portal_id), self.hosts.government(host, p.portal_id)
        fp = _compact(p.fingerprint)
        self.buffers["documents"].append({
            "doc_id": doc_id, "url": p.url, "host": host, "portal_id": p.portal_id,
            "sha256": p.sha256, "text_sha256": fp.text_sha256, "content_type": p.content_type,
            "fetched_at": _ts(p.fetched_at), "is_annual_report": bool(doc.is_annual_report),
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
                              host=host, url=p.url, fetched_at=_iso(p.fetched_at), own_host=own,
                              government_host=gov,
                              report_id=self.report_ids.get((p.url, p.sha256)),
                              referer=p.referer, has_metrics=bool(doc.metrics),
                              spam_wrapped=bool(doc.spam_removed))
            self.reports.append(_ReportDoc(item, p.portal_id, doc.region, doc.region_code,
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


def _compact(fp: Fingerprint) -> Fingerprint:
    """The fingerprint dedupe keeps for every report of the run: its numbers (a few hundred
    per report, mostly the same few thousand strings across reports) shared, not copied."""
    return replace(fp, numbers=tuple(sys.intern(n) for n in fp.numbers))


def _near(new: list[_ReportDoc]) -> dict:
    """What finds the warehouse's documents that may group with this run's: their text hashes,
    URLs, linking pages and LSH bands (transforms.dedupe.groups's banding)."""
    from transforms.dedupe.groups import BAND_WIDTH, BANDS, bands
    docs = {"text_sha256": [], "url": [], "referer": []}
    keys = {"band": [], "key": []}
    for d in new:
        it = d.item
        docs["text_sha256"].append(it.fingerprint.text_sha256)
        docs["url"].append(it.url)
        docs["referer"].append(it.referer)
        sig = it.fingerprint.minhash
        if it.fingerprint.length and len(sig) == BAND_WIDTH * BANDS:
            for b, band in enumerate(bands(sig)):
                keys["band"].append(b)
                keys["key"].append(band.hex().upper())
    return {"docs": pa.table(docs, schema=pa.schema([("text_sha256", pa.string()),
                                                     ("url", pa.string()), ("referer", pa.string())])),
            "bands": pa.table(keys, schema=pa.schema([("band", pa.int64()), ("key", pa.string())])),
            "band_width": BAND_WIDTH, "band_count": BANDS}


def _existing_report_docs(wh: Warehouse, new: Optional[list[_ReportDoc]] = None) -> list[_ReportDoc]:
    """The warehouse's report documents as dedupe items: all, or (given this run's) only the
    reports that may change."""
    out = []
    table = wh.report_documents(None if new is None else _near(new))
    for r in table.to_pylist():
        fp = Fingerprint(text_sha256=r["text_sha256"], minhash=bytes(r["minhash"] or b""),
                         numbers=tuple(sys.intern(n) for n in (r["numbers"] or "").split()),
                         length=r["text_length"] or 0)  # only zero or not matters to dedupe
        item = DedupeItem(doc_id=r["doc_id"], fingerprint=fp, year=r["year"],
                          publisher=r["publisher"], host=r["host"] or "", url=r["url"],
                          fetched_at=r["fetched_at"] or "", own_host=bool(r["own_host"]),
                          government_host=bool(r["government_host"]), report_id=r["report_id"],
                          settled=True, referer=r["referer"], has_metrics=bool(r["has_metrics"]),
                          spam_wrapped=bool(r["spam_wrapped"]))
        out.append(_ReportDoc(item, r["portal_id"], r["region"], r["region_code"], r["format"],
                              r["title"], r["published_date"]))
    return out


def _first(docs: list[_ReportDoc], members: list[int], attr: str):
    """The canonical copy's value, else the next copy's that has one."""
    for i in members:
        v = getattr(docs[i].item, attr, None) if attr in ("publisher", "year") else getattr(docs[i], attr)
        if v not in (None, ""):
            return v
    return None


def _title(docs: list[_ReportDoc], members: list[int], publisher: Optional[str]) -> Optional[str]:
    """The first title (canonical copy first) that names the publisher, else the canonical
    copy's: a page and its attached file are fetched in either order, and the file's own heading
    often leaves the publisher out, so the canonical copy alone would make the title vary."""
    clean = [i for i in members if not docs[i].item.spam_wrapped] or members
    if publisher:
        for i in clean:
            if publisher in (docs[i].title or ""):
                return docs[i].title
    return _first(docs, members, "title")


def postings(docs: list[_ReportDoc], members: list[int]) -> int:
    """Places a report was published: distinct URLs, not counting a file reached from another
    copy's page (a page and its attachment are one posting)."""
    urls = {docs[i].item.url for i in members}
    own = {docs[i].item.url for i in members if (docs[i].item.referer or "") not in urls - {docs[i].item.url}}
    return max(1, len(own))


def _report_tables(docs: list[_ReportDoc], groups: list[ReportGroup]) -> tuple[pa.Table, pa.Table]:
    assign, reports = [], []
    for g in groups:
        for i in g.members:
            assign.append({"doc_id": docs[i].item.doc_id, "report_id": g.report_id,
                           "is_canonical": i == g.canonical})
        c = docs[g.canonical]
        publisher = _first(docs, g.members, "publisher")
        reports.append({
            "report_id": g.report_id, "publisher": publisher,
            "region": _first(docs, g.members, "region"),
            "region_code": _first(docs, g.members, "region_code"),
            "year": _first(docs, g.members, "year"), "format": _first(docs, g.members, "format"),
            "title": _title(docs, g.members, publisher),
            "published_date": _first(docs, g.members, "published_date"),
            "canonical_url": c.item.url, "canonical_doc_id": c.item.doc_id,
            "copies": postings(docs, g.members),
            "government_host": g.government_host, "portal_id": c.portal_id})
    return (pa.Table.from_pylist(assign, schema=B.ASSIGNMENTS),
            pa.Table.from_pylist(reports, schema=B.REPORTS))


# ============================================================================ load
def _load_portals():
    try:
        from crawler.registry import load_portals
        return load_portals()
    except Exception:  # no registry: only government-domain rules apply
        return []


def _spool_prefix(db_path: Path) -> str:
    """Spools live beside the warehouse (same disk, not a small /tmp), named after it."""
    return f".{db_path.name}.spool-"


def _remove_stale_spools(db_path: Path) -> None:
    """Spools left by a writer that was killed: we hold this warehouse's writer lock, so none
    of its spools is in use."""
    for d in db_path.parent.glob(_spool_prefix(db_path) + "*"):
        shutil.rmtree(d, ignore_errors=True)


def _scan(spool: "_Spool", records: Iterable, known_rids: set, known: set) -> tuple[list, int]:
    """New page rows into the spool, and the records to parse (each (URL, body) once).
    Metadata only: bodies stay in the archive."""
    todo, seen, n = [], set(known), 0
    for rec in records:
        n += 1
        if rec.record_id not in known_rids:
            spool.add_page(page_row(rec))
        if needs_parsing(rec, seen):
            seen.add((record_url(rec), rec.sha256))
            todo.append(rec)
    return todo, n


def _parse_into(spool: _Spool, parsed: Iterable[ParsedDoc], known: set, total: int, progress) -> None:
    for p in parsed:
        if (p.url, p.sha256) in known:
            continue  # parsed by an earlier run
        spool.add(p)
        if progress and spool.parsed % PROGRESS_EVERY == 0:
            progress(f"parsed {spool.parsed}/{total} documents ({spool.errors} errors)")
    if progress and total:
        progress(f"parsed {spool.parsed}/{total} documents ({spool.errors} errors)")


def _timed(timings: dict, name: str, fn, *args):
    t0 = time.monotonic()
    out = fn(*args)
    timings[name] = round(time.monotonic() - t0, 3)
    return out


def _dedupe(docs: list[_ReportDoc]) -> tuple[pa.Table, pa.Table]:
    return _report_tables(docs, group_reports([d.item for d in docs]))


def _run(wh: Warehouse, run_id: str, records: Iterable, parsed_for: Callable[[list], Iterable[ParsedDoc]],
         years, portals, reparse: bool, progress) -> dict:
    """The whole data path on an open warehouse: pages, parse, dedupe, one load, publish."""
    timings: dict = {}
    years = set(years) if years else None
    hosts = HostRules(_load_portals() if portals is None else portals)
    known = set() if reparse else wh.known_parses(years)
    if reparse:  # everything is parsed again; earlier report ids carry over by (URL, body)
        skip, old_ids = set(), wh.report_ids_by_body()
    else:
        skip, old_ids = wh.doc_ids(), {}
    _remove_stale_spools(wh.db_path)
    with tempfile.TemporaryDirectory(prefix=_spool_prefix(wh.db_path), dir=wh.db_path.parent) as tmp:
        spool = _Spool(Path(tmp), hosts, years, report_ids=old_ids, skip_doc_ids=skip)
        try:
            todo, n_records = _scan(spool, records, wh.known_record_ids(), known)
            _timed(timings, "parse_seconds", _parse_into, spool, parsed_for(todo), known,
                   len(todo), progress)
            existing = [] if reparse else _existing_report_docs(wh, spool.reports)
            docs = existing + spool.reports
            assign, reports = _timed(timings, "dedupe_seconds", _dedupe, docs)
            t0 = time.monotonic()
            spooled = spool.tables()
            batch = LoadBatch(pages=spooled["pages"], documents=spooled["documents"],
                              document_metrics=spooled["document_metrics"],
                              checks=spooled["checks"], withheld=spooled["withheld"],
                              parses=pa.Table.from_pylist(spool.parses, schema=B.PARSES),
                              assignments=assign, reports=reports, replace_parsed=reparse)
            counts = wh.load(run_id, batch)
            timings["load_seconds"] = round(time.monotonic() - t0, 3)
        finally:
            spool.close()
    wh.record_counts(run_id, counts["reports_new"], spool.errors, timings)
    _timed(timings, "publish_seconds", wh.publish)
    counts.update(records=n_records, to_parse=len(todo), parsed=spool.parsed,
                  parse_errors=spool.errors, filtered_by_year=spool.filtered,
                  report_documents=len(docs), timings=timings)
    if progress:
        label = "documents reloaded" if reparse else "new documents"  # a re-parse brings none new
        progress(f"loaded: {counts['documents_new']} {label}, {counts['reports_total']} reports "
                 f"({counts['reports_new']} new), {spool.errors} parse errors")
    return counts


def _with_warehouse(db, fn, wait_seconds: float):
    """Run fn(warehouse) on an open Warehouse, or open one (exclusive) for the call."""
    if isinstance(db, Warehouse):
        return fn(db)
    with Warehouse(db, wait_seconds=wait_seconds) as wh:
        return fn(wh)


def dedupe_and_load(db_path, run_id: str, records: Iterable, parsed: Iterable[ParsedDoc],
                    years=None, portals=None, reparse: bool = False,
                    progress: Optional[Callable[[str], None]] = None,
                    wait_seconds: float = 60.0) -> dict:
    """Load one run: pages from `records` (every fetch attempt), documents from `parsed`,
    grouped into reports with those already in the warehouse. `db_path` may be an open
    Warehouse. Returns counts and timings."""
    return _with_warehouse(db_path, lambda wh: _run(
        wh, run_id, records, lambda todo: parsed, years, portals, reparse, progress),
        wait_seconds)


def process_archive(archive_dir, db_path, run_id: Optional[str] = None, years=None,
                    workers: Optional[int] = None, reparse: bool = False,
                    progress: Optional[Callable[[str], None]] = None, portals=None,
                    loader: Optional[BodyLoader] = None, records: Optional[Iterable] = None,
                    wait_seconds: float = 60.0) -> dict:
    """Parse what the archive holds that the warehouse lacks (everything with reparse=True),
    dedupe and load in one transaction, publish. Without run_id a run of flow 'process' is
    started and finished here. Returns counts and timings (parse, dedupe, load) in seconds."""
    loader = loader or archive_body

    def go(wh: Warehouse) -> dict:
        own_run = run_id is None
        rid = run_id or wh.start_run("reprocess" if reparse else "process",
                                     {"archive": str(archive_dir), "years": sorted(years or []),
                                      "reparse": reparse})
        recs = records
        if recs is None:
            from crawler.archive import iter_records
            recs = iter_records(archive_dir)
        try:
            counts = _run(wh, rid, recs,
                          lambda todo: iter_parsed(archive_dir, todo, workers, loader),
                          years, portals, reparse, progress)
        except BaseException:
            if own_run:
                wh.finish_run(rid, "failed")
            raise
        if own_run:
            wh.finish_run(rid, "ok", pages_fetched=counts["pages_new"],
                          errors=counts["parse_errors"])
            wh.publish()
        counts["run_id"] = rid
        return counts

    return _with_warehouse(db_path, go, wait_seconds)
