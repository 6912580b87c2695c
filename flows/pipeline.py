"""The data path after the crawl: archive -> parse -> dedupe -> warehouse. Plain functions, no
Prefect inside; the flows wrap them in tasks.

  (parsing itself, in worker processes under hard limits per document: flows/parse_pool.py)
  dedupe_and_load  group documents into reports (transforms.dedupe.groups) and load the run in one
                   warehouse transaction.
  process_archive  both, streaming: parsed documents go to a Parquet spool on disk as they come
                   (flows/spool.py), only their fingerprints stay in memory, so memory stays flat
                   as reports grow; the warehouse's reports they may join come from
                   flows/near_docs.py, each report's fields from transforms.dedupe.report_fields.

The warehouse is published once per run, by whoever opened it (here when given a path).
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, Optional

import pyarrow as pa

from flows.near_docs import existing_report_docs
from flows.parse_pool import BodyLoader, ParsedDoc, archive_body, iter_parsed, parseable, record_url
from flows.spool import Spool, host_of, page_row, remove_stale_spools, spool_prefix
from transforms.dedupe.groups import group_reports
from transforms.dedupe.report_fields import HostRules, ReportDoc, assignment_rows, report_row
from transforms.years import Years
from warehouse import batch as B
from warehouse.batch import LoadBatch
from warehouse.store import Warehouse

PROGRESS_EVERY = 25  # documents between progress messages


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


def _scan(spool: Spool, records: Iterable, known_rids, known) -> tuple[list, int]:
    """New page rows into the spool, and the records to parse (each (URL, body) once).
    Metadata only: bodies stay in the archive. `known` may be a set or a warehouse lookup
    (flows.watermark): only this run's pairs are held here."""
    todo, at, n = [], {}, 0
    for rec in records:
        n += 1
        if rec.record_id not in known_rids:
            spool.add_page(page_row(rec))
        pair = (record_url(rec), rec.sha256)
        if not parseable(rec) or pair in known:
            continue
        if pair not in at:
            at[pair] = len(todo)
            todo.append(rec)
        elif _holder_rank(spool.hosts, rec) < _holder_rank(spool.hosts, todo[at[pair]]):
            todo[at[pair]] = rec
    return todo, n


def _holder_rank(hosts: HostRules, rec) -> tuple:
    """Which of several portals' fetches of one page is parsed (its referer is the
    document's): the fetch by the portal the page belongs to (HostRules.holder), else the
    first portal id. Portals crawled at once (a cluster) archive in any order; the warehouse
    must not depend on it."""
    portal = getattr(rec, "portal_id", None) or ""
    host = host_of(record_url(rec), getattr(rec, "host", None))
    return (hosts.holder(host, portal) != portal, portal)


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


def _run(wh: Warehouse, run_id: str, records: Optional[Iterable],
         parsed_for: Callable[[list], Iterable[ParsedDoc]], years, portals, reparse: bool,
         progress, archive_dir=None) -> dict:
    """The whole data path on an open warehouse: pages, parse, dedupe, one load. Publishing is
    left to whoever opened the warehouse: once per run, after the run row is closed.
    Without `records`, the archive's index is read from the warehouse's watermark on."""
    from flows import watermark
    timings: dict = {}
    years = Years.of(years)
    hosts = host_rules(_load_portals() if portals is None else portals)
    plan = watermark.plan(wh, archive_dir, years, reparse, records)
    known, skip, old_ids = plan.known, plan.skip_doc_ids, {}
    if reparse:  # everything is parsed again; earlier report ids carry over by (URL, body)
        old_ids = wh.report_ids_by_body()
    remove_stale_spools(wh.db_path)
    with tempfile.TemporaryDirectory(prefix=spool_prefix(wh.db_path), dir=wh.db_path.parent) as tmp:
        spool = Spool(Path(tmp), hosts, years, report_ids=old_ids, skip_doc_ids=skip)
        try:
            todo, n_records = _scan(spool, plan.records, plan.known_record_ids, known)
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
            plan.retried = spool.retried
            watermark.advance(wh, plan, archive_dir)
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
                    wait_seconds: float = 60.0, parser: Optional[Callable] = None) -> dict:
    """Parse what the archive holds that the warehouse lacks (everything with reparse=True),
    dedupe and load in one transaction. Without run_id a run of flow 'process' is started and
    finished here. Published once when `db_path` is a path; an open Warehouse's opener
    publishes. Returns counts and timings (parse, dedupe, load) in seconds."""
    loader = loader or archive_body

    def go(wh: Warehouse) -> dict:
        own_run = run_id is None
        rid = run_id or wh.start_run("reprocess" if reparse else "process",
                                     {"archive": str(archive_dir), "years": sorted(Years.of(years) or ()),
                                      "reparse": reparse})
        parse = parser or (lambda todo: iter_parsed(archive_dir, todo, workers, loader))
        try:
            counts = _run(wh, rid, records, parse, years, portals, reparse, progress,
                          archive_dir=archive_dir)
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
            progress: Optional[Callable[[str], None]] = None, loader=None, parser=None) -> dict:
    """A flow's process step: parse what is new in the archive, dedupe and load into the open
    warehouse with the registry's hosts, and refresh its portals table (its opener publishes)."""
    from crawler.registry import load_portals
    portals = load_portals(registry)
    counts = process_archive(str(archive), warehouse, run_id, years=years, workers=workers,
                             reparse=reparse, progress=progress, portals=portals,
                             loader=loader, parser=parser)
    warehouse.refresh_reference(registry_rows(portals))
    return counts


def registry_rows(portals) -> list[dict]:
    """The registry as the warehouse's `portals` table holds it (the report site reads it)."""
    return [{"portal_id": p.id, "name": p.name, "region": p.region, "region_code": p.region_code,
             "level": p.level, "expected_years": p.expected_years} for p in portals]
