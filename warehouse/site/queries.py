"""Everything the report site reads from the published snapshot, in one place.

The snapshot is opened read-only with external access off (as `govreports sql` does). Tables
added by later schema versions are read only when the snapshot has them, so a site can be built
from an older warehouse: no `portals` (nothing "expected"), no `metric_keys` (the dictionary of
this code), no `withheld` (no withheld values shown).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional

import duckdb

from warehouse.query import QueryError, _connect, _source

# A withheld figure of a report's canonical copy (table `withheld`: report_id is set on those rows).
WITHHELD_SQL = """
SELECT w.report_id, w.key, w.dimension, w.reason, w.candidates
FROM withheld w JOIN reports r USING (report_id)
ORDER BY w.report_id, w.key, w.dimension NULLS FIRST
"""


@dataclass
class Snapshot:
    """What the site shows, read in a handful of set-based queries."""
    reports: list[dict]
    metrics: dict[str, list[dict]]            # report_id -> its figures
    checks: dict[str, list[dict]]             # report_id -> its checks
    withheld: dict[str, list[dict]]           # report_id -> its withheld figures
    copies: dict[str, list[dict]]             # report_id -> every copy found
    series: list[dict]                        # metric_series rows
    portals: list[dict]                       # the registry (empty when not loaded)
    metric_keys: list[dict]
    crosswalk: list[dict]
    has: dict[str, bool] = field(default_factory=dict)  # optional tables present
    last_run: Optional[dict] = None


def _rows(con, sql: str, params=()) -> list[dict]:
    cur = con.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}


def _group(rows: list[dict], key: str = "report_id") -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        out[r.pop(key)].append(r)
    return dict(out)


def withheld_rows(con, tables: set[str]) -> dict[str, list[dict]]:
    if "withheld" not in tables:  # a snapshot published before the table existed
        return {}
    rows = _rows(con, WITHHELD_SQL)
    for r in rows:
        r["candidates"] = json.loads(r["candidates"] or "[]")
    return _group(rows)


def read(db_path) -> Snapshot:
    con = _connect(_source(db_path))
    try:
        return _read(con)
    except duckdb.Error as exc:
        raise QueryError(f"cannot read the warehouse for the report: {' '.join(str(exc).split())}") from None
    finally:
        con.close()


def _read(con) -> Snapshot:
    tables = _tables(con)
    reports = _rows(con, """
        SELECT r.report_id, r.publisher, r.region, r.region_code, r.year, r.format, r.title,
               r.published_date, r.canonical_url, r.canonical_doc_id, r.copies, r.government_host,
               r.portal_id,
               (SELECT p.record_id FROM pages p WHERE p.doc_id = r.canonical_doc_id AND p.status = 200
                ORDER BY p.fetched_at DESC LIMIT 1) AS record_id,
               (SELECT d.content_type FROM documents d WHERE d.doc_id = r.canonical_doc_id) AS content_type
        FROM reports r ORDER BY r.publisher, r.year, r.report_id""")
    metrics = _group(_rows(con, """
        SELECT report_id, key, dimension, value, unit, unit_printed, approx, source, evidence
        FROM metrics ORDER BY report_id, key, dimension NULLS FIRST"""))
    checks = _group(_rows(con, """
        SELECT report_id, "check", ok, detail FROM checks WHERE report_id IS NOT NULL
        ORDER BY report_id, ok, "check" """))
    copies = _group(_rows(con, """
        SELECT report_id, url, host, government_host, is_canonical FROM report_copies
        ORDER BY report_id, is_canonical DESC, url"""))
    has = {t: t in tables for t in ("portals", "metric_keys", "metric_series", "withheld")}
    series = _rows(con, "SELECT report_id, publisher, year, format, series, label_zh, value, bridged "
                        "FROM metric_series ORDER BY publisher, series, year, report_id"
                   ) if has["metric_series"] else []  # ordered: the same snapshot gives the same charts
    portals = _rows(con, "SELECT * FROM portals ORDER BY portal_id") if has["portals"] else []
    if has["metric_keys"]:
        keys = _rows(con, "SELECT * FROM metric_keys")
    else:
        from warehouse.dictionary import metric_keys
        keys = [dict(e) for e in metric_keys()]
    crosswalk = (_rows(con, "SELECT * FROM metric_crosswalk ORDER BY series, format, key")
                 if "metric_crosswalk" in tables else [])
    runs = _rows(con, "SELECT run_id, flow, status, finished_at FROM runs WHERE status = 'ok' "
                      "ORDER BY finished_at DESC LIMIT 1")
    return Snapshot(reports=reports, metrics=metrics, checks=checks, withheld=withheld_rows(con, tables),
                    copies=copies, series=series, portals=portals, metric_keys=keys,
                    crosswalk=crosswalk, has=has, last_run=runs[0] if runs else None)
