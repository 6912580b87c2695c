"""The data path after the crawl: archive -> parse -> dedupe -> warehouse. Plain functions, no
Prefect inside; the flows wrap them in tasks.

  parse_records    parse the archived bodies that need it, in a process pool; each worker loads
                   its body from the archive by record_id (bodies never travel between processes)
                   and keeps its error instead of failing the batch.
  dedupe_and_load  group documents into reports (transforms.dedupe.groups) and load the run in one
                   warehouse transaction.
  process_archive  both, streaming: parsed documents go to a Parquet spool on disk as they come
                   (flows/spool.py), only their fingerprints stay in memory, so memory stays flat
                   as reports grow; the warehouse's reports they may join come from
                   flows/near_docs.py, each report's fields from transforms.dedupe.report_fields.

The warehouse is published once per run, by whoever opened it (here when given a path).
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import tempfile
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import pyarrow as pa

from flows.limits import configured, time_limit
from flows.near_docs import existing_report_docs
from flows.spool import Spool, page_row, remove_stale_spools, spool_prefix
from transforms.errors import ExtractError, TimeLimit
from transforms.extract import extract
from transforms.dedupe.fingerprint import Fingerprint, fingerprint
from transforms.dedupe.groups import group_reports
from transforms.dedupe.report_fields import HostRules, ReportDoc, assignment_rows, report_row
from transforms.model import Document
from transforms.years import Years
from warehouse import batch as B
from warehouse.batch import LoadBatch
from warehouse.store import Warehouse

PARSE_KINDS = ("detail", "attachment")
PROGRESS_EVERY = 25  # documents between progress messages

BodyLoader = Callable[[str, str], Optional[bytes]]


def _archive_body(archive_dir: str, record_id: str) -> Optional[bytes]:
    from crawler.archive import read_body
    return read_body(archive_dir, record_id)


# ============================================================================ parse
@dataclass
class ParsedDoc:
    """The parse of one archived body: a Document and its fingerprint, or an error."""
    record_id: str
    url: str  # final URL of the fetch
    host: Optional[str]
    sha256: str
    fetched_at: Optional[str]
    portal_id: Optional[str]
    content_type: Optional[str]
    referer: Optional[str] = None
    document: Optional[Document] = None
    fingerprint: Optional[Fingerprint] = None
    error: Optional[str] = None
    seconds: float = 0.0
    retry: bool = False  # the failure was not the page's fault: try again next run

    @property
    def doc_id(self) -> Optional[str]:
        if self.fingerprint is None:
            return None
        return make_doc_id(self.url, self.fingerprint.text_sha256)


def make_doc_id(url: str, text_sha256: str) -> str:
    """A page at one URL with one clean text: a refetch with a new view counter or spam block
    around the same text is the same document."""
    return hashlib.sha256(f"{url}\n{text_sha256}".encode("utf-8")).hexdigest()[:32]


def record_url(rec) -> str:
    return getattr(rec, "final_url", None) or rec.url


def needs_parsing(rec, known: set) -> bool:
    return (rec.status == 200 and rec.kind in PARSE_KINDS and bool(rec.sha256)
            and (record_url(rec), rec.sha256) not in known)


def select_records(records: Iterable, known: Optional[set] = None) -> Iterator:
    """Records whose (final URL, body) has not been parsed, each pair once."""
    seen = set(known or ())
    for rec in records:
        if needs_parsing(rec, seen):
            seen.add((record_url(rec), rec.sha256))
            yield rec


@dataclass
class _Job:
    archive_dir: str
    record_id: str
    url: str
    host: Optional[str]
    sha256: str
    fetched_at: Optional[str]
    portal_id: Optional[str]
    content_type: Optional[str]
    referer: Optional[str] = None
    loader: BodyLoader = field(default=_archive_body)

    @classmethod
    def of(cls, archive_dir, rec, loader: BodyLoader) -> "_Job":
        return cls(str(archive_dir), rec.record_id, record_url(rec), getattr(rec, "host", None),
                   rec.sha256, rec.fetched_at, getattr(rec, "portal_id", None),
                   getattr(rec, "content_type", None), getattr(rec, "referer", None), loader)

    def failed(self, error: Optional[str], retry: bool = False) -> ParsedDoc:
        return ParsedDoc(self.record_id, self.url, self.host, self.sha256, self.fetched_at,
                         self.portal_id, self.content_type, self.referer, error=error, retry=retry)


def _parse_body(job: _Job) -> ParsedDoc:
    try:
        raw = job.loader(job.archive_dir, job.record_id)
    except Exception as exc:  # the archive, not the page: try again next run
        return job.failed(f"cannot read the body: {exc}", retry=True)
    if not raw:
        return job.failed("no body in the archive")
    try:
        doc = extract(raw, job.url, job.content_type, configured())
        fp = fingerprint(doc.text)
    except ExtractError as exc:
        return job.failed(f"extract: {exc}")
    except Exception as exc:  # a parser bug on one page must not abort the batch
        return job.failed(f"{exc.__class__.__name__}: {exc}")
    out = job.failed(None)
    out.document, out.fingerprint = doc, fp
    return out


def parse_one(job: _Job) -> ParsedDoc:
    """Load one body and parse it, within the time limit (a TimeLimit no library can catch);
    never raises."""
    start = time.monotonic()
    seconds = configured().parse_seconds
    try:
        with time_limit(seconds):
            out = _parse_body(job)
    except TimeLimit:
        out = job.failed(f"parse took longer than {seconds:g}s (limit parse_seconds)")
    out.seconds = time.monotonic() - start
    return out


def default_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def iter_parsed(archive_dir, records: Iterable, workers: Optional[int] = None,
                loader: BodyLoader = _archive_body) -> Iterator[ParsedDoc]:
    """Parse the given records (already selected) in order; a pool when workers > 1."""
    jobs = (_Job.of(archive_dir, rec, loader) for rec in records)
    workers = workers or default_workers()
    if workers <= 1:
        for job in jobs:
            yield parse_one(job)
        return
    window = workers * 4  # bodies in flight: bounded memory
    ctx = _pool_context()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    pending: deque = deque()
    try:
        for job in jobs:
            pending.append((job, pool.submit(parse_one, job)))
            while len(pending) >= window:
                pool = yield from _drain_one(pending, pool, workers, ctx)
        while pending:
            pool = yield from _drain_one(pending, pool, workers, ctx)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _pool_context():
    """fork: workers start at once with the parser already imported and never re-import the
    caller's main module. They run only pure parsing code (no logging, no database), so locks
    copied from the parent's other threads (a Prefect engine) are never taken in a child."""
    return multiprocessing.get_context("fork")


