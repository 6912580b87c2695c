"""The harvest flow end to end: a real Prefect flow run (temporary local API), real crawls of the
bundled sample portal on 127.0.0.1, the real parsers and a real DuckDB file.

The sample portal knows what it holds (portal.expected): every report, its copies, its figures.
One module-scoped harvest (run twice) feeds every test here.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import duckdb
import pytest

from flows.prefect_env import configure

configure(home=Path(tempfile.gettempdir()) / "govreports-test-prefect")

from flows import harvest as flows_mod  # noqa: E402  (Prefect reads its settings at import)
from sampleportal.server import start_sample_portal  # noqa: E402


@pytest.fixture(scope="module")
def portal():
    with start_sample_portal() as p:
        yield p


def _snapshot(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        return {
            "reports": q("SELECT report_id, copies FROM reports ORDER BY 1"),
            "documents": q("SELECT doc_id, report_id, is_canonical FROM documents ORDER BY 1"),
            "metrics": q("SELECT count(*) FROM metrics")[0][0],
            "doc_reports": dict(q("SELECT url, report_id FROM documents")),
            "runs": q("SELECT flow, status, pages_fetched, reports_new, errors FROM runs "
                      "ORDER BY started_at"),
        }
    finally:
        con.close()


def _published(db: Path) -> int:
    from warehouse.store import PUBLISHED
    return PUBLISHED[str(db.resolve())]


@pytest.fixture(scope="module")
def harvested(portal, tmp_path_factory):
    """Two harvests of the whole sample portal into one warehouse."""
    base = tmp_path_factory.mktemp("e2e")
    db, archive = base / "warehouse.duckdb", base / "archive"
    ids = [p for p in portal.expected["portals"]]
    kwargs = dict(portals=ids, db=str(db), archive=str(archive),
                  registry=str(portal.registry_path), fast=True, workers=2)
    first = flows_mod.harvest(**kwargs)
    after_first = _snapshot(db)
    published = _published(db)
    second = flows_mod.harvest(**kwargs)
    after_second = _snapshot(db)
    publishes = {"second": _published(db) - published}
    hits_before, published = len(portal.hits), _published(db)
    reprocessed = flows_mod.reprocess(db=str(db), archive=str(archive),
                                      registry=str(portal.registry_path), workers=2)
    publishes["reprocess"] = _published(db) - published
    return {"db": db, "first": first, "second": second, "after_first": after_first,
            "publishes": publishes,
            "after_second": after_second, "truth": portal.expected["reports"],
            "reprocessed": reprocessed, "after_reprocess": _snapshot(db),
            "reprocess_hits": len(portal.hits) - hits_before}


def _report_of(truth: dict, doc_reports: dict) -> set:
    """The warehouse reports holding a true report: its page, or its attachment when the body
    lives there."""
    urls = [truth["url"]] + list(truth.get("attachments") or [])
    return {doc_reports[u] for u in urls if doc_reports.get(u)}


def _originals(truths):
    return [t for t in truths if not t.get("duplicate_of")]


# ------------------------------------------------------------------ the run itself
def test_first_run_succeeds(harvested):
    assert harvested["first"]["status"] == "ok"


def test_run_rows_record_pages_and_new_reports(harvested):
    flow, status, pages, new, _errors = harvested["after_first"]["runs"][0]
    assert (flow, status, pages > 0, new) == ("harvest", "ok", True,
                                              len(harvested["after_first"]["reports"]))


# ------------------------------------------------------------------ one row per real report
def test_every_real_report_is_found(harvested):
    doc_reports = harvested["after_first"]["doc_reports"]
    missing = [t["url"] for t in _originals(harvested["truth"])
               if not _report_of(t, doc_reports)]
    assert missing == []


def test_each_real_report_is_one_warehouse_report(harvested):
    doc_reports = harvested["after_first"]["doc_reports"]
    split = {t["url"]: sorted(_report_of(t, doc_reports)) for t in harvested["truth"]
             if len(_report_of(t, doc_reports)) > 1}
    assert split == {}


def test_report_count_equals_real_reports(harvested):
    assert len(harvested["after_first"]["reports"]) == len(_originals(harvested["truth"]))


def test_distinct_real_reports_stay_distinct(harvested):
    doc_reports = harvested["after_first"]["doc_reports"]
    ids = [min(_report_of(t, doc_reports)) for t in _originals(harvested["truth"])
           if _report_of(t, doc_reports)]
    assert len(ids) == len(set(ids))


def test_duplicate_postings_are_merged_as_copies(harvested):
    doc_reports = harvested["after_first"]["doc_reports"]
    dups = [t for t in harvested["truth"] if t.get("duplicate_of")]
    assert dups, "the sample portal should post a report twice"
    assert all(doc_reports.get(t["url"]) == doc_reports.get(t["duplicate_of"]) for t in dups)


def test_copies_column_counts_every_posting(harvested):
    doc_reports = harvested["after_first"]["doc_reports"]
    copies = dict(harvested["after_first"]["reports"])
    expected = {}
    for t in _originals(harvested["truth"]):
        rid = min(_report_of(t, doc_reports) or {None})
        if rid:
            expected[rid] = 1 + sum(1 for d in harvested["truth"] if d.get("duplicate_of") == t["url"])
    assert {rid: copies[rid] for rid in expected} == expected


# ------------------------------------------------------------------ metrics
def test_metrics_are_loaded(harvested):
    assert harvested["after_first"]["metrics"] > 0


def _loaded_metrics(db: Path, report_id: str) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT key, dimension, value FROM metrics WHERE report_id = ?",
                           [report_id]).fetchall()
    finally:
        con.close()
    return {(k, d): v for k, d, v in rows}


def _true_metrics(truth: dict) -> dict:
    out = {}
    for key, value in (truth.get("truth") or {}).items():
        if isinstance(value, dict):
            out.update({(key, dim): v for dim, v in value.items()})
        else:
            out[(key, None)] = value
    return out


def test_loaded_figures_belong_to_their_report(harvested):
    """Every figure loaded for a generated report equals that report's true figure: a number
    attached to the wrong report (or a wrong number) is the worst failure."""
    doc_reports = harvested["after_first"]["doc_reports"]
    wrong = []
    for t in harvested["truth"]:
        truth = _true_metrics(t)
        rids = _report_of(t, doc_reports)
        if not truth or len(rids) != 1:
            continue
        loaded = _loaded_metrics(harvested["db"], next(iter(rids)))
        wrong += [(t["url"], k, loaded[k], truth[k]) for k in loaded.keys() & truth.keys()
                  if loaded[k] != truth[k]]
    assert wrong == []


def test_prose_and_pdf_reports_load_every_true_figure_and_nothing_else(harvested):
    """The generated pre-2019 prose and the PDF attachment: what is loaded is exactly the truth
    (the 2019/2021 HTML reports are held to it figure by figure above)."""
    doc_reports = harvested["after_first"]["doc_reports"]
    wrong = {}
    for t in _originals(harvested["truth"]):
        if t["source"] in ("free_text", "template_pdf"):
            loaded = _loaded_metrics(harvested["db"], min(_report_of(t, doc_reports)))
            if loaded != _true_metrics(t):
                wrong[t["url"]] = set(loaded.items()) ^ set(_true_metrics(t).items())
    assert wrong == {}


def test_mirrored_copy_never_becomes_the_canonical_copy(harvested):
    con = duckdb.connect(str(harvested["db"]), read_only=True)
    try:
        urls = [t["duplicate_of"] for t in harvested["truth"] if t.get("spam_mirror") and t.get("duplicate_of")]
        canonical = [con.execute("SELECT r.canonical_url FROM reports r JOIN documents d USING (report_id) "
                                 "WHERE d.url = ?", [u]).fetchone()[0] for u in urls]
    finally:
        con.close()
    assert urls and canonical == urls


def test_reports_only_a_mirror_holds_are_not_on_a_government_host(harvested):
    """The mirror's registry entry says government: false (a loopback host proves nothing)."""
    con = duckdb.connect(str(harvested["db"]), read_only=True)
    try:
        only_mirror = [t["url"] for t in _originals(harvested["truth"]) if t["portal_id"] == "sample-mirror"]
        flags = {u: con.execute("SELECT r.government_host FROM reports r JOIN documents d USING (report_id) "
                                "WHERE d.url = ?", [u]).fetchone()[0] for u in only_mirror}
    finally:
        con.close()
    assert only_mirror and set(flags.values()) == {False}


