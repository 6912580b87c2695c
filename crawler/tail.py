"""Reading an archive index from a watermark: the fetch records after row `seq`, in fetch order.

The index's rows are numbered (fetches.seq) in the order they were written; a warehouse keeps
the last number it loaded, per index. A rebuilt index (rebuild_index) or a new working copy of
a remote one numbers its rows anew, so each index carries a random id of its own: a watermark
of another id means nothing and the index is read whole once.
"""
from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Iterator, Union

from crawler import archive as A

_META = "CREATE TABLE IF NOT EXISTS index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


def index_id(archive_dir: Union[str, Path]) -> str:
    """The index's id, given on first ask (under the index's open lock)."""
    d = Path(archive_dir)
    with A._opening(d):
        con = A._connect(d)
        try:
            con.execute(_META)
            row = con.execute("SELECT value FROM index_meta WHERE key = 'index_id'").fetchone()
            if row:
                return row[0]
            value = uuid.uuid4().hex
            con.execute("INSERT INTO index_meta VALUES ('index_id', ?)", (value,))
            return value
        finally:
            con.close()


class Tail:
    """The records after `after`; `last` is the seq of the last one read so far."""

    def __init__(self, archive_dir: Union[str, Path], after: int = 0):
        self.dir = Path(archive_dir)
        self.last = after

    def __iter__(self) -> Iterator[A.FetchRecord]:
        d, con = A._open_index(self.dir)
        try:
            for row in con.execute("SELECT * FROM fetches WHERE seq > ? ORDER BY seq",
                                   (self.last,)):
                rec = A._row_to_record(row, d)
                rec.warc_length = row["warc_length"]  # a ranged read of exactly its member
                yield rec
                self.last = row["seq"]
        finally:
            con.close()


def last_seq(archive_dir: Union[str, Path]) -> int:
    con = sqlite3.connect(f"file:{Path(archive_dir) / A.INDEX}?mode=ro", uri=True, timeout=60)
    try:
        return con.execute("SELECT coalesce(max(seq), 0) FROM fetches").fetchone()[0]
    finally:
        con.close()
