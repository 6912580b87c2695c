"""Harvests as separate `govreports` processes against the bundled sample portal: queries while
a harvest writes, a second harvest at the same time, and a harvest killed with SIGKILL.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import CLI
from flows.prefect_env import configure

configure(home=Path(tempfile.gettempdir()) / "govreports-test-prefect")

from flows import harvest as flows_mod  # noqa: E402  (Prefect reads its settings at import)
from sampleportal.server import start_sample_portal  # noqa: E402

# One Prefect home for the CLI runs of this module (they run one after another), apart from
# any in-process Prefect API of the test session.
CLI_PREFECT_HOME = Path(tempfile.gettempdir()) / "govreports-test-prefect-cli"
QUERY = "SELECT count(*) AS n FROM reports"


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(CLI_PREFECT_HOME)
    return env


def harvest_cmd(portal, db: Path, archive: Path, *extra: str) -> list[str]:
    return [str(CLI), "harvest", "--registry", str(portal.registry_path), "--db", str(db),
            "--archive", str(archive), *extra]


def run(cmd: list[str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, timeout=timeout, env=_env())


def start(cmd: list[str]) -> subprocess.Popen:
    # Own session: a SIGKILL to the group takes the crawler and the Prefect API with it.
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
                            start_new_session=True)


def writer_active(db: Path) -> bool:
    lock = Path(str(db) + ".lock")
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def report_set(db: Path) -> list:
    """What was loaded, independent of which copy of a report became canonical."""
    out = run([str(CLI), "sql", "SELECT publisher, year, title, copies FROM reports ORDER BY ALL",
               "--db", str(db), "--format", "json"])
    assert out.returncode == 0, out.stderr.decode()
    return json.loads(out.stdout)


def harvest_in_process(portal, db: Path, archive: Path) -> dict:
    """The same flow as `govreports harvest`, run in this process (its Prefect API is already
    up, which saves a start-up)."""
    return flows_mod.harvest(portals=list(portal.expected["portals"]), db=str(db),
                             archive=str(archive), registry=str(portal.registry_path), fast=True)


def wait_until(predicate, proc: subprocess.Popen, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def portal():
    with start_sample_portal() as p:
        yield p


@pytest.fixture(scope="module")
def clean(portal, tmp_path_factory):
    """A complete harvest of the sample portal: the reference for the other runs."""
    base = tmp_path_factory.mktemp("clean")
    db, archive = base / "warehouse.duckdb", base / "archive"
    result = harvest_in_process(portal, db, archive)
    assert result["status"] == "ok"
    return {"db": db, "archive": archive, "reports": report_set(db)}


@pytest.fixture(scope="module")
def during_harvest(portal, clean):
    """A second harvest of one portal, politeness delays on so it lasts a few seconds, with
    queries and another harvest started while it holds the warehouse."""
    db, archive = clean["db"], clean["archive"]
    proc = start(harvest_cmd(portal, db, archive, "--portal", "sample-xihu", "--max-pages", "6"))
    answers, rival = [], None
    try:
        assert wait_until(lambda: writer_active(db), proc), "the harvest never took the warehouse"
        while proc.poll() is None and len(answers) < 3:
            held = writer_active(db)
            q = run([str(CLI), "sql", QUERY, "--db", str(db), "--format", "json"], timeout=60)
            if held and writer_active(db):  # asked and answered while the writer held it
                answers.append(q)
            if rival is None and writer_active(db):
                rival = run(harvest_cmd(portal, db, archive, "--fast"), timeout=120)
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return {"answers": answers, "rival": rival, "returncode": proc.returncode, "stderr": err}


def test_clean_harvest_loads_reports(clean):
    assert len(clean["reports"]) > 0


def test_sql_answers_while_a_harvest_writes(during_harvest):
    assert during_harvest["answers"], "no query ran while the harvest held the warehouse"


def test_sql_during_harvest_sees_the_published_data(during_harvest, clean):
    counts = [json.loads(a.stdout)[0]["n"] if a.returncode == 0 else a.stderr.decode()
              for a in during_harvest["answers"]]
    assert counts == [len(clean["reports"])] * len(counts)


def test_second_harvest_at_once_is_refused(during_harvest):
    rival = during_harvest["rival"]
    assert rival is not None and rival.returncode == 2


def test_refusal_is_one_clear_line(during_harvest):
    err = during_harvest["rival"].stderr.decode().strip().splitlines()
    assert len(err) == 1 and "another harvest is running" in err[0]


def test_first_harvest_still_finishes(during_harvest):
    assert during_harvest["returncode"] == 0, during_harvest["stderr"].decode()[-2000:]


@pytest.fixture(scope="module")
def killed_then_rerun(portal, clean, tmp_path_factory):
    """A harvest killed with SIGKILL mid-crawl, then run again to completion."""
    base = tmp_path_factory.mktemp("killed")
    db, archive = base / "warehouse.duckdb", base / "archive"
    proc = start(harvest_cmd(portal, db, archive, "--fast"))
    try:
        archived = lambda: any(f.stat().st_size > 0 for f in archive.rglob("*.warc*"))  # noqa: E731
        mid_run = wait_until(lambda: writer_active(db) and archived(), proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    rerun = harvest_in_process(portal, db, archive)
    runs = run([str(CLI), "sql", "SELECT status FROM runs ORDER BY started_at", "--db", str(db),
                "--format", "json"])
    return {"mid_run": mid_run, "rerun": rerun, "db": db,
            "statuses": [r["status"] for r in json.loads(runs.stdout or b"[]")]}


def test_kill_happened_mid_run(killed_then_rerun):
    assert killed_then_rerun["mid_run"]


def test_run_after_kill_succeeds(killed_then_rerun):
    assert killed_then_rerun["rerun"]["status"] == "ok"


def test_run_after_kill_loads_the_same_reports_as_a_clean_run(killed_then_rerun, clean):
    assert report_set(killed_then_rerun["db"]) == clean["reports"]


def test_killed_run_is_marked_aborted(killed_then_rerun):
    assert killed_then_rerun["statuses"] == ["aborted", "ok"]