# ------------------------------------------------------------------ a second run
def test_each_run_publishes_the_warehouse_once(harvested):
    assert harvested["publishes"] == {"second": 1, "reprocess": 1}


def test_second_run_adds_no_reports(harvested):
    assert harvested["after_second"]["reports"] == harvested["after_first"]["reports"]


def test_second_run_adds_no_documents(harvested):
    assert harvested["after_second"]["documents"] == harvested["after_first"]["documents"]


def test_second_run_adds_no_metrics(harvested):
    assert harvested["after_second"]["metrics"] == harvested["after_first"]["metrics"]


def test_second_run_reports_zero_new(harvested):
    assert harvested["after_second"]["runs"][1][3] == 0


# ------------------------------------------------------------------ sql on the result
def test_sql_json_output_parses(harvested, cli):
    proc = cli("sql", "SELECT count(*) AS n FROM reports", "--db", harvested["db"],
               "--format", "json")
    rows = json.loads(proc.stdout)
    assert rows == [{"n": len(harvested["after_second"]["reports"])}]


def test_sql_csv_output_has_header_and_rows(harvested, cli):
    proc = cli("sql", "SELECT report_id FROM reports", "--db", harvested["db"], "--format", "csv")
    lines = proc.stdout.decode().splitlines()
    assert (lines[0], len(lines) - 1) == ("report_id", len(harvested["after_second"]["reports"]))


