"""An archive on S3-compatible object storage (s3://bucket/prefix), through fsspec.

A local directory stays what crawler/archive.py makes of it. On object storage, where files
cannot be appended to and sqlite cannot live, the layout is:

  PREFIX/warc/<utc>-<pid>.warc.gz     one per crawl, uploaded whole when the crawl ends
  PREFIX/index/<utc>-<pid>.parquet    that WARC's index rows, uploaded after its WARC (so a
                                      reader never sees an index part whose WARC is missing)
  PREFIX/runs/<id>.json               small files: crawl summaries of fanned-out runs

Every machine keeps a working copy of the index only (sqlite, as crawler/archive.py reads it)
in a cache directory: `pull_index` merges the parts it has not merged yet. A crawl writes into a
fresh local directory seeded with that index (so incremental crawling sees what is known) and
`push_warcs` uploads what it wrote. Bodies are read with one ranged GET each (`read_body_at`):
the index holds each record's offset and length.

Endpoint and credentials come from the standard AWS variables (AWS_ENDPOINT_URL,
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION).
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock
from warcio.archiveiterator import ArchiveIterator

from crawler import archive as A

INDEX_DIR = "index"
RUNS_DIR = "runs"
CACHE_ENV = "GOVREPORTS_CACHE"  # where working copies of remote indexes live

_PART_SCHEMA = pa.schema([(c, pa.int64() if c in ("status", "warc_offset", "warc_length")
                           else pa.string()) for c in A._COLUMNS])
_MERGED = "CREATE TABLE IF NOT EXISTS merged_parts (name TEXT PRIMARY KEY)"


def is_remote(location) -> bool:
    """s3://... (any fsspec URL but file://) is remote; a plain path is a local archive."""
    text = str(location)
    return "://" in text and not text.startswith("file://")


def filesystem(location: str):
    """(fsspec filesystem, root path without scheme) of an archive location."""
    import fsspec
    options = {}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if str(location).startswith("s3://") and endpoint:
        options["client_kwargs"] = {"endpoint_url": endpoint}
    fs, root = fsspec.core.url_to_fs(str(location), **options)
    return fs, root.rstrip("/")


def cache_dir(location: str) -> Path:
    """This machine's working copy of a remote archive's index."""
    base = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "govreports")
    name = hashlib.sha256(str(location).rstrip("/").encode()).hexdigest()[:16]
    path = base / f"archive-{name}"
    path.mkdir(parents=True, exist_ok=True)
    return path


# ----------------------------------------------------------------------------- the index
def pull_index(location: str) -> Path:
    """Merge the remote index parts not merged yet into the local working copy; returns its
    directory (crawler.archive.iter_records reads it; bodies need read_body_at)."""
    local = cache_dir(location)
    fs, root = filesystem(location)
    with FileLock(str(local / "pull.lock"), timeout=600):
        con = A._connect(local)
        try:
            con.execute(_MERGED)
            done = {r[0] for r in con.execute("SELECT name FROM merged_parts")}
            parts = sorted(p for p in _list(fs, f"{root}/{INDEX_DIR}") if p.endswith(".parquet"))
            for path in parts:
                name = path.rsplit("/", 1)[-1]
                if name in done:
                    continue
                with fs.open(path, "rb") as fh:
                    rows = pq.read_table(fh, schema=_PART_SCHEMA).to_pylist()
                _insert(con, rows, name)
        finally:
            con.close()
    return local


def _list(fs, path: str) -> list[str]:
    try:
        return fs.ls(path, detail=False, refresh=True)
    except FileNotFoundError:
        return []


def _insert(con: sqlite3.Connection, rows: list[dict], part: str) -> None:
    cols = ",".join(A._COLUMNS)
    marks = ",".join("?" * len(A._COLUMNS))
    con.execute("BEGIN")
    con.executemany(f"INSERT OR IGNORE INTO fetches ({cols}) VALUES ({marks})",
                    [[r[c] for c in A._COLUMNS] for r in rows])
    con.execute("INSERT OR IGNORE INTO merged_parts VALUES (?)", (part,))
    con.execute("COMMIT")


