"""Deadlines and caps at the command line: `extract URL` against a server that never finishes,
`sql` against queries that would run for ever or return millions of rows."""
from __future__ import annotations

import os
import subprocess
import time

import duckdb
import pytest

from sampleportal.hostile import start_hostile_portal
from tests.conftest import CLI
from warehouse.query import QueryError, run_query


def _cli(*args, env=None, timeout=60):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def drip_url():
    with start_hostile_portal(drip_seconds=1.0) as net:
        yield net.expected["drip"]


@pytest.fixture(scope="module")
def dripped(drip_url):
    start = time.monotonic()
    out = _cli("extract", drip_url, env={"GOVREPORTS_LIMITS": "fetch_seconds=2"})
    return out, time.monotonic() - start


def test_extract_of_a_slow_drip_gives_up_at_the_total_deadline(dripped):
    out, seconds = dripped
    assert out.returncode == 1 and seconds < 10


def test_extract_of_a_slow_drip_says_which_limit_in_one_line(dripped):
    err = dripped[0].stderr.decode()
    assert err.count("\n") == 1 and "no complete answer within 2s (limit fetch_seconds)" in err


# ----------------------------------------------------------------------------- sql
@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("sql") / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    return path


def test_sql_result_over_the_row_cap_refused(db):
    with pytest.raises(QueryError, match=r"more than 1000 rows \(the --max-rows limit\)"):
        run_query(db, "SELECT * FROM range(30000000)", max_rows=1000)


def test_sql_result_under_the_row_cap_returned(db):
    assert run_query(db, "SELECT * FROM range(5)", fmt="csv", max_rows=5).splitlines()[1:] == \
        ["0", "1", "2", "3", "4"]


def test_sql_query_over_the_time_limit_interrupted(db):
    start = time.monotonic()
    with pytest.raises(QueryError, match=r"ran longer than 0.5s \(the --timeout limit\)"):
        run_query(db, "SELECT count(*) FROM range(1000000000000)", timeout=0.5)
    assert time.monotonic() - start < 10


def test_sql_row_cap_at_the_command_line_is_one_line(db):
    out = _cli("sql", "SELECT * FROM range(30000000)", "--db", db)
    err = out.stderr.decode()
    assert (out.returncode, err.count("\n"), "--max-rows" in err) == (2, 1, True)


def test_sql_time_limit_at_the_command_line_is_one_line(db):
    out = _cli("sql", "SELECT count(*) FROM range(1000000000000)", "--db", db, "--timeout", "1")
    err = out.stderr.decode()
    assert (out.returncode, err.count("\n"), "--timeout" in err) == (2, 1, True)
