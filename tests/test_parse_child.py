"""A page parsed in a forked child, as on a Dask worker (tasks run in threads, where the parse
timer cannot work): the same result as the local parse, and the hard limits hold from a thread
and on a real Dask worker. A limit broken is a refusal naming it; the worker parses on."""
from __future__ import annotations

import os
import sys
import threading
import time

import cloudpickle
import pytest

from crawler.archive import ArchiveWriter, iter_records
from flows.parse_child import parse_in_child
from flows.parse_pool import ParseJob, archive_body, parse_one
import hostile_bodies
from hostile_bodies import act_out

TEXT = [("Content-Type", "text/plain; charset=utf-8")]
LIMITS = "parse_seconds=1,parse_memory_bytes=150M"
for _module in (sys.modules[__name__], hostile_bodies):  # the loader below, to Dask workers
    cloudpickle.register_pickle_by_value(_module)


class Loader:
    """The archive's body; STUCK, HOG and DIE act as hostile documents (hostile_bodies)."""

    def __call__(self, archive_dir, record_id):
        return act_out(archive_body(archive_dir, record_id))


@pytest.fixture(scope="module")
def jobs(tmp_path_factory, shared_dir):
    archive = tmp_path_factory.mktemp("archive")
    [seed] = sorted((shared_dir / "seeds").glob("000_*.txt"))
    with ArchiveWriter(archive) as w:
        for name, body in (("report", seed.read_bytes()), ("stuck", b"STUCK"), ("hog", b"HOG"),
                           ("die", b"DIE")):
            url = f"http://www.xihu.gov.cn/{name}.html"
            w.add_response(url=url, final_url=url, status=200, headers=TEXT, body=body,
                           kind="detail", portal_id="xh")
    return {rec.url.rsplit("/", 1)[1][:-5]: ParseJob.of(str(archive), rec, Loader())
            for rec in iter_records(archive)}


@pytest.fixture
def limits(monkeypatch):
    monkeypatch.setenv("GOVREPORTS_LIMITS", LIMITS)


def in_thread(fn, *args):
    """fn(*args) on a thread that is not the main one, as a Dask worker runs tasks."""
    out = []
    t = threading.Thread(target=lambda: out.append(fn(*args)))
    t.start()
    t.join(120)
    return out[0]


def test_a_page_parses_in_a_child_as_it_does_in_process(jobs):
    child, local = in_thread(parse_in_child, jobs["report"]), parse_one(jobs["report"])
    assert child.error is None
    assert (child.doc_id, child.document.metrics) == (local.doc_id, local.document.metrics)


def test_a_page_past_the_time_limit_is_refused_from_a_thread(jobs, limits):
    out = in_thread(parse_in_child, jobs["stuck"])
    assert out.error == "parse took longer than 1s (limit parse_seconds)" and not out.retry


def test_a_page_past_the_memory_budget_is_refused(jobs, limits):
    out = in_thread(parse_in_child, jobs["hog"])
    assert "(limit parse_memory_bytes)" in out.error and not out.retry


def test_a_page_that_crashes_the_parser_is_refused(jobs):
    out = in_thread(parse_in_child, jobs["die"])
    assert out.error == "parser process died (killed by SIGSEGV)"


def test_a_dask_worker_refuses_a_stuck_page_and_parses_on(jobs, limits):
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as lc, \
            Client(lc) as client:
        stuck = client.submit(parse_in_child, jobs["stuck"], pure=False)
        report = client.submit(parse_in_child, jobs["report"], pure=False)
        assert stuck.result(timeout=60).error == "parse took longer than 1s (limit parse_seconds)"
        assert report.result(timeout=60).document.is_annual_report


def _forks() -> list[str]:
    """Live children of this process that are copies of it (forked parse processes)."""
    me = str(os.getpid())
    with open(f"/proc/{me}/cmdline", "rb") as f:
        mine = f.read()
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if stat[1] == me and stat[0] != "Z" and f.read() == mine:
                    out.append(pid)
        except OSError:
            continue
    return out


def test_a_threads_parse_process_is_kept_across_pages_and_stopped_with_the_thread(jobs):
    seen = []

    def two_pages():
        parse_in_child(jobs["report"])
        seen.append(_forks())
        parse_in_child(jobs["report"])
        seen.append(_forks())

    before = _forks()
    in_thread(lambda: two_pages() or True)
    time.sleep(0.5)
    assert len(seen[0]) == len(before) + 1 and seen[1] == seen[0] and _forks() == before