def push_warcs(work: Path, location: str) -> list[str]:
    """Upload every WARC of a crawl's work directory, then its index part. Returns the WARC
    names uploaded. Records a crashed crawl left out of the index are indexed first."""
    fs, root = filesystem(location)
    A.repair_index(work)
    con = sqlite3.connect(work / A.INDEX)
    con.row_factory = sqlite3.Row
    pushed = []
    try:
        for warc in sorted((work / A.WARC_DIR).glob("*.warc.gz")):
            rel = f"{A.WARC_DIR}/{warc.name}"
            rows = [dict(r) for r in con.execute(
                f"SELECT {','.join(A._COLUMNS)} FROM fetches WHERE warc_file = ? ORDER BY seq",
                (rel,))]
            fs.put_file(str(warc), f"{root}/{rel}")
            buf = io.BytesIO()
            pq.write_table(pa.Table.from_pylist(rows, schema=_PART_SCHEMA), buf)
            part = warc.name.replace(".warc.gz", ".parquet")
            fs.pipe_file(f"{root}/{INDEX_DIR}/{part}", buf.getvalue())
            pushed.append(warc.name)
    finally:
        con.close()
    return pushed


@contextmanager
def crawl_workdir(location: str) -> Iterator[Path]:
    """A fresh local archive directory for one crawl into a remote archive, seeded with the
    index known so far; its WARCs are uploaded on the way out (a failed crawl's too: every
    fetch attempt is archived), then it is removed."""
    local = pull_index(location)
    work = Path(tempfile.mkdtemp(prefix="crawl-", dir=local))
    try:
        src = sqlite3.connect(f"file:{local / A.INDEX}?mode=ro", uri=True)
        dst = sqlite3.connect(work / A.INDEX)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        (work / A.WARC_DIR).mkdir()
        try:
            yield work
        finally:
            push_warcs(work, location)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ----------------------------------------------------------------------------- bodies
def read_body_at(location: str, warc_file: str, offset: int, length: Optional[int]) -> bytes:
    """The body of the record at (warc_file, offset): one ranged read of its gzip member when
    its length is known, else a read of the file from there."""
    if length and is_remote(location):
        fs, root = filesystem(location)
        data = fs.cat_file(f"{root}/{warc_file}", start=offset or 0, end=(offset or 0) + length)
        return _first_body(io.BytesIO(data), location, warc_file, offset)
    if is_remote(location):
        fs, root = filesystem(location)
        opened = fs.open(f"{root}/{warc_file}", "rb")
    else:
        opened = open(Path(location) / warc_file, "rb")
    with opened as fh:
        fh.seek(offset or 0)
        return _first_body(fh, location, warc_file, offset)


def _first_body(stream, location, warc_file, offset) -> bytes:
    for rec in ArchiveIterator(stream):
        return rec.raw_stream.read()
    raise A.ArchiveError(f"no WARC record at {location}/{warc_file}:{offset}")


class RemoteBodies:
    """A body loader (archive_dir, record_id) -> bytes for flows.pipeline: looks the record up
    in the local working copy of the index, reads the body from object storage. Picklable."""

    def __init__(self, location: str):
        self.location = location

    def __call__(self, archive_dir, record_id: str) -> Optional[bytes]:
        con = sqlite3.connect(f"file:{Path(archive_dir) / A.INDEX}?mode=ro", uri=True, timeout=60)
        try:
            row = con.execute("SELECT sha256, warc_file, warc_offset, warc_length FROM fetches "
                              "WHERE record_id = ?", (record_id,)).fetchone()
        finally:
            con.close()
        if row is None:
            raise A.ArchiveError(f"record {record_id} is not in {self.location}")
        sha, warc_file, offset, length = row
        if sha is None or warc_file is None:
            return None
        return read_body_at(self.location, warc_file, offset, length)


# ----------------------------------------------------------------------------- small files
def write_text(location: str, rel: str, text: str) -> None:
    if is_remote(location):
        fs, root = filesystem(location)
        fs.pipe_file(f"{root}/{rel}", text.encode("utf-8"))
        return
    path = Path(location) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_text(location: str, rel: str) -> Optional[str]:
    try:
        if is_remote(location):
            fs, root = filesystem(location)
            return fs.cat_file(f"{root}/{rel}").decode("utf-8")
        return (Path(location) / rel).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return None


def local_dir(location: str) -> Path:
    """The directory the data path reads the archive's index from: the archive itself when
    local, this machine's freshly pulled working copy when remote."""
    return pull_index(location) if is_remote(location) else Path(location)

