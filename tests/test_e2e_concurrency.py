"""Harvests as separate `govreports` processes against the bundled sample portal: queries while
a harvest writes, a second harvest at the same time, a harvest killed with SIGKILL (none of its
processes may outlive it) and harvests stopped with SIGTERM and SIGINT.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import CLI
from crawler.archive import writers_active
from flows.crawl import ensure_no_stray_writer
from flows.prefect_env import configure
from flows.locks import HarvestBusy

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


def descendants(pid: int) -> set[int]:
    """Every process below pid, from /proc."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def stop_mid_crawl(proc: subprocess.Popen, db: Path, archive: Path, signum: int) -> dict:
    """Wait until the harvest crawls (its crawler runs and has archived pages), send signum to
    the main process alone, and time how long until none of its processes is left."""
    archived = lambda: any(f.stat().st_size > 0 for f in archive.rglob("*.warc*"))  # noqa: E731
    crawling = lambda: any("crawler.run" in command_of(p) for p in descendants(proc.pid))  # noqa: E731
    seen: dict[int, str] = {}  # pid: command line, read while it lives

    def look() -> None:
        for p in descendants(proc.pid) - seen.keys():
            seen[p] = command_of(p)

    def mid_crawl() -> bool:
        look()
        return writer_active(db) and archived() and crawling()

    try:
        mid_run = wait_until(mid_crawl, proc)
        look()
        if signum == signal.SIGINT:  # Ctrl-C at a terminal: the whole foreground group gets it
            os.killpg(proc.pid, signum)
        else:
            os.kill(proc.pid, signum)
        sent = time.monotonic()
        while time.monotonic() - sent < 30 and any(alive(p) for p in [*seen, proc.pid]):
            time.sleep(0.05)
        gone_after = time.monotonic() - sent
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for p in seen:  # the test's own hygiene, should the product's fail
            if alive(p):
                os.kill(p, signal.SIGKILL)
    return {"mid_run": mid_run, "gone_after": gone_after, "returncode": proc.returncode,
            "processes": seen,
            "left": [p for p in seen if alive(p)]}


def statuses(db: Path) -> list[str]:
    runs = run([str(CLI), "sql", "SELECT status FROM runs ORDER BY started_at", "--db", str(db),
                "--format", "json"])
    return [r["status"] for r in json.loads(runs.stdout or b"[]")]


@pytest.fixture(scope="module")
def killed_then_rerun(portal, clean, tmp_path_factory):
    """A harvest's main process killed with SIGKILL mid-crawl (its children get no signal from
    us), then run again to completion at once."""
    base = tmp_path_factory.mktemp("killed")
    db, archive = base / "warehouse.duckdb", base / "archive"
    stopped = stop_mid_crawl(start(harvest_cmd(portal, db, archive, "--fast")), db, archive,
                             signal.SIGKILL)
    stray_writer = writers_active(archive)
    rerun = harvest_in_process(portal, db, archive)
    return {**stopped, "stray_writer": stray_writer, "rerun": rerun, "db": db,
            "statuses": statuses(db)}


def test_kill_happened_mid_run(killed_then_rerun):
    assert killed_then_rerun["mid_run"]


def test_kill_9_leaves_no_process_of_the_run_after_5_seconds(killed_then_rerun):
    assert killed_then_rerun["left"] == [] and killed_then_rerun["gone_after"] < 5, \
        killed_then_rerun["processes"]


def test_the_killed_run_had_a_crawler_and_its_prefect_api(killed_then_rerun):
    commands = " ".join(killed_then_rerun["processes"].values())
    assert "crawler.run" in commands and "uvicorn" in commands


def test_rerun_after_kill_finds_no_second_writer(killed_then_rerun):
    assert killed_then_rerun["stray_writer"] is False


def test_run_after_kill_succeeds(killed_then_rerun):
    assert killed_then_rerun["rerun"]["status"] == "ok"


def test_run_after_kill_loads_the_same_reports_as_a_clean_run(killed_then_rerun, clean):
    assert report_set(killed_then_rerun["db"]) == clean["reports"]


def test_killed_run_is_marked_aborted(killed_then_rerun):
    assert killed_then_rerun["statuses"] == ["aborted", "ok"]


@pytest.fixture(scope="module")
def signalled(portal, clean, tmp_path_factory):
    """A harvest stopped with SIGTERM mid-crawl, another with Ctrl-C (SIGINT to its process
    group), then one run to the end."""
    base = tmp_path_factory.mktemp("signalled")
    db, archive = base / "warehouse.duckdb", base / "archive"
    out = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        out[signum] = stop_mid_crawl(start(harvest_cmd(portal, db, archive, "--fast")), db,
                                     archive, signum)
    out["after_signals"] = statuses(db)
    out["rerun"] = harvest_in_process(portal, db, archive)
    out["db"] = db
    return out


def test_sigterm_exits_143_and_sigint_130(signalled):
    assert [signalled[s]["returncode"] for s in (signal.SIGTERM, signal.SIGINT)] == [143, 130]


def test_a_stopped_run_is_marked_aborted_by_itself(signalled):
    assert signalled["after_signals"] == ["aborted", "aborted"]


def test_a_stopped_run_leaves_no_process(signalled):
    assert [signalled[s]["left"] for s in (signal.SIGTERM, signal.SIGINT)] == [[], []]


def test_the_run_after_stopped_ones_loads_the_same_reports_as_a_clean_run(signalled, clean):
    assert signalled["rerun"]["status"] == "ok"
    assert report_set(signalled["db"]) == clean["reports"]


def test_a_live_writer_of_another_run_makes_a_run_refuse(tmp_path):
    """A crawler that outlived its run (the kernel could not stop it) holds the archive's writer
    lock: a new run waits for it a little, then refuses instead of writing beside it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from crawler.archive import hold_writer_lock; "
         "hold_writer_lock(sys.argv[1]); print('held', flush=True); time.sleep(60)", str(tmp_path)],
        stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"held\n"
        with pytest.raises(HarvestBusy, match="still writing the archive"):
            ensure_no_stray_writer(tmp_path, wait=0.5)
    finally:
        holder.kill()
        holder.wait()
    ensure_no_stray_writer(tmp_path, wait=5)  # its death released the lock
