"""Readers never blocked by a writer, one writer at a time, a killed writer changes nothing."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from conftest import REPO
from warehouse.batch import batch_from_rows
from warehouse.query import QueryError, run_query
from warehouse.store import Warehouse, WarehouseBusy

FIXTURES = Path(__file__).parent / "fixtures" / "warehouse"
DATA_TABLES = ("pages", "documents", "reports", "metrics", "document_metrics", "checks", "parses")

# A writer in another process: opens the warehouse, says so, then holds it for a while.
HOLDER = textwrap.dedent("""
    import sys, time
    from warehouse.store import Warehouse
    with Warehouse(sys.argv[1]) as wh:
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
""")

# A writer killed in the middle of a load: the reports table is fed from a stream that stalls
# after its first batch, i.e. after the load has already deleted and rewritten other tables.
STALLED_LOAD = textwrap.dedent("""
    import json, sys, time
    import pyarrow as pa
    from warehouse.batch import batch_from_rows
    from warehouse.store import Warehouse
    rows = json.load(open(sys.argv[2], encoding="utf-8"))
    rows["reports"] = [dict(r, title="changed " + r["title"]) for r in rows["reports"]]
    batch = batch_from_rows(**rows)
    table = batch.reports

    def stalling():
        yield from table.slice(0, 1).to_batches()
        print("mid-load", flush=True)
        time.sleep(120)
        yield from table.slice(1).to_batches()

    batch.reports = pa.RecordBatchReader.from_batches(table.schema, stalling())
    with Warehouse(sys.argv[1]) as wh:
        wh.load(wh.start_run("harvest", {}), batch)
""")


def fixture_batch():
    return batch_from_rows(**json.loads((FIXTURES / "batch.json").read_text(encoding="utf-8")))


def dump(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in DATA_TABLES}
    finally:
        con.close()


def spawn(script: str, *args) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-u", "-c", script, *map(str, args)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc


def wait_for(proc: subprocess.Popen, word: str) -> None:
    line = proc.stdout.readline()
    if word not in line:
        proc.kill()
        raise AssertionError(f"child said {line!r}; stderr: {proc.stderr.read()[-2000:]}")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        run = wh.start_run("harvest", {})
        wh.load(run, fixture_batch())
        wh.finish_run(run, "ok")
        wh.publish()
    return path


@pytest.fixture
def holder(db):
    proc = spawn(HOLDER, db, 30)
    wait_for(proc, "holding")
    yield proc
    proc.kill()
    proc.wait()


def test_query_works_while_a_writer_holds_the_warehouse(db, holder):
    assert run_query(db, "SELECT count(*) AS n FROM reports", fmt="csv") == "n\n2"


def test_second_writer_is_refused_with_a_clear_message(db, holder):
    with pytest.raises(WarehouseBusy, match="busy"):
        Warehouse(db, wait_seconds=0.5).open()


def test_second_writer_waits_for_the_first(db):
    proc = spawn(HOLDER, db, 1.0)
    wait_for(proc, "holding")
    start = time.monotonic()
    with Warehouse(db, wait_seconds=30):
        waited = time.monotonic() - start
    proc.wait()
    assert waited > 0.3


def test_query_refuses_writes(db):
    with pytest.raises(QueryError, match="read-only"):
        run_query(db, "DELETE FROM reports")


def test_query_on_missing_warehouse_is_one_line(tmp_path):
    with pytest.raises(QueryError) as err:
        run_query(tmp_path / "none.duckdb", "SELECT 1")
    assert "\n" not in str(err.value)


def test_bad_sql_is_one_line(db):
    with pytest.raises(QueryError) as err:
        run_query(db, "SELEKT * FROM reports")
    assert "\n" not in str(err.value)


def test_snapshot_shows_only_published_state(db):
    with Warehouse(db) as wh:
        wh.con.execute("DELETE FROM metrics")
        assert run_query(db, "SELECT count(*) > 0 AS has FROM metrics", fmt="csv") == "has\ntrue"


@pytest.fixture
def killed_mid_load(db):
    before = dump(db)
    proc = spawn(STALLED_LOAD, db, FIXTURES / "batch.json")
    wait_for(proc, "mid-load")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return db, before


def test_killed_writer_leaves_data_as_before(killed_mid_load):
    db, before = killed_mid_load
    with Warehouse(db, wait_seconds=5):
        pass  # the next writer opens (and recovers) the file
    assert dump(db) == before


def test_killed_writer_run_is_marked_aborted(killed_mid_load):
    db, _ = killed_mid_load
    with Warehouse(db, wait_seconds=5) as wh:
        statuses = [r[0] for r in wh.con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()]
    assert statuses == ["ok", "aborted"]


def test_next_run_after_a_kill_completes(killed_mid_load):
    db, _ = killed_mid_load
    rows = json.loads((FIXTURES / "batch.json").read_text(encoding="utf-8"))
    rows["reports"] = [dict(r, title="changed " + r["title"]) for r in rows["reports"]]
    with Warehouse(db, wait_seconds=5) as wh:
        wh.load(wh.start_run("harvest", {}), batch_from_rows(**rows))
        wh.publish()
    out = run_query(db, "SELECT count(*) AS n FROM reports WHERE title LIKE 'changed %'", fmt="csv")
    assert out == "n\n2"


def test_second_writer_in_the_same_process_is_told_at_once(db):
    with Warehouse(db):
        start = time.monotonic()
        with pytest.raises(WarehouseBusy, match="this process"):
            Warehouse(db, wait_seconds=30).open()
    assert time.monotonic() - start < 5


def test_query_during_the_first_harvest_answers_from_the_empty_tables(tmp_path):
    path = tmp_path / "new.duckdb"
    proc = spawn(HOLDER, path, 30)
    try:
        wait_for(proc, "holding")
        assert run_query(path, "SELECT count(*) AS n FROM reports", fmt="csv") == "n\n0"
    finally:
        proc.kill()
        proc.wait()
