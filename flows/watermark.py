"""Flat memory for nightly runs: read the archive index from the warehouse's watermark on, and
ask the warehouse about this run's records one at a time instead of holding sets the size of
the archive (every record id, every parsed (URL, body), every document id).

A run without a year filter reads the records after the watermark and moves it when its load
has committed (a crash in between only makes the next run read those records again: the load
is idempotent). A run with a year filter reads the whole index and leaves the watermark alone:
what it filtered out must be seen again by the next run that asks for all years. A record whose
parse failed for a reason not the page's own (retry) holds the watermark before it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, Optional

from crawler.tail import Tail, index_id


class KnownParses:
    """`(url, sha256) in known`: parsed before (ok, error, or filtered and still outside the
    years asked), answered by the warehouse."""

    def __init__(self, wh, years: Optional[set[int]]):
        self.con, self.years = wh.con, years

    def __contains__(self, pair) -> bool:
        rows = self.con.execute("SELECT status, year FROM parses WHERE url = ? AND sha256 = ?",
                                list(pair)).fetchall()
        if not rows:
            return False
        status, year = rows[0]
        return not (status == "filtered" and (self.years is None or year in self.years))

    def __iter__(self):  # nothing to copy: membership is asked of the warehouse
        return iter(())


class KnownDocIds:
    def __init__(self, wh):
        self.con = wh.con

    def __contains__(self, doc_id) -> bool:
        return bool(self.con.execute("SELECT 1 FROM documents WHERE doc_id = ?",
                                     [doc_id]).fetchall())


@dataclass
class Plan:
    """What one run reads: its records and the lookups that decide what is new."""
    records: Iterable
    known: object
    known_record_ids: object
    skip_doc_ids: object
    tail: Optional[Tail] = None
    index: Optional[str] = None
    retried: list = field(default_factory=list)


def plan(wh, archive_dir, years, reparse: bool, records: Optional[Iterable] = None) -> Plan:
    """The run's plan: from the watermark when it applies, else the whole index (or the records
    given) with the warehouse's sets, as before watermarks."""
    given = records is not None
    if not given and years is None and not reparse:
        idx = index_id(archive_dir)
        tail = Tail(archive_dir, _watermark(wh, idx))
        return Plan(tail, KnownParses(wh, None), frozenset(), KnownDocIds(wh), tail, idx)
    if not given:
        from crawler.archive import iter_records
        records = iter_records(archive_dir)
    known = set() if reparse else wh.known_parses(years)
    skip = set() if reparse else wh.doc_ids()
    p = Plan(records, known, wh.known_record_ids(), skip)
    if not given and years is None and reparse:  # everything is reloaded: the watermark may move to the end
        p.tail = Tail(archive_dir, 0)
        p.records = _count_through(records, p.tail, archive_dir)
        p.index = index_id(archive_dir)
    return p


def _count_through(records, tail: Tail, archive_dir):
    from crawler.tail import last_seq
    yield from records
    tail.last = last_seq(archive_dir)


def _watermark(wh, idx: str) -> int:
    rows = wh.con.execute("SELECT seq FROM archive_watermarks WHERE index_id = ?",
                          [idx]).fetchall()
    return int(rows[0][0]) if rows else 0


def advance(wh, p: Plan, archive_dir) -> Optional[int]:
    """After the load committed: the new watermark (None when this run does not move it)."""
    if p.tail is None or p.index is None:
        return None
    seq = p.tail.last
    if p.retried:  # a body could not be read: the next run must see that record again
        seq = min(seq, _first_seq(archive_dir, p.retried) - 1)
    wh.con.execute("INSERT OR REPLACE INTO archive_watermarks VALUES (?, ?, ?)",
                   [p.index, seq, datetime.now(timezone.utc).replace(tzinfo=None)])
    return seq


def _first_seq(archive_dir, record_ids: list[str]) -> int:
    import sqlite3
    from pathlib import Path

    from crawler.archive import INDEX
    con = sqlite3.connect(f"file:{Path(archive_dir) / INDEX}?mode=ro", uri=True, timeout=60)
    try:
        marks = ",".join("?" * len(record_ids))
        row = con.execute(f"SELECT min(seq) FROM fetches WHERE record_id IN ({marks})",
                          record_ids).fetchone()
        return int(row[0]) if row and row[0] is not None else 1 << 62
    finally:
        con.close()
