"""The warehouse on a real DuckDB file: schema, migrations, idempotent loads, metrics_wide."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml

from warehouse.batch import batch_from_rows
from warehouse.migrate import latest_version
from warehouse.query import CUT_NOTE, run_query
from warehouse.store import Warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "warehouse"
DATA_TABLES = ("pages", "documents", "reports", "metrics", "document_metrics", "checks", "parses", "withheld")

# The contract of shared/spec/interfaces.md.
REQUIRED = {
    "pages": ["url", "final_url", "host", "status", "content_type", "sha256", "fetched_at", "error"],
    "documents": ["doc_id", "url", "sha256", "is_annual_report", "title", "year", "publisher", "region",
                  "format", "traditional_source", "text", "report_id", "is_canonical"],
    "reports": ["report_id", "publisher", "region", "region_code", "year", "format", "title",
                "canonical_url", "copies"],
    "metrics": ["report_id", "key", "dimension", "value", "unit", "approx", "source", "evidence", "doc_id"],
    "runs": ["run_id", "flow", "started_at", "finished_at", "status", "pages_fetched", "reports_new", "errors"],
    "withheld": ["doc_id", "report_id", "key", "dimension", "reason", "loaded_value", "candidate_values",
                 "candidates"],
}


def fixture_batch(**changes):
    rows = json.loads((FIXTURES / "batch.json").read_text(encoding="utf-8"))
    rows.update(changes)
    return batch_from_rows(**rows)


def dump(db: Path) -> dict:
    """Every data table's rows, sorted: what 'nothing changed' compares."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(map(repr, con.execute(f"SELECT * EXCLUDE (run_id) FROM {t}").fetchall()))
                if t in ("pages", "documents", "parses") else
                sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))
                for t in DATA_TABLES}
    finally:
        con.close()


@pytest.fixture
def db(tmp_path):
    return tmp_path / "w.duckdb"


@pytest.fixture
def loaded(db):
    with Warehouse(db) as wh:
        run = wh.start_run("harvest", {})
        wh.load(run, fixture_batch())
        wh.finish_run(run, "ok")
        wh.publish()
    return db


def columns(db: Path, table: str) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize("table", sorted(REQUIRED))
def test_required_columns_exist(db, table):
    Warehouse(db).__enter__().close()
    assert set(REQUIRED[table]) <= set(columns(db, table))


def test_schema_version_is_the_latest_migration(db):
    with Warehouse(db) as wh:
        version = wh.con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    assert version == latest_version()


def test_reopening_applies_no_migration_twice(db):
    for _ in range(2):
        with Warehouse(db):
            pass
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == latest_version()


def test_load_twice_changes_nothing(loaded):
    before = dump(loaded)
    with Warehouse(loaded) as wh:
        wh.load(wh.start_run("harvest", {}), fixture_batch())
    assert dump(loaded) == before


def test_pages_keep_failures(loaded):
    out = run_query(loaded, "SELECT error FROM pages WHERE status IS NULL", fmt="csv")
    assert out.splitlines()[1:] == ["connection refused"]


def test_one_report_row_per_report(loaded):
    assert run_query(loaded, "SELECT report_id, copies FROM reports ORDER BY 1", fmt="csv").splitlines()[1:] \
        == ["R1,2", "R2,1"]


def test_metrics_come_from_the_canonical_copy_only(loaded):
    out = run_query(loaded, "SELECT DISTINCT doc_id FROM metrics WHERE report_id = 'R1'", fmt="csv")
    assert out.splitlines()[1:] == ["d1"]


def test_pages_link_to_their_document(loaded):
    out = run_query(loaded, "SELECT record_id, doc_id FROM pages WHERE doc_id IS NOT NULL ORDER BY 1", fmt="csv")
    assert out.splitlines()[1:] == ["rec-1,d1", "rec-2,d2", "rec-3,d3", "rec-4,d4"]


def test_checks_link_to_document_and_report(loaded):
    out = run_query(loaded, "SELECT doc_id, report_id, ok FROM checks WHERE NOT ok", fmt="csv")
    assert out.splitlines()[1:] == ["d3,R2,false"]


def test_metrics_wide_has_one_row_per_report(loaded):
    assert json.loads(run_query(loaded, "SELECT count(*) AS n FROM metrics_wide", fmt="json")) == [{"n": 2}]


