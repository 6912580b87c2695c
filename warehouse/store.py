"""The warehouse writer: one exclusive writer at a time, one transaction per load, a published
read snapshot for everybody else.

- Exclusive: a file lock beside the database (`<db>.lock`). A second writer waits up to
  `wait_seconds`, then gets WarehouseBusy. The kernel drops the lock (filelock: flock) when a
  writer dies.
- Crash-safe: `load` runs in one DuckDB transaction; a writer killed mid-load leaves the data
  as it was (DuckDB discards the uncommitted transaction when the file is next opened).
- Readers never wait: `publish` checkpoints and copies the database to `<db>.snapshot`
  through a temporary file and an atomic rename; warehouse.query reads that copy read-only.
- Flat memory: the writer connection has a memory cap (MEMORY_LIMIT, $GOVREPORTS_WAREHOUSE_MEMORY)
  and spills to `<db>.tmp/`; large incoming tables come as Parquet files that DuckDB streams.
  A load that still does not fit under the cap is retried once without it.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import duckdb
import pyarrow as pa
from filelock import FileLock, Timeout

from .batch import WITHHELD, LoadBatch  # noqa: F401  (LoadBatch re-exported: the load contract)
from .migrate import migrate

# Publishes per warehouse file in this process: each copies and fsyncs the whole file, so a run
# publishes once (the tests count them here).
PUBLISHED: Counter = Counter()


class WarehouseBusy(RuntimeError):
    """Another writer holds the warehouse."""


def snapshot_path(db_path) -> Path:
    return Path(str(db_path) + ".snapshot")


def lock_path(db_path) -> Path:
    return Path(str(db_path) + ".lock")


MEMORY_LIMIT = os.environ.get("GOVREPORTS_WAREHOUSE_MEMORY", "128MB")
THREADS = max(1, min(4, os.cpu_count() or 1))


def temp_dir(db_path) -> Path:
    """Where the writer spills what does not fit under its memory cap."""
    return Path(str(db_path) + ".tmp")


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _out_of_memory(exc: Exception) -> bool:
    """DuckDB reports a full buffer pool as OutOfMemoryException, or at COMMIT as a
    TransactionException saying it could not allocate."""
    return (isinstance(exc, duckdb.OutOfMemoryException)
            or "could not allocate" in str(exc).lower() or "out of memory" in str(exc).lower())


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _sign_lock(fd: int) -> None:
    """The holder's name in the lock file, for the message a waiting writer gives."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()} since {_now().isoformat(timespec='seconds')}Z".encode(), 0)


def _lock_holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()[:200]
    except OSError:
        return ""