def test_sql_bad_query_is_one_line_error(harvested, cli):
    proc = cli("sql", "SELEC nonsense", "--db", harvested["db"])
    err = proc.stderr.decode().strip().splitlines()
    assert (proc.returncode != 0, len(err), "Traceback" in proc.stderr.decode()) == (True, 1, False)


def test_sql_refuses_writes(harvested, cli):
    proc = cli("sql", "DELETE FROM reports", "--db", harvested["db"])
    assert proc.returncode != 0


# ------------------------------------------------------------------ reprocess
def test_reprocess_fetches_nothing(harvested):
    assert harvested["reprocess_hits"] == 0


def test_reprocess_keeps_the_same_reports(harvested):
    assert harvested["after_reprocess"]["reports"] == harvested["after_second"]["reports"]


def test_reprocess_keeps_the_same_metrics(harvested):
    assert harvested["after_reprocess"]["metrics"] == harvested["after_second"]["metrics"]


def test_reprocess_is_recorded_as_its_own_run(harvested):
    flow, status, pages, _new, _errors = harvested["after_reprocess"]["runs"][-1]
    assert (flow, status, pages) == ("reprocess", "ok", 0)


# ------------------------------------------------------------------ one bad portal
@pytest.fixture(scope="module")
def one_bad(portal, tmp_path_factory):
    """Two good start URLs and one the crawler refuses, in one harvest."""
    base = tmp_path_factory.mktemp("one-bad")
    good = portal.expected["portals"]["sample-xihu"]["start_urls"][:1]
    good += portal.expected["portals"]["sample-huaian"]["start_urls"][:1]
    result = flows_mod.harvest(start_urls=[good[0], "ftp://127.0.0.1/none/", good[1]],
                               db=str(base / "w.duckdb"), archive=str(base / "archive"),
                               registry=str(portal.registry_path), fast=True, workers=2)
    con = duckdb.connect(str(base / "w.duckdb"), read_only=True)
    try:
        hosts = {r[0] for r in con.execute("SELECT DISTINCT split_part(canonical_url, '/', 3) "
                                           "FROM reports").fetchall()}
        errors, status = con.execute("SELECT errors, status FROM runs").fetchone()
        portals = dict(con.execute("SELECT portal_id, status FROM run_portals").fetchall())
    finally:
        con.close()
    return {"result": result, "hosts": hosts, "errors": errors, "good": good, "status": status,
            "portals": portals}