def test_metrics_wide_takes_total_dimension(loaded):
    out = json.loads(run_query(loaded, "SELECT applications_new FROM metrics_wide WHERE report_id = 'R2'",
                               fmt="json"))
    assert out == [{"applications_new": 57}]


def test_metrics_wide_has_a_column_per_metric_key(loaded, shared_dir):
    spec = yaml.safe_load((shared_dir / "spec" / "metrics.yaml").read_text(encoding="utf-8"))
    keys = [m["key"] for m in spec["metrics"]]
    assert columns(loaded, "metrics_wide") == ["report_id", "publisher", "year", "region", "format"] + keys


def test_regrouping_moves_metrics_to_the_new_canonical(loaded):
    # A later run finds d1 and d2 are different reports after all: d2 gets its own report.
    rows = json.loads((FIXTURES / "batch.json").read_text(encoding="utf-8"))
    assignments = [a for a in rows["assignments"] if a["doc_id"] != "d2"] + [
        {"doc_id": "d2", "report_id": "R3", "is_canonical": True}]
    r3 = dict(rows["reports"][0], report_id="R3", canonical_doc_id="d2", copies=1,
              canonical_url="http://mirror.example.com/x.html", government_host=False)
    reports = [dict(rows["reports"][0], copies=1), rows["reports"][1], r3]
    with Warehouse(loaded) as wh:
        wh.load(wh.start_run("reprocess", {}), fixture_batch(assignments=assignments, reports=reports))
        wh.publish()
    out = run_query(loaded, "SELECT report_id, doc_id FROM metrics WHERE key = 'applications_received' "
                            "ORDER BY 1", fmt="csv")
    assert out.splitlines()[1:] == ["R1,d1", "R3,d2"]


def test_new_canonical_copy_replaces_the_reports_metrics(loaded):
    # A later run makes d2 the canonical copy of R1: R1's metrics are d2's, none of d1's.
    rows = json.loads((FIXTURES / "batch.json").read_text(encoding="utf-8"))
    assignments = [dict(a, is_canonical=(a["doc_id"] == "d2")) if a["report_id"] == "R1" else a
                   for a in rows["assignments"]]
    reports = [dict(rows["reports"][0], canonical_doc_id="d2"), rows["reports"][1]]
    with Warehouse(loaded) as wh:
        wh.load(wh.start_run("harvest", {}), fixture_batch(assignments=assignments, reports=reports))
        wh.publish()
    out = run_query(loaded, "SELECT (SELECT list(DISTINCT doc_id) FROM metrics WHERE report_id = 'R1') "
                            "= ['d2'] AND (SELECT count(*) FROM metrics WHERE report_id = 'R1') = "
                            "(SELECT count(*) FROM document_metrics WHERE doc_id = 'd2') AS ok", fmt="json")
    assert json.loads(out) == [{"ok": True}]


def test_first_run_of_a_report_is_kept(loaded):
    first = run_query(loaded, "SELECT first_run_id FROM reports WHERE report_id = 'R1'", fmt="csv")
    with Warehouse(loaded) as wh:
        wh.load(wh.start_run("harvest", {}), fixture_batch())
        wh.publish()
    assert run_query(loaded, "SELECT first_run_id FROM reports WHERE report_id = 'R1'", fmt="csv") == first


def test_run_is_recorded(loaded):
    out = json.loads(run_query(loaded, "SELECT flow, status, finished_at IS NOT NULL AS done FROM runs",
                               fmt="json"))
    assert out == [{"flow": "harvest", "status": "ok", "done": True}]


def test_forward_migration_keeps_data_and_fills_new_column(db):
    from warehouse.migrate import migrate
    con = duckdb.connect(str(db))
    migrate(con, up_to=2)
    con.execute("INSERT INTO documents (doc_id, url, text_sha256, is_annual_report) VALUES ('d1', 'u', 't', true)")
    con.execute("INSERT INTO pages (record_id, url, referer, doc_id) VALUES ('p1', 'u', 'http://list', 'd1')")
    con.close()
    with Warehouse(db) as wh:
        got = wh.con.execute("SELECT doc_id, referer FROM documents").fetchall()
    assert got == [("d1", "http://list")]


