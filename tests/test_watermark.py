"""The archive watermark: a run without a year filter reads only the index rows after what the
warehouse has loaded, and a page whose body could not be read holds the watermark before it."""
from __future__ import annotations

import duckdb
import pytest

from crawler.archive import ArchiveWriter, iter_records
from crawler.tail import index_id, last_seq
from flows.parse_pool import archive_body
from flows.pipeline import process_archive
from test_pipeline import PORTALS, TEXT, dump, seed, write_archive


@pytest.fixture
def archive(tmp_path, shared_dir):
    path = tmp_path / "archive"
    write_archive(path, shared_dir)
    return path


def _mark(db, archive) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT seq FROM archive_watermarks WHERE index_id = ?",
                           [index_id(archive)]).fetchall()
        return rows[0][0] if rows else 0
    finally:
        con.close()


def _reports(db) -> list:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * EXCLUDE (first_run_id, updated_run_id) FROM reports ORDER BY report_id").fetchall()
    finally:
        con.close()


def test_a_run_moves_the_watermark_to_the_end_of_the_index(archive, tmp_path):
    db = tmp_path / "w.duckdb"
    first = process_archive(archive, db, workers=1, portals=PORTALS)
    assert first["records"] == last_seq(archive) == _mark(db, archive)


def test_the_next_run_reads_only_what_came_after(archive, tmp_path, shared_dir):
    db = tmp_path / "w.duckdb"
    process_archive(archive, db, workers=1, portals=PORTALS)
    assert process_archive(archive, db, workers=1, portals=PORTALS)["records"] == 0
    with ArchiveWriter(archive) as w:
        w.add_response(url="http://other.example.org/x", final_url="http://other.example.org/x",
                       status=200, headers=TEXT, body=seed(shared_dir, "000").encode("utf-8"),
                       kind="detail", fetched_at="2024-02-01T00:00:00Z")
    counts = process_archive(archive, db, workers=1, portals=PORTALS)
    assert (counts["records"], counts["to_parse"], counts["pages_new"]) == (1, 1, 1)


def test_incremental_runs_load_what_one_run_loads(archive, tmp_path, shared_dir):
    """The archive, then one more page: the same warehouse as one run over all of it."""
    whole, steps = tmp_path / "whole.duckdb", tmp_path / "steps.duckdb"
    process_archive(archive, steps, workers=1, portals=PORTALS)
    with ArchiveWriter(archive) as w:
        w.add_response(url="http://other.example.org/y", final_url="http://other.example.org/y",
                       status=200, headers=TEXT, body=seed(shared_dir, "001").encode("utf-8"),
                       kind="detail", fetched_at="2024-02-02T00:00:00Z")
    process_archive(archive, steps, workers=1, portals=PORTALS)
    process_archive(archive, whole, workers=1, portals=PORTALS)
    a, b = dump(whole), dump(steps)
    for table in ("metrics", "documents", "withheld", "document_metrics"):
        assert a[table] == b[table], table
    assert _reports(whole) == _reports(steps)


class Unreadable:
    """A body loader for which one record's body cannot be read (storage down, say)."""

    def __init__(self, record_id: str):
        self.record_id = record_id

    def __call__(self, archive_dir, record_id):
        if record_id == self.record_id:
            raise OSError("storage unavailable")
        return archive_body(archive_dir, record_id)


def test_an_unreadable_body_holds_the_watermark(archive, tmp_path):
    db = tmp_path / "w.duckdb"
    first_page = next(r for r in iter_records(archive) if r.kind == "detail" and r.status == 200)
    first = process_archive(archive, db, workers=1, portals=PORTALS,
                            loader=Unreadable(first_page.record_id))
    assert first["parse_errors"] >= 1 and _mark(db, archive) < last_seq(archive)
    second = process_archive(archive, db, workers=1, portals=PORTALS)
    assert (second["to_parse"], second["parse_errors"]) == (1, 0)
    assert _mark(db, archive) == last_seq(archive)