def test_a_failing_portal_makes_the_run_partial(one_bad):
    assert (one_bad["result"]["status"], one_bad["status"]) == ("partial", "partial")


def test_each_portal_outcome_is_recorded(one_bad):
    assert sorted(one_bad["portals"].values()) == ["failed", "ok", "ok"]


def test_the_failing_portal_is_named(one_bad):
    failures = one_bad["result"]["crawl_failures"]
    assert len(failures) == 1 and "ftp://127.0.0.1/none/" in failures[0]


def test_the_other_portals_are_loaded(one_bad):
    assert {u.split("/")[2] for u in one_bad["good"]} <= one_bad["hosts"]


def test_the_failure_counts_in_the_run_errors(one_bad):
    assert one_bad["errors"] >= 1


# ------------------------------------------------------------------ every portal down
@pytest.fixture(scope="module")
def all_down(tmp_path_factory):
    """A harvest whose only portal refuses connections."""
    import socket
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    base = tmp_path_factory.mktemp("all-down")
    state = flows_mod.harvest(start_urls=[dead], db=str(base / "w.duckdb"),
                              archive=str(base / "archive"), fast=True, return_state=True)
    con = duckdb.connect(str(base / "w.duckdb"), read_only=True)
    try:
        run = con.execute("SELECT status, flow_run_id FROM runs").fetchone()
        portals = con.execute("SELECT portal_id, status, error FROM run_portals").fetchall()
    finally:
        con.close()
    return {"state": state, "run": run, "portals": portals, "dead": dead}


def test_every_portal_failed_fails_the_flow_run(all_down):
    assert all_down["state"].is_failed()


def test_every_portal_failed_is_recorded_as_failed(all_down):
    assert all_down["run"][0] == "failed"


def test_the_run_row_names_its_flow_run(all_down):
    assert all_down["run"][1] == str(all_down["state"].state_details.flow_run_id)


def test_the_down_portal_is_recorded_with_its_reason(all_down):
    [(_pid, status, error)] = all_down["portals"]
    assert (status, error.startswith(all_down["dead"]), "refused" in error) == ("failed", True, True)


def test_a_fetch_that_succeeded_on_retry_is_not_an_error(harvested, portal):
    flaky = [pid for pid, p in portal.expected["portals"].items() if p["flaky"]]
    rows = dict(_rows(harvested["db"], "SELECT portal_id, errors FROM run_portals "
                                       "WHERE run_id = (SELECT min(run_id) FROM runs)"))
    assert flaky and [rows[pid] for pid in flaky] == [0] * len(flaky)


def test_each_portal_of_the_first_run_has_its_new_reports(harvested, portal):
    rows = dict(_rows(harvested["db"], "SELECT portal_id, reports_new FROM run_portals "
                                       "WHERE run_id = (SELECT min(run_id) FROM runs)"))
    assert sum(rows.values()) == harvested["first"]["reports_new"]


def _rows(db, sql):
    con = duckdb.connect(str(db.with_name(db.name + ".snapshot")), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ------------------------------------------------------------------ the run summary
def _summary(result, capsys) -> dict:
    from flows.cli.summary import print_summary
    print_summary(result)
    return dict(line.strip().split(": ", 1) for line in capsys.readouterr().out.splitlines())


def test_summary_metrics_are_the_runs_own(harvested, capsys):
    first, second = _summary(harvested["first"], capsys), _summary(harvested["second"], capsys)
    assert (int(first["metrics loaded"]) > 0, second["metrics loaded"]) == (True, "0")


def test_reprocess_summary_does_not_call_reparsed_documents_new(harvested, capsys):
    summary = _summary(harvested["reprocessed"], capsys)
    assert ("new documents" in summary, int(summary["documents reloaded"]) > 0) == (False, True)


def test_reports_government_host_agrees_with_their_own_host_copies(harvested):
    assert _rows(harvested["db"], "SELECT r.report_id FROM reports r JOIN report_copies c "
                                  "USING (report_id) WHERE NOT r.government_host "
                                  "AND c.own_host AND c.government_host") == []
