"""Hard limits per document: a parse worker that runs past its time (in a loop the in-process
timer cannot stop) or grows past its memory is killed by the pool and replaced; its document is
recorded as refused with one line naming the limit, and the other documents are parsed."""
from __future__ import annotations

import json
import os
import time

import pytest

from crawler.archive import ArchiveWriter
from flows.parse_pool import archive_body
from hostile_bodies import act_out
from flows.pipeline import process_archive
from warehouse.query import run_query

LIMITS = "parse_seconds=1,parse_memory_bytes=150M"
TEXT = [("Content-Type", "text/plain; charset=utf-8")]
STUCK = "http://www.xihu.gov.cn/stuck.html"
HOG = "http://www.xihu.gov.cn/hog.html"


def hostile_loader(archive_dir: str, record_id: str):
    """The archive's body; the STUCK and HOG ones act as hostile documents (hostile_bodies)."""
    return act_out(archive_body(archive_dir, record_id))


def seeds(shared_dir) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((shared_dir / "seeds").glob("00[0-3]_*.txt"))]


@pytest.fixture(scope="module")
def refused(tmp_path_factory, shared_dir):
    base = tmp_path_factory.mktemp("limits")
    archive, db = base / "archive", base / "warehouse.duckdb"
    texts = seeds(shared_dir)
    with ArchiveWriter(archive) as w:
        def page(url, body):
            w.add_response(url=url, final_url=url, status=200, headers=TEXT, body=body,
                           kind="detail", portal_id="xh")
        page(STUCK, b"STUCK")
        page(HOG, b"HOG")
        for i, text in enumerate(texts):
            page(f"http://www.xihu.gov.cn/r{i}.html", text.encode("utf-8"))
    old = os.environ.get("GOVREPORTS_LIMITS")
    os.environ["GOVREPORTS_LIMITS"] = LIMITS  # the workers inherit it
    start = time.monotonic()
    try:
        counts = process_archive(archive, db, workers=2, loader=hostile_loader, portals=[])
    finally:
        if old is None:
            os.environ.pop("GOVREPORTS_LIMITS")
        else:
            os.environ["GOVREPORTS_LIMITS"] = old
    parses = json.loads(run_query(db, "SELECT url, status, error FROM parses", fmt="json"))
    return {"counts": counts, "seconds": time.monotonic() - start, "texts": texts,
            "parses": {p["url"]: p for p in parses}}


def test_a_worker_past_its_time_is_killed_and_the_document_refused(refused):
    assert refused["parses"][STUCK]["error"] == "parse took longer than 1s (limit parse_seconds)"


def test_a_worker_past_its_memory_is_killed_and_the_document_refused(refused):
    assert refused["parses"][HOG]["error"] == \
        "parse needed more than 150 MB of memory (limit parse_memory_bytes)"


def test_the_other_documents_are_parsed(refused):
    others = [p for url, p in refused["parses"].items() if url not in (STUCK, HOG)]
    assert [p["status"] for p in others] == ["ok"] * len(refused["texts"])


def test_the_run_goes_on_to_its_end_in_bounded_time(refused):
    # parse_seconds + the pool's 5 s grace, plus parsing the others on 2 workers
    assert refused["counts"]["parse_errors"] == 2 and refused["seconds"] < 60


def test_no_parse_worker_is_left(refused):
    """Forked workers carry this process's command line; none may be alive after the run."""
    me = str(os.getpid())
    forks = [d for d in os.listdir("/proc")
             if d.isdigit() and _stat(d)[1:] == [me, True] and _cmdline(d) == _cmdline(me)]
    assert forks == []


def _stat(pid: str) -> list:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return [pid, fields[1], fields[0] != "Z"]
    except OSError:
        return [pid, "", False]


def _cmdline(pid: str) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""