def test_checks_of_a_copy_are_not_the_reports(loaded):
    # d2 is a non-canonical copy of R1: its checks stay linked to the document only.
    rows = json.loads((FIXTURES / "batch.json").read_text(encoding="utf-8"))
    checks = rows["checks"] + [{"doc_id": "d2", "check": "applications_identity", "ok": False, "detail": "x"}]
    db = loaded.parent / "w2.duckdb"
    with Warehouse(db) as wh:
        wh.load(wh.start_run("harvest", {}), fixture_batch(checks=checks))
        wh.publish()
    out = run_query(db, "SELECT doc_id, report_id FROM checks WHERE doc_id = 'd2'", fmt="csv")
    assert out.splitlines()[1:] == ["d2,"]


def test_withheld_values_link_to_document_and_canonical_report(loaded):
    out = run_query(loaded, "SELECT doc_id, report_id, key FROM withheld ORDER BY doc_id", fmt="csv")
    assert out.splitlines()[1:] == ["d1,R1,proactive_total", "d2,,applications_received",
                                    "d3,R2,reconsideration_total"]


def test_withheld_values_keep_candidates_and_the_loaded_value(loaded):
    got = json.loads(run_query(loaded, "SELECT loaded_value, candidate_values, candidates FROM withheld "
                                       "WHERE doc_id = 'd1'", fmt="json"))
    assert (got[0]["loaded_value"], got[0]["candidate_values"], json.loads(got[0]["candidates"])[0]["value"]) \
        == (425, [62], 62)


def test_a_batch_without_withheld_values_loads(db):
    batch = fixture_batch()
    batch.withheld = None  # a producer that knows nothing of withheld values
    with Warehouse(db) as wh:
        wh.load(wh.start_run("harvest", {}), batch)
        assert wh.con.execute("SELECT count(*) FROM withheld").fetchone()[0] == 0


def test_migration_5_keeps_runs_and_types_their_json(db):
    from warehouse.migrate import migrate
    con = duckdb.connect(str(db))
    migrate(con, up_to=3)
    con.execute("INSERT INTO runs (run_id, flow, params, started_at, status, timings) VALUES "
                "('r1', 'harvest', '{\"years\": null}', now(), 'ok', '{\"crawl\": 1.5}')")
    con.close()
    with Warehouse(db) as wh:
        wh.publish()
    assert json.loads(run_query(db, "SELECT params, timings FROM runs", fmt="json")) == [
        {"params": {"years": None}, "timings": {"crawl": 1.5}}]


def test_json_output_prints_params_and_timings_as_json(loaded):
    [run] = json.loads(run_query(loaded, "SELECT params, timings FROM runs", fmt="json"))
    assert (type(run["params"]), run["timings"]) == (dict, None)


def test_load_counts_the_runs_own_metrics(db):
    with Warehouse(db) as wh:
        first = wh.load(wh.start_run("harvest", {}), fixture_batch())
        again = wh.load(wh.start_run("harvest", {}), fixture_batch())
    assert (first["metrics_new"], again["metrics_new"]) == (first["metrics_total"], 0)


def test_portal_outcomes_are_recorded_with_their_new_reports(db):
    with Warehouse(db) as wh:
        run = wh.start_run("harvest", {})
        wh.load(run, fixture_batch())
        portal = wh.con.execute("SELECT portal_id FROM reports LIMIT 1").fetchone()[0]
        rows = wh.record_portals(run, {
            portal: {"status": "ok", "pages_fetched": 3, "errors": 1, "error": "u: HTTP 404"},
            "down": {"status": "failed", "pages_fetched": 0, "errors": 1, "error": "refused"}})
        reports = wh.con.execute("SELECT count(*) FROM reports WHERE portal_id = ?", [portal]).fetchone()[0]
    assert [(r["portal_id"], r["status"], r["reports_new"]) for r in rows] == sorted(
        [(portal, "ok", reports), ("down", "failed", 0)])


def test_table_output_says_how_to_get_cut_cells_whole(loaded):
    out = run_query(loaded, "SELECT repeat('x', 200) AS long", fmt="table")
    assert out.splitlines()[-1] == CUT_NOTE


def test_table_output_without_cut_cells_has_no_note(loaded):
    assert CUT_NOTE not in run_query(loaded, "SELECT 'short' AS s", fmt="table")