def _drain_one(pending: deque, pool, workers, ctx):
    job, fut = pending.popleft()
    try:
        yield fut.result()
        return pool
    except BrokenProcessPool:
        # A worker died (e.g. out of memory on one body): every job in flight is lost with it.
        yield job.failed("parser process died", retry=True)
        lost = list(pending)
        pending.clear()
        pool.shutdown(wait=False, cancel_futures=True)
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        for j, _ in lost:
            pending.append((j, pool.submit(parse_one, j)))
        return pool


def parse_records(archive_dir, records: Iterable, workers: Optional[int] = None,
                  known: Optional[set] = None, loader: BodyLoader = _archive_body) -> list[ParsedDoc]:
    """Parse every status-200 detail/attachment body whose (URL, sha256) is not in `known`."""
    return list(iter_parsed(archive_dir, select_records(records, known), workers, loader))


# ============================================================================ run
def host_rules(portals) -> HostRules:
    """The registry's portals as the plain data transforms' HostRules takes (an entry with
    `government: false` is a known mirror)."""
    mirrors = [p.id for p in portals or () if getattr(p, "government", True) is False]
    return HostRules({p.id: list(p.allowed_hosts or ()) for p in portals or ()}, mirrors)


def _load_portals():
    try:
        from crawler.registry import load_portals
        return load_portals()
    except Exception:  # no registry: only government-domain rules apply
        return []


def _scan(spool: Spool, records: Iterable, known_rids: set, known: set) -> tuple[list, int]:
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


def _parse_into(spool: Spool, parsed: Iterable[ParsedDoc], known: set, total: int, progress) -> None:
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