class Warehouse:
    def __init__(self, db_path, wait_seconds: float = 60.0, poll_seconds: float = 0.2,
                 memory_limit: Optional[str] = None):
        self.db_path = Path(db_path)
        self.memory_limit = memory_limit or MEMORY_LIMIT
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self._lock: Optional[FileLock] = None
        self.con: Optional[duckdb.DuckDBPyConnection] = None

    # ------------------------------------------------------------------ open / close
    def __enter__(self) -> "Warehouse":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._acquire_lock()
        try:
            self.con = duckdb.connect(str(self.db_path))
            migrate(self.con)
            # We hold the lock, so a run still marked running belongs to a writer that died.
            self.con.execute("UPDATE runs SET status = 'aborted' WHERE status = 'running'")
            # Spill beside the database (same disk, and we hold its lock: nobody else uses it).
            # Set once: DuckDB refuses to set it again once something has spilled there.
            self.con.execute(f"SET temp_directory = {_sql_literal(str(temp_dir(self.db_path)))}")
            self.con.execute(f"SET threads = {THREADS}")
            self._cap_memory()
            if not snapshot_path(self.db_path).is_file():
                # A first harvest holds the file for its whole run: readers get the (empty)
                # tables at once instead of a lock error.
                self.publish()
        except Exception:
            self.close()
            raise

    def _cap_memory(self, limit: Optional[str] = None) -> None:
        """DuckDB's default (80% of RAM) lets its buffer pool grow with the run: cap it."""
        if (limit or self.memory_limit).lower() in ("", "none", "default"):
            self.con.execute("RESET memory_limit")
        else:
            self.con.execute(f"SET memory_limit = {_sql_literal(limit or self.memory_limit)}")

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None
            shutil.rmtree(temp_dir(self.db_path), ignore_errors=True)
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _acquire_lock(self) -> None:
        path = lock_path(self.db_path)
        lock = FileLock(str(path), thread_local=False, on_acquired=_sign_lock)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            # flock is per open file: our own process holding it would wait for itself.
            if _lock_holder(path).startswith(f"pid {os.getpid()} "):
                raise WarehouseBusy(f"warehouse {self.db_path} is already open for writing in this "
                                    "process: pass that open Warehouse instead of its path") from None
            try:
                lock.acquire(timeout=max(0.0, self.wait_seconds), poll_interval=self.poll_seconds)
            except Timeout:
                raise WarehouseBusy(
                    f"warehouse {self.db_path} is busy: another harvest or reprocess is writing "
                    f"to it ({_lock_holder(path) or 'unknown process'}); waited {self.wait_seconds:g}s, "
                    "try again when it has finished") from None
        self._lock = lock

    # ------------------------------------------------------------------ runs
    def start_run(self, flow: str, params: Optional[dict] = None,
                  flow_run_id: Optional[str] = None) -> str:
        """A new row in `runs`; flow_run_id links it to the Prefect flow run that made it."""
        run_id = f"{_now().strftime('%Y%m%dT%H%M%S')}-{flow}-{uuid.uuid4().hex[:8]}"
        self.con.execute("INSERT INTO runs (run_id, flow, params, started_at, status, flow_run_id) "
                         "VALUES (?, ?, ?, ?, 'running', ?)",
                         [run_id, flow, json.dumps(params or {}, ensure_ascii=False, default=str), _now(),
                          flow_run_id])
        return run_id

    def finish_run(self, run_id: str, status: str, pages_fetched: Optional[int] = None,
                   reports_new: Optional[int] = None, errors: Optional[int] = None,
                   timings: Optional[dict] = None) -> None:
        self.con.execute(
            "UPDATE runs SET status = ?, finished_at = ?, pages_fetched = coalesce(?, pages_fetched), "
            "reports_new = coalesce(?, reports_new), errors = coalesce(?, errors), "
            "timings = coalesce(?, timings) WHERE run_id = ?",
            [status, _now(), pages_fetched, reports_new, errors,
             json.dumps(timings) if timings is not None else None, run_id])

    def record_counts(self, run_id: str, reports_new: int, errors: int, timings: dict) -> None:
        """Running totals of a run still in progress (several loads may belong to one run)."""
        self.con.execute(
            "UPDATE runs SET reports_new = coalesce(reports_new, 0) + ?, "
            "errors = coalesce(errors, 0) + ?, timings = ? WHERE run_id = ?",
            [reports_new, errors, json.dumps(timings), run_id])

    def record_portals(self, run_id: str, outcomes: dict) -> list[dict]:
        """Each portal's outcome in a run ({portal_id: {status, pages_fetched, errors, error}})
        into `run_portals`, with the reports this run loaded first for the portal; returns the
        rows as written."""
        for portal_id, o in outcomes.items():
            self.con.execute(
                "INSERT OR REPLACE INTO run_portals (run_id, portal_id, status, pages_fetched, "
                "reports_new, errors, error) SELECT ?, ?, ?, ?, count(*), ?, ? FROM reports "
                "WHERE first_run_id = ? AND portal_id = ?",
                [run_id, portal_id, o["status"], int(o.get("pages_fetched") or 0),
                 int(o.get("errors") or 0), o.get("error"), run_id, portal_id])
        cur = self.con.execute("SELECT portal_id, status, pages_fetched, reports_new, errors, error "
                               "FROM run_portals WHERE run_id = ? ORDER BY portal_id", [run_id])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    # ------------------------------------------------------------------ what is there already
    def known_record_ids(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT record_id FROM pages").fetchall()}

    def doc_ids(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT doc_id FROM documents").fetchall()}

    def known_parses(self, years: Optional[set[int]] = None) -> set[tuple[str, str]]:
        """(url, sha256) pairs that need no parsing: parsed, failed, or filtered out by year
        and still outside the years asked for."""
        rows = self.con.execute("SELECT url, sha256, status, year FROM parses").fetchall()
        keep = set()
        for url, sha, status, year in rows:
            if status == "filtered" and (years is None or year in years):
                continue
            keep.add((url, sha))
        return keep

    def report_documents(self, near: Optional[dict] = None) -> pa.Table:
        """The report documents already loaded, with what dedupe needs (no texts).

        With `near` ({"docs": text_sha256/url/referer, "bands": band/key (bytes)} of this run's
        report documents, as Arrow tables, and band_width (bytes)/band_count) only the reports that could change are read: those with a
        document sharing a text hash, an LSH band, a URL, a linking page or a sibling link with
        a new one, each with all its documents. A nightly run then holds in memory what it
        brings, not the whole warehouse."""
        cols = ("SELECT doc_id, url, host, portal_id, text_sha256, minhash, numbers, year, publisher, "
                "region, region_code, format, title, published_date, "
                "strftime(fetched_at, '%Y-%m-%dT%H:%M:%S.%f') AS fetched_at, "
                "own_host, government_host, report_id, referer, length(text) AS text_length, "
                "doc_id IN (SELECT doc_id FROM document_metrics) AS has_metrics, "
                "coalesce(spam_removed, '[]') NOT IN ('', '[]') AS spam_wrapped FROM documents "
                "WHERE is_annual_report AND report_id IS NOT NULL")
        if near is None:
            return self.con.sql(cols + " ORDER BY doc_id").to_arrow_table()
        if not (near["docs"].num_rows or near["bands"].num_rows):
            # Nothing new can join a report: read no documents (a scan would pull their
            # texts into the buffer pool, and a nightly's memory would grow with the warehouse).
            return self.con.sql(cols + " AND false").to_arrow_table()
        con, width, bands = self.con, int(near["band_width"]), int(near["band_count"])
        con.register("near_docs", near["docs"])
        con.register("near_bands", near["bands"])
        try:  # first the reports, from small columns only; then their documents
            ids = con.sql("SELECT DISTINCT d.report_id FROM documents d WHERE "
                          "d.is_annual_report AND d.report_id IS NOT NULL AND ("
                          " d.text_sha256 IN (SELECT text_sha256 FROM near_docs)"
                          " OR d.url IN (SELECT url FROM near_docs)"
                          " OR d.url IN (SELECT referer FROM near_docs)"
                          " OR d.referer IN (SELECT url FROM near_docs)"
                          " OR d.referer IN (SELECT referer FROM near_docs))"
                          " UNION SELECT DISTINCT d.report_id FROM ("
                          "  SELECT report_id, r.i AS band,"  # a blob slice: 7x faster than hex
                          f"  minhash[r.i * {width} + 1:(r.i + 1) * {width}] AS key"
                          f"  FROM documents, range({bands}) r(i) WHERE is_annual_report"
                          f"  AND report_id IS NOT NULL AND octet_length(minhash) = {width * bands}) d"
                          " JOIN near_bands b ON d.band = b.band AND d.key = b.key").to_arrow_table()
        finally:
            con.unregister("near_docs")
            con.unregister("near_bands")
        if not ids.num_rows:  # no candidate: the texts are not read either
            return con.sql(cols + " AND false").to_arrow_table()
        con.register("near_reports", ids)
        try:
            return con.sql(cols + " AND report_id IN (SELECT report_id FROM near_reports)"
                           " ORDER BY doc_id").to_arrow_table()
        finally:
            con.unregister("near_reports")

    def report_ids_by_body(self) -> dict[tuple[str, str], str]:
        """(url, body sha256) -> report_id, to keep ids across a full re-parse."""
        rows = self.con.execute(
            "SELECT p.url, p.sha256, d.report_id FROM parses p JOIN documents d USING (doc_id) "
            "WHERE d.report_id IS NOT NULL").fetchall()
        return {(u, s): r for u, s, r in rows}

    # ------------------------------------------------------------------ load
    def load(self, run_id: str, batch: LoadBatch) -> dict:
        """Apply one run's batch in a single transaction; set-based, idempotent. Each table is
        Arrow (a table or dataset) or the path of a Parquet file, which DuckDB streams."""
        return self._uncapped_if_needed(self._load, run_id, batch)

    def _uncapped_if_needed(self, fn, *args):
        """fn(*args); if it ran out of memory under the cap (it applied nothing: a load rolls
        back, a checkpoint is retried), once more without the cap, then the cap again. A
        warehouse grown past the cap (its indexes) must still load and publish."""
        try:
            return fn(*args)
        except duckdb.Error as exc:
            if not _out_of_memory(exc):
                raise
        self._cap_memory("none")
        try:
            return fn(*args)
        finally:
            self._cap_memory()

    def _load(self, run_id: str, batch: LoadBatch) -> dict:
        con = self.con
        names = {"new_pages": batch.pages, "new_documents": batch.documents,
                 "new_document_metrics": batch.document_metrics, "new_checks": batch.checks,
                 "new_parses": batch.parses, "new_assignments": batch.assignments,
                 "new_reports": batch.reports,
                 "new_withheld": WITHHELD.empty_table() if batch.withheld is None else batch.withheld}
        views = []
        try:
            for name, table in names.items():
                if isinstance(table, (str, os.PathLike)):
                    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM "
                                f"read_parquet({_sql_literal(str(table))})")
                    views.append(name)
                else:
                    con.register(name, table)
            con.execute("BEGIN TRANSACTION")
            try:
                counts = self._apply(run_id, batch.replace_parsed)
                con.execute("COMMIT")
            except BaseException:
                try:
                    con.execute("ROLLBACK")
                except duckdb.TransactionException:
                    pass  # a failed COMMIT has already ended the transaction
                raise
        finally:
            for name in names:
                if name in views:
                    con.execute(f"DROP VIEW IF EXISTS {name}")
                else:
                    con.unregister(name)
        return counts

    def _apply(self, run_id: str, replace_parsed: bool) -> dict:
        con = self.con
        q = lambda sql, *p: con.execute(sql, list(p))  # noqa: E731
        # The reports this run regroups: those its assigned documents belonged to (before they
        # are reassigned) and those it brings; after a full re-parse, every report. Nothing
        # else is touched, so a run's cost follows what it brings.
        q("CREATE OR REPLACE TEMP TABLE touched AS SELECT report_id FROM new_reports UNION "
          + ("SELECT report_id FROM reports" if replace_parsed else
             "SELECT DISTINCT report_id FROM documents WHERE report_id IS NOT NULL "
             "AND doc_id IN (SELECT doc_id FROM new_assignments)"))
        before = q("SELECT count(*) FROM pages").fetchone()[0]
        q("INSERT INTO pages BY NAME SELECT n.*, ? AS run_id FROM new_pages n "
          "WHERE n.record_id NOT IN (SELECT record_id FROM pages)", run_id)
        pages_new = q("SELECT count(*) FROM pages").fetchone()[0] - before
        if replace_parsed:
            for table in ("metrics", "checks", "withheld", "document_metrics", "documents", "parses"):
                q(f"DELETE FROM {table}")
            q("UPDATE pages SET doc_id = NULL WHERE doc_id IS NOT NULL")
        before = q("SELECT count(*) FROM documents").fetchone()[0]
        # Metrics and checks come with their document: only for documents not yet loaded.
        q("CREATE OR REPLACE TEMP TABLE fresh_docs AS SELECT DISTINCT doc_id FROM new_documents "
          "WHERE doc_id NOT IN (SELECT doc_id FROM documents)")
        dup = q("SELECT count(*) > count(DISTINCT doc_id) FROM new_documents").fetchone()[0]
        if dup:  # one row per doc_id: the earliest fetch (a window over whole rows, texts too)
            q("INSERT INTO documents BY NAME SELECT n.* EXCLUDE (rn), ? AS run_id FROM ("
              " SELECT *, row_number() OVER (PARTITION BY doc_id ORDER BY fetched_at, sha256) AS rn"
              " FROM new_documents WHERE doc_id IN (SELECT doc_id FROM fresh_docs)) n WHERE rn = 1",
              run_id)
        else:  # the usual case (the pipeline spools each document once): a plain streaming insert
            q("INSERT INTO documents BY NAME SELECT n.*, ? AS run_id FROM new_documents n "
              "WHERE n.doc_id IN (SELECT doc_id FROM fresh_docs)", run_id)
        docs_new = q("SELECT count(*) FROM documents").fetchone()[0] - before
        # A batch repeating a document may repeat its rows: only then pay for a DISTINCT (a
        # hash table over every row, evidence included); the usual insert streams.
        distinct = "DISTINCT" if dup else ""
        q(f"INSERT INTO document_metrics BY NAME SELECT {distinct} * FROM new_document_metrics "
          "WHERE doc_id IN (SELECT doc_id FROM fresh_docs)")
        q(f"INSERT INTO checks BY NAME SELECT {distinct} * FROM new_checks "
          "WHERE doc_id IN (SELECT doc_id FROM fresh_docs)")
        q(f"INSERT INTO withheld BY NAME SELECT {distinct} * FROM new_withheld "
          "WHERE doc_id IN (SELECT doc_id FROM fresh_docs)")
        q("INSERT OR REPLACE INTO parses BY NAME SELECT DISTINCT ON (url, sha256) n.*, ? AS run_id "
          "FROM new_parses n", run_id)
        # Report membership of every report document, then reports and canonical metrics.
        q("UPDATE documents SET report_id = a.report_id, is_canonical = a.is_canonical "
          "FROM new_assignments a WHERE documents.doc_id = a.doc_id "
          "AND (documents.report_id IS DISTINCT FROM a.report_id "
          "OR documents.is_canonical IS DISTINCT FROM a.is_canonical)")
        # Like metrics, a report's checks are those of its canonical copy.
        q("UPDATE checks SET report_id = CASE WHEN d.is_canonical THEN d.report_id END "
          "FROM documents d WHERE checks.doc_id = d.doc_id "
          "AND d.doc_id IN (SELECT doc_id FROM new_assignments) "
          "AND checks.report_id IS DISTINCT FROM (CASE WHEN d.is_canonical THEN d.report_id END)")
        q("UPDATE withheld SET report_id = CASE WHEN d.is_canonical THEN d.report_id END "
          "FROM documents d WHERE withheld.doc_id = d.doc_id "
          "AND d.doc_id IN (SELECT doc_id FROM new_assignments) "
          "AND withheld.report_id IS DISTINCT FROM (CASE WHEN d.is_canonical THEN d.report_id END)")
        reports_before = q("SELECT count(*) FROM reports WHERE report_id NOT IN "
                           "(SELECT report_id FROM touched)").fetchone()[0]
        touched_before = {r[0] for r in q("SELECT report_id FROM reports WHERE report_id IN "
                                          "(SELECT report_id FROM touched)").fetchall()}
        q("CREATE OR REPLACE TEMP TABLE old_reports AS SELECT report_id, first_run_id FROM reports "
          "WHERE report_id IN (SELECT report_id FROM touched)")
        q("DELETE FROM reports WHERE report_id IN (SELECT report_id FROM touched)")
        q("INSERT INTO reports BY NAME SELECT n.*, coalesce(o.first_run_id, ?) AS first_run_id "
          "FROM new_reports n LEFT JOIN old_reports o USING (report_id)", run_id)
        self._sync_metrics()
        q("UPDATE pages SET doc_id = p.doc_id FROM parses p "
          "WHERE pages.doc_id IS NULL AND p.doc_id IS NOT NULL "
          "AND p.url = coalesce(pages.final_url, pages.url) AND p.sha256 = pages.sha256")
        touched_after = {r[0] for r in q("SELECT report_id FROM reports WHERE report_id IN "
                                         "(SELECT report_id FROM touched)").fetchall()}
        q("DROP TABLE touched")
        return {"pages_new": pages_new, "documents_new": docs_new,
                "reports_total": reports_before + len(touched_after),
                "reports_new": len(touched_after - touched_before),
                "metrics_total": q("SELECT count(*) FROM metrics").fetchone()[0],
                # the run's own figures: those taken from documents this run loaded
                "metrics_new": q("SELECT count(*) FROM metrics WHERE doc_id IN "
                                 "(SELECT doc_id FROM documents WHERE run_id = ?)", run_id).fetchone()[0]}

    def _sync_metrics(self) -> None:
        """metrics = the metrics of each report's canonical copy, for the reports this run
        regrouped (temp table `touched`); a pair already loaded is left as it is."""
        q = self.con.execute
        q("CREATE OR REPLACE TEMP TABLE canon AS SELECT report_id, doc_id FROM documents "
          "WHERE is_canonical AND report_id IN (SELECT report_id FROM touched) "
          "AND report_id IN (SELECT report_id FROM reports)")
        q("DELETE FROM metrics WHERE report_id IN (SELECT report_id FROM touched) "
          "AND NOT EXISTS (SELECT 1 FROM canon c "
          "WHERE c.report_id = metrics.report_id AND c.doc_id = metrics.doc_id)")
        q("CREATE OR REPLACE TEMP TABLE canon_missing AS SELECT report_id, doc_id FROM canon "
          "EXCEPT SELECT DISTINCT report_id, doc_id FROM metrics "
          "WHERE report_id IN (SELECT report_id FROM touched)")
        q("INSERT INTO metrics BY NAME SELECT c.report_id, m.* FROM canon_missing c "
          "JOIN document_metrics m USING (doc_id)")
        q("DROP TABLE canon")
        q("DROP TABLE canon_missing")

    # ------------------------------------------------------------------ reference data
    def refresh_reference(self, portals: list[dict]) -> None:
        """Replace the `portals` table (the registry's rows: portal_id, name, region, region_code,
        level, expected_years) and the metric dictionary `metric_keys`, in one transaction."""
        from .dictionary import COLUMNS, metric_keys
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM portals")
            con.executemany("INSERT INTO portals VALUES (?, ?, ?, ?, ?, ?)",
                            [[p["portal_id"], p["name"], p.get("region"), p.get("region_code"),
                              p.get("level"), p.get("expected_years")] for p in portals])
            con.execute("DELETE FROM metric_keys")
            con.executemany(f"INSERT INTO metric_keys ({', '.join(COLUMNS)}) VALUES "
                            f"({', '.join('?' * len(COLUMNS))})",
                            [[e[c] for c in COLUMNS] for e in metric_keys()])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------------ publish
    def publish(self) -> Path:
        """Publish a consistent read-only copy for readers: checkpoint, copy, atomic rename."""
        self._uncapped_if_needed(self.con.execute, "CHECKPOINT")
        snap = snapshot_path(self.db_path)
        tmp = snap.with_name(f".{snap.name}.{os.getpid()}.tmp")
        try:
            shutil.copyfile(self.db_path, tmp)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(tmp, snap)
        finally:
            if tmp.exists():
                tmp.unlink()
        PUBLISHED[str(self.db_path.resolve())] += 1
        return snap
