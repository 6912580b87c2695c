"""The raw archive: every fetch attempt as WARC records, plus a SQLite index of them.

Layout under the archive directory:
  warc/<utc>-<pid>.warc.gz   one file per crawl process, one gzip member per record, flushed
                             per record (a crash loses at most the record being written)
  index.sqlite               one row per fetch attempt: metadata, WARC file + offset of the body
  .writers.lock              held (shared) by every process writing the archive, for its life:
                             a run checks no writer of an earlier run is left (`writers_active`)

The WARC files are the source of truth: each response/metadata record carries the crawl
metadata in WARC-X-* headers, so `rebuild_index` can recreate the index from them alone.
Readers: `iter_records(dir)` (fetch order) and `read_body(dir, record_id)` (any process).
"""
from __future__ import annotations

import fcntl
import gzip
import hashlib
import io
import json
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Optional, Union
from urllib.parse import urlsplit

from filelock import FileLock
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

INDEX = "index.sqlite"
WARC_DIR = "warc"
GZIP_LEVEL = 1  # per-record members of HTML/PDF: level 1 is ~3x faster for ~15% more bytes
KINDS = ("listing", "detail", "attachment", "robots", "other")
_META_FIELDS = ("portal_id", "kind", "referer", "anchor_text", "url", "error", "fetched_at",
                "final_url", "status")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fetches (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  record_id TEXT UNIQUE NOT NULL,
  url TEXT NOT NULL, final_url TEXT, host TEXT, status INTEGER, content_type TEXT,
  headers TEXT, sha256 TEXT, fetched_at TEXT, error TEXT, portal_id TEXT, kind TEXT,
  referer TEXT, anchor_text TEXT, warc_file TEXT, warc_offset INTEGER, warc_length INTEGER,
  etag TEXT, last_modified TEXT
);
CREATE INDEX IF NOT EXISTS fetches_url ON fetches(url);
"""
_COLUMNS = ("record_id", "url", "final_url", "host", "status", "content_type", "headers", "sha256",
            "fetched_at", "error", "portal_id", "kind", "referer", "anchor_text", "warc_file",
            "warc_offset", "warc_length", "etag", "last_modified")


class ArchiveError(RuntimeError):
    """The archive directory is missing, or a record is not in it."""


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _opening(archive_dir: Path) -> FileLock:
    """Held while a process creates or repairs the index: two crawlers opening a new archive at
    the same instant would otherwise race on the WAL switch and the schema ("database is
    locked", which sqlite's busy timeout does not cover)."""
    return FileLock(str(archive_dir / (INDEX + ".open.lock")), timeout=120)


WRITERS_LOCK = ".writers.lock"


def hold_writer_lock(archive_dir: Union[str, Path]) -> int:
    """Mark this process as a writer of the archive until it closes the returned fd or dies
    (the kernel drops the lock). Shared: the crawlers of one run write side by side."""
    fd = os.open(Path(archive_dir) / WRITERS_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def writers_active(archive_dir: Union[str, Path]) -> bool:
    """Whether any process holds the archive's writer lock now. Takes nothing."""
    path = Path(archive_dir) / WRITERS_LOCK
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # drops the lock if we took it


def _connect(archive_dir: Path) -> sqlite3.Connection:
    con = sqlite3.connect(archive_dir / INDEX, timeout=60, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executescript(_SCHEMA)
    return con


@dataclass
class FetchRecord:
    record_id: str
    url: str
    final_url: Optional[str]
    host: Optional[str]
    status: Optional[int]
    content_type: Optional[str]
    headers: dict
    sha256: Optional[str]
    fetched_at: str
    error: Optional[str]
    portal_id: Optional[str]
    kind: str
    referer: Optional[str]
    anchor_text: Optional[str]
    archive_dir: str = field(default="", repr=False)
    warc_file: Optional[str] = field(default=None, repr=False)
    warc_offset: Optional[int] = field(default=None, repr=False)

    def body(self) -> Optional[bytes]:
        """The raw body bytes as archived (None when the fetch had no body)."""
        if self.sha256 is None or self.warc_file is None:
            return None
        return _read_at(Path(self.archive_dir) / self.warc_file, self.warc_offset)


# ----------------------------------------------------------------------------- writing
class ArchiveWriter:
    """Appends fetch records to a new WARC file and the shared index. Not thread-safe: one
    per crawl process (Scrapy calls it from the reactor thread)."""

    def __init__(self, archive_dir: Union[str, Path], software: str = "govreports-crawler"):
        self.dir = Path(archive_dir)
        (self.dir / WARC_DIR).mkdir(parents=True, exist_ok=True)
        self._writer_lock = hold_writer_lock(self.dir)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        self.rel = f"{WARC_DIR}/{stamp}-{os.getpid()}.warc.gz"
        self._fh = open(self.dir / self.rel, "ab")
        self._buf = io.BytesIO()
        # warcio serialises into a buffer; each record then becomes its own gzip member here
        # (warcio's own gzip runs zlib at level 9, several times slower for no real gain).
        self._warc = WARCWriter(self._buf, gzip=False, warc_version="1.1")
        with _opening(self.dir):
            self._con = _connect(self.dir)
            repair_index(self.dir, self._con)
        self._write(self._warc.create_warcinfo_record(self.rel.split("/")[-1], {
            "software": software, "format": "WARC File Format 1.1"}))

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()
            self._con.close()
        if self._writer_lock is not None:
            os.close(self._writer_lock)
            self._writer_lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _write(self, record) -> tuple[int, int]:
        self._buf.seek(0)
        self._buf.truncate()
        self._warc.write_record(record)
        member = gzip.compress(self._buf.getvalue(), compresslevel=GZIP_LEVEL, mtime=0)
        offset = self._fh.tell()
        self._fh.write(member)
        self._fh.flush()
        return offset, len(member)

    def _meta_headers(self, meta: dict) -> dict:
        # json.dumps keeps non-ASCII text (anchor text) safe inside a WARC header line.
        return {f"WARC-X-{k.replace('_', '-').title()}": json.dumps(v, ensure_ascii=True)
                for k, v in meta.items() if k in _META_FIELDS}

    def add_response(self, *, url: str, final_url: str, status: int, headers: list[tuple[str, str]],
                     body: bytes, request_headers: list[tuple[str, str]] = (),
                     request_method: str = "GET", request_body: bytes = b"",
                     portal_id: Optional[str] = None, kind: str = "other",
                     referer: Optional[str] = None, anchor_text: Optional[str] = None,
                     fetched_at: Optional[str] = None) -> str:
        fetched_at = fetched_at or utc_now()
        # A 304 (or HEAD-like empty answer to a conditional request) has no body to hash.
        sha = None if status == 304 and not body else hashlib.sha256(body).hexdigest()
        # The body is stored decoded (no transfer/content encoding), so those headers go.
        kept = [(k, v) for k, v in headers
                if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")]
        kept.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{status} {_reason(status)}", kept, protocol="HTTP/1.1")
        meta = dict(portal_id=portal_id, kind=kind, referer=referer, anchor_text=anchor_text,
                    url=url, fetched_at=fetched_at)
        warc_headers = {"WARC-Date": _warc_date(fetched_at),
                        "WARC-Payload-Digest": f"sha256:{hashlib.sha256(body).hexdigest()}"}
        warc_headers.update(self._meta_headers(meta))
        rec = self._warc.create_warc_record(final_url, "response", payload=io.BytesIO(body),
                                            http_headers=http, warc_headers_dict=warc_headers)
        rid = _rid(rec)
        offset, length = self._write(rec)
        if request_headers:
            req = self._warc.create_warc_record(
                final_url, "request", payload=io.BytesIO(request_body),
                http_headers=StatusAndHeaders(f"{request_method} {_path(final_url)} HTTP/1.1",
                                              list(request_headers), is_http_request=True),
                warc_headers_dict={"WARC-Concurrent-To": f"<{rid}>",
                                   "WARC-Date": _warc_date(fetched_at)})
            self._write(req)
        hdrs = {k.lower(): v for k, v in headers}
        self._index(dict(record_id=rid, url=url, final_url=final_url, host=_host(final_url),
                         status=status, content_type=hdrs.get("content-type"),
                         headers=json.dumps(hdrs, ensure_ascii=False), sha256=sha,
                         fetched_at=fetched_at, error=None, portal_id=portal_id, kind=kind,
                         referer=referer, anchor_text=anchor_text, warc_file=self.rel,
                         warc_offset=offset, warc_length=length, etag=hdrs.get("etag"),
                         last_modified=hdrs.get("last-modified")))
        return rid

    def add_failure(self, *, url: str, error: str, status: Optional[int] = None,
                    final_url: Optional[str] = None, portal_id: Optional[str] = None,
                    kind: str = "other", referer: Optional[str] = None,
                    anchor_text: Optional[str] = None, fetched_at: Optional[str] = None) -> str:
        """A fetch that produced no usable response: no answer (DNS, connection refused,
        timeout, size limit), one cut off or given up on (status and final URL kept: a gzip
        bomb, a redirect loop), or a request refused before it was sent (robots.txt, policy)."""
        fetched_at = fetched_at or utc_now()
        meta = dict(portal_id=portal_id, kind=kind, referer=referer, anchor_text=anchor_text,
                    url=url, error=error, fetched_at=fetched_at, final_url=final_url, status=status)
        payload = json.dumps(meta, ensure_ascii=False).encode("utf-8")
        warc_headers = {"WARC-Date": _warc_date(fetched_at)}
        warc_headers.update(self._meta_headers(meta))
        rec = self._warc.create_warc_record(url, "metadata", payload=io.BytesIO(payload),
                                            warc_content_type="application/json",
                                            warc_headers_dict=warc_headers)
        rid = _rid(rec)
        offset, length = self._write(rec)
        self._index(dict(record_id=rid, url=url, final_url=final_url, host=_host(final_url or url),
                         status=status,
                         content_type=None, headers="{}", sha256=None, fetched_at=fetched_at,
                         error=error, portal_id=portal_id, kind=kind, referer=referer,
                         anchor_text=anchor_text, warc_file=self.rel, warc_offset=offset,
                         warc_length=length, etag=None, last_modified=None))
        return rid

    def _index(self, row: dict) -> None:
        cols = ",".join(_COLUMNS)
        marks = ",".join("?" for _ in _COLUMNS)
        self._con.execute(f"INSERT OR IGNORE INTO fetches ({cols}) VALUES ({marks})",
                          [row[c] for c in _COLUMNS])


def _rid(record) -> str:
    return record.rec_headers.get_header("WARC-Record-ID").strip("<>")


def _host(url: str) -> Optional[str]:
    return urlsplit(url).netloc.lower() or None


def _path(url: str) -> str:
    p = urlsplit(url)
    return (p.path or "/") + (f"?{p.query}" if p.query else "")


def _warc_date(iso: str) -> str:
    return iso.replace("+00:00", "Z")


def _reason(status: int) -> str:
    from http import HTTPStatus
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


# ----------------------------------------------------------------------------- reading
def _read_at(path: Path, offset: Optional[int]) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(offset or 0)
        for rec in ArchiveIterator(fh):
            return rec.raw_stream.read()
    raise ArchiveError(f"no WARC record at {path}:{offset}")


def _row_to_record(row: sqlite3.Row, archive_dir: Path) -> FetchRecord:
    return FetchRecord(
        record_id=row["record_id"], url=row["url"], final_url=row["final_url"], host=row["host"],
        status=row["status"], content_type=row["content_type"],
        headers=json.loads(row["headers"] or "{}"), sha256=row["sha256"],
        fetched_at=row["fetched_at"], error=row["error"], portal_id=row["portal_id"],
        kind=row["kind"] or "other", referer=row["referer"], anchor_text=row["anchor_text"],
        archive_dir=str(archive_dir), warc_file=row["warc_file"], warc_offset=row["warc_offset"])


def _open_index(archive_dir: Union[str, Path]) -> tuple[Path, sqlite3.Connection]:
    d = Path(archive_dir)
    if not (d / INDEX).is_file():
        if (d / WARC_DIR).is_dir():
            rebuild_index(d)
        else:
            raise ArchiveError(f"no archive at {d}")
    con = sqlite3.connect(f"file:{d / INDEX}?mode=ro", uri=True, timeout=60)
    con.row_factory = sqlite3.Row
    return d, con


def iter_records(archive_dir: Union[str, Path]) -> Iterator[FetchRecord]:
    """Every fetch attempt ever archived, in fetch order."""
    d, con = _open_index(archive_dir)
    try:
        for row in con.execute("SELECT * FROM fetches ORDER BY seq"):
            yield _row_to_record(row, d)
    finally:
        con.close()


def read_body(archive_dir: Union[str, Path], record_id: str) -> Optional[bytes]:
    """The body of one record (None when it has none). Safe to call from any process."""
    d, con = _open_index(archive_dir)
    try:
        row = con.execute("SELECT * FROM fetches WHERE record_id = ?", (record_id,)).fetchone()
    finally:
        con.close()
    if row is None:
        raise ArchiveError(f"record {record_id} is not in {d}")
    return _row_to_record(row, d).body()


@dataclass
class Known:
    """What the archive knows of a URL for incremental crawling: its latest good fetch."""
    url: str
    sha256: str
    etag: Optional[str]
    last_modified: Optional[str]
    fetched_at: str
    record_id: Optional[str] = None
    content_type: Optional[str] = None


def known_urls(archive_dir: Union[str, Path]) -> dict[str, Known]:
    """Latest status-200 fetch per URL (empty for a new archive)."""
    d = Path(archive_dir)
    if not (d / INDEX).is_file():
        return {}
    con = sqlite3.connect(f"file:{d / INDEX}?mode=ro", uri=True, timeout=60)
    try:
        rows = con.execute("SELECT url, sha256, etag, last_modified, fetched_at, record_id, content_type "
                           "FROM fetches WHERE status = 200 AND sha256 IS NOT NULL ORDER BY seq").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        rows = []  # another crawler process has just created the index: nothing in it yet
    finally:
        con.close()
    return {r[0]: Known(*r) for r in rows}


def rebuild_index(archive_dir: Union[str, Path]) -> int:
    """Recreate index.sqlite from the WARC files (tolerates a truncated last record).
    Returns the number of fetch records indexed."""
    d = Path(archive_dir)
    tmp = d / (INDEX + ".rebuild")
    for p in (tmp, Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
        p.unlink(missing_ok=True)
    con = sqlite3.connect(tmp, isolation_level=None)
    con.executescript(_SCHEMA)
    count = 0
    con.execute("BEGIN")
    for path in sorted((d / WARC_DIR).glob("*.warc.gz")):
        for row in _scan_warc(path, f"{WARC_DIR}/{path.name}"):
            cols = ",".join(_COLUMNS)
            con.execute(f"INSERT OR IGNORE INTO fetches ({cols}) VALUES ({','.join('?' * len(_COLUMNS))})",
                        [row[c] for c in _COLUMNS])
            count += 1
    con.execute("COMMIT")
    con.close()
    os.replace(tmp, d / INDEX)
    return count


def repair_index(archive_dir: Union[str, Path], con: Optional[sqlite3.Connection] = None) -> int:
    """Index the records a crashed crawl wrote to its WARC but not yet to the index.
    Returns how many were added (0 when the index is consistent, the usual case)."""
    d = Path(archive_dir)
    own = con is None
    con = con or _connect(d)
    added = 0
    try:
        ends = dict(con.execute("SELECT warc_file, MAX(warc_offset + warc_length) FROM fetches "
                                "GROUP BY warc_file").fetchall())
        for path in sorted((d / WARC_DIR).glob("*.warc.gz")):
            rel = f"{WARC_DIR}/{path.name}"
            end = ends.get(rel, 0)
            if path.stat().st_size <= end:
                continue
            for row in _scan_warc(path, rel, start=end):
                con.execute(f"INSERT OR IGNORE INTO fetches ({','.join(_COLUMNS)}) "
                            f"VALUES ({','.join('?' * len(_COLUMNS))})", [row[c] for c in _COLUMNS])
                added += 1
    finally:
        if own:
            con.close()
    return added


def _scan_warc(path: Path, rel: str, start: int = 0) -> Iterator[dict]:
    with open(path, "rb") as fh:
        fh.seek(start)
        it = ArchiveIterator(fh)
        try:
            for rec in it:
                if rec.rec_type not in ("response", "metadata"):
                    continue
                body = rec.raw_stream.read()  # before get_record_offset, which skips the body
                yield _row_from_warc(rec, body, rel, it.get_record_offset(),  # absolute
                                     it.get_record_length())
        except (ArchiveLoadFailed, EOFError, OSError, ValueError):
            return  # truncated tail: everything before it is intact


def _row_from_warc(rec, body: bytes, rel: str, offset: int, length: int) -> dict:
    h = rec.rec_headers

    def meta(name):
        v = h.get_header(f"WARC-X-{name}")
        return json.loads(v) if v else None

    target = h.get_header("WARC-Target-URI")
    row = dict(record_id=_rid(rec), url=meta("Url") or target, portal_id=meta("Portal-Id"),
               kind=meta("Kind") or "other", referer=meta("Referer"),
               anchor_text=meta("Anchor-Text"), fetched_at=meta("Fetched-At") or h.get_header("WARC-Date"),
               warc_file=rel, warc_offset=offset, warc_length=length)
    if rec.rec_type == "metadata":
        final = meta("Final-Url")
        row.update(final_url=final, host=_host(final or target), status=meta("Status"), content_type=None,
                   headers="{}", sha256=None, error=meta("Error"), etag=None, last_modified=None)
        return row
    hdrs = {k.lower(): v for k, v in rec.http_headers.headers}
    status = int(rec.http_headers.get_statuscode())
    row.update(final_url=target, host=_host(target), status=status,
               content_type=hdrs.get("content-type"), headers=json.dumps(hdrs, ensure_ascii=False),
               sha256=None if status == 304 and not body else hashlib.sha256(body).hexdigest(),
               error=None, etag=hdrs.get("etag"),
               last_modified=hdrs.get("last-modified"))
    return row