def dedupe(docs: list[ReportDoc]) -> tuple[pa.Table, pa.Table]:
    """Group the report documents and choose each report's fields: (assignments, reports)."""
    groups = group_reports([d.item for d in docs])
    assign = [row for g in groups for row in assignment_rows(docs, g)]
    return (pa.Table.from_pylist(assign, schema=B.ASSIGNMENTS),
            pa.Table.from_pylist([report_row(docs, g) for g in groups], schema=B.REPORTS))


def _run(wh: Warehouse, run_id: str, records: Iterable, parsed_for: Callable[[list], Iterable[ParsedDoc]],
         years, portals, reparse: bool, progress) -> dict:
    """The whole data path on an open warehouse: pages, parse, dedupe, one load. Publishing is
    left to whoever opened the warehouse: once per run, after the run row is closed."""
    timings: dict = {}
    years = Years.of(years)
    hosts = host_rules(_load_portals() if portals is None else portals)
    known = set() if reparse else wh.known_parses(years)
    if reparse:  # everything is parsed again; earlier report ids carry over by (URL, body)
        skip, old_ids = set(), wh.report_ids_by_body()
    else:
        skip, old_ids = wh.doc_ids(), {}
    remove_stale_spools(wh.db_path)
    with tempfile.TemporaryDirectory(prefix=spool_prefix(wh.db_path), dir=wh.db_path.parent) as tmp:
        spool = Spool(Path(tmp), hosts, years, report_ids=old_ids, skip_doc_ids=skip)
        try:
            todo, n_records = _scan(spool, records, wh.known_record_ids(), known)
            _timed(timings, "parse_seconds", _parse_into, spool, parsed_for(todo), known,
                   len(todo), progress)
            existing = [] if reparse else existing_report_docs(wh, spool.reports)
            docs = existing + spool.reports
            assign, reports = _timed(timings, "dedupe_seconds", dedupe, docs)
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
    counts.update(records=n_records, to_parse=len(todo), parsed=spool.parsed,
                  parse_errors=spool.errors, filtered_by_year=spool.filtered,
                  report_documents=len(docs), timings=timings)
    if progress:
        label = "documents reloaded" if reparse else "new documents"  # a re-parse brings none new
        progress(f"loaded: {counts['documents_new']} {label}, {counts['reports_total']} reports "
                 f"({counts['reports_new']} new), {spool.errors} parse errors")
    return counts


def _with_warehouse(db, fn, wait_seconds: float):
    """Run fn(warehouse) on an open Warehouse (its opener publishes), or open one (exclusive)
    for the call and publish once when fn is done."""
    if isinstance(db, Warehouse):
        return fn(db)
    with Warehouse(db, wait_seconds=wait_seconds) as wh:
        out = fn(wh)
        wh.publish()
        return out


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
    dedupe and load in one transaction. Without run_id a run of flow 'process' is started and
    finished here. Published once when `db_path` is a path; an open Warehouse's opener
    publishes. Returns counts and timings (parse, dedupe, load) in seconds."""
    loader = loader or _archive_body

    def go(wh: Warehouse) -> dict:
        own_run = run_id is None
        rid = run_id or wh.start_run("reprocess" if reparse else "process",
                                     {"archive": str(archive_dir), "years": sorted(Years.of(years) or ()),
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
        counts["run_id"] = rid
        return counts

    return _with_warehouse(db_path, go, wait_seconds)


def process(archive, warehouse: Warehouse, run_id: str, years: Optional[Years],
            workers: Optional[int], reparse: bool, registry=None,
            progress: Optional[Callable[[str], None]] = None) -> dict:
    """A flow's process step: parse what is new in the archive, dedupe and load into the open
    warehouse with the registry's hosts, and refresh its portals table (its opener publishes)."""
    from crawler.registry import load_portals
    portals = load_portals(registry)
    counts = process_archive(str(archive), warehouse, run_id, years=years, workers=workers,
                             reparse=reparse, progress=progress, portals=portals)
    warehouse.refresh_reference(registry_rows(portals))
    return counts


def registry_rows(portals) -> list[dict]:
    """The registry as the warehouse's `portals` table holds it (the report site reads it)."""
    return [{"portal_id": p.id, "name": p.name, "region": p.region, "region_code": p.region_code,
             "level": p.level, "expected_years": p.expected_years} for p in portals]
