"""Parsing archived bodies in worker processes, each document within hard limits.

  select_records  the archived fetches that need parsing (each final URL and body once)
  parse_one       load one body from the archive and parse it, under the in-process timer
  iter_parsed     parse records in a pool of worker processes, results in input order
  parse_records   both

Each worker parses one document at a time and loads its body itself by record_id (bodies never
travel between processes). The pool watches every worker: one that runs past its time
(parse_seconds + PARSE_GRACE_SECONDS, when the in-process timer could not stop it: a C loop)
or grows past its memory (parse_memory_bytes of resident memory above what it had idle) is
killed and replaced, and its document is refused with one line naming the limit. The other
workers go on with their documents. Library code cannot catch a SIGKILL. Workers die with the
run (flows.children).
"""
from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from dataclasses import dataclass, field, fields
from multiprocessing.connection import wait as wait_ready
from typing import Callable, Iterable, Iterator, Optional

from flows import children
from flows.limits import configured, time_limit
from transforms.dedupe.fingerprint import Fingerprint, fingerprint
from transforms.errors import ExtractError, TimeLimit
from transforms.extract import extract
from transforms.limits import size
from transforms.model import Document

PARSE_KINDS = ("detail", "attachment")
PARSE_GRACE_SECONDS = 5.0  # past parse_seconds before the pool kills a worker the timer missed
WATCH_SECONDS = 0.1        # how often the pool looks at its workers' clocks and memory
PAGE = os.sysconf("SC_PAGE_SIZE")

BodyLoader = Callable[[str, str], Optional[bytes]]


def archive_body(archive_dir: str, record_id: str) -> Optional[bytes]:
    from crawler.archive import read_body
    return read_body(archive_dir, record_id)


# ============================================================================ what to parse
def make_doc_id(url: str, text_sha256: str) -> str:
    """A page at one URL with one clean text: a refetch with a new view counter or spam block
    around the same text is the same document."""
    return hashlib.sha256(f"{url}\n{text_sha256}".encode("utf-8")).hexdigest()[:32]


def record_url(rec) -> str:
    return getattr(rec, "final_url", None) or rec.url


def parseable(rec) -> bool:
    """A fetch with a body the parser reads: a detail page or an attachment that answered 200."""
    return rec.status == 200 and rec.kind in PARSE_KINDS and bool(rec.sha256)


def needs_parsing(rec, known: set) -> bool:
    return parseable(rec) and (record_url(rec), rec.sha256) not in known


def select_records(records: Iterable, known: Optional[set] = None) -> Iterator:
    """Records whose (final URL, body) has not been parsed, each pair once."""
    seen = set(known or ())
    for rec in records:
        if needs_parsing(rec, seen):
            seen.add((record_url(rec), rec.sha256))
            yield rec


# ============================================================================ one document
@dataclass
class PageRef:
    """The archived fetch a parse is of."""
    record_id: str
    url: str  # final URL of the fetch
    host: Optional[str]
    sha256: str
    fetched_at: Optional[str]
    portal_id: Optional[str]
    content_type: Optional[str]
    referer: Optional[str] = None

    def ref(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(PageRef)}


@dataclass
class ParsedDoc(PageRef):
    """The parse of one archived body: a Document and its fingerprint, or an error."""
    document: Optional[Document] = None
    fingerprint: Optional[Fingerprint] = None
    error: Optional[str] = None
    seconds: float = 0.0
    retry: bool = False  # the failure was not the page's fault: try again next run

    @property
    def doc_id(self) -> Optional[str]:
        if self.fingerprint is None:
            return None
        return make_doc_id(self.url, self.fingerprint.text_sha256)


@dataclass
class ParseJob(PageRef):
    """One page to parse: where its body is, and how to load it (in the worker)."""
    archive_dir: str = ""
    loader: BodyLoader = field(default=archive_body)

    @classmethod
    def of(cls, archive_dir, rec, loader: BodyLoader) -> "ParseJob":
        return cls(rec.record_id, record_url(rec), getattr(rec, "host", None), rec.sha256,
                   rec.fetched_at, getattr(rec, "portal_id", None),
                   getattr(rec, "content_type", None), getattr(rec, "referer", None),
                   archive_dir=str(archive_dir), loader=loader)

    def failed(self, error: Optional[str], retry: bool = False) -> ParsedDoc:
        return ParsedDoc(**self.ref(), error=error, retry=retry)


def _over_memory(limit: float) -> str:
    return f"parse needed more than {size(limit)} of memory (limit parse_memory_bytes)"


def _over_time(seconds: float) -> str:
    return f"parse took longer than {seconds:g}s (limit parse_seconds)"


def _parse_body(job: ParseJob) -> ParsedDoc:
    try:
        raw = job.loader(job.archive_dir, job.record_id)
    except MemoryError:
        return job.failed(_over_memory(configured().parse_memory_bytes))
    except Exception as exc:  # the archive, not the page: try again next run
        return job.failed(f"cannot read the body: {exc}", retry=True)
    if not raw:
        return job.failed("no body in the archive")
    try:
        doc = extract(raw, job.url, job.content_type, configured())
        fp = fingerprint(doc.text)
    except ExtractError as exc:
        return job.failed(f"extract: {exc}")
    except MemoryError:  # the worker's address-space cap (see _serve)
        return job.failed(_over_memory(configured().parse_memory_bytes))
    except Exception as exc:  # a parser bug on one page must not abort the batch
        return job.failed(f"{exc.__class__.__name__}: {exc}")
    out = job.failed(None)
    out.document, out.fingerprint = doc, fp
    return out


def parse_one(job: ParseJob) -> ParsedDoc:
    """Load one body and parse it, within the time limit (a TimeLimit no library can catch);
    never raises."""
    start = time.monotonic()
    seconds = configured().parse_seconds
    try:
        with time_limit(seconds):
            out = _parse_body(job)
    except TimeLimit:
        out = job.failed(_over_time(seconds))
    out.seconds = time.monotonic() - start
    return out


def default_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 2) - 1))


# ============================================================================ the pool
def _rss(pid: int) -> int:
    """Resident bytes of a process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _serve(conn, parent_pid: int, memory_cap: int) -> None:
    """A worker: parse the jobs it is sent, one at a time, until told to stop (None)."""
    children.die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle, not ours
    if memory_cap:
        # A backstop for what the pool's sampling could miss between two looks: an allocation
        # past it fails (MemoryError) instead of taking the machine.
        resource.setrlimit(resource.RLIMIT_AS, (memory_cap, memory_cap))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(parse_one(job))


def _address_space() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


class _Worker:
    def __init__(self, ctx, memory_bytes: float, forked: bool = False):
        self.conn, theirs = ctx.Pipe()
        # The cap on address space: this process's (the child starts as a copy) plus twice the
        # budget, so ordinary arenas and mappings never hit it before the pool's watch does.
        cap = int(_address_space() + 2 * memory_bytes) if memory_bytes else 0
        args = (theirs, os.getpid(), cap)
        if forked:  # inside a daemonic process (a Dask worker)
            self.proc = children.fork(_serve, *args)
        else:
            self.proc = ctx.Process(target=_serve, args=args, daemon=True, name="govreports-parser")
            children.start_process(self.proc)
        theirs.close()
        self.job: Optional[tuple[int, ParseJob]] = None
        self.started = 0.0
        self.baseline = _rss(self.proc.pid)
        self.peak = 0

    def give(self, seq: int, job: ParseJob) -> None:
        self.job, self.started = (seq, job), time.monotonic()
        self.baseline = _rss(self.proc.pid) or self.baseline
        self.peak = 0
        self.conn.send(job)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(1)
        if self.proc.is_alive():
            self.kill()
        self.conn.close()


class Pool:
    """Worker processes, one document each at a time, watched against the hard limits."""

    def __init__(self, workers: int, forked: bool = False):
        """forked: children made by os.fork, for a daemonic process (see children.fork)."""
        self.ctx, self.forked = _pool_context(), forked
        self.limits = configured()
        self.workers = [self._worker() for _ in range(workers)]
        self.killed: list[dict] = []  # what the pool killed: reason and peak memory, for tests

    def _worker(self) -> _Worker:
        return _Worker(self.ctx, self.limits.parse_memory_bytes, self.forked)

    def parse(self, job: ParseJob) -> ParsedDoc:
        """One document on an idle worker, waited for: for a caller with one job at a time."""
        next(self.idle()).give(0, job)
        while True:
            for _seq, result in self.collect():
                return result

    def idle(self) -> Iterator[_Worker]:
        return (w for w in self.workers if w.job is None)

    def busy(self) -> list[_Worker]:
        return [w for w in self.workers if w.job is not None]

    def collect(self) -> list[tuple[int, ParsedDoc]]:
        """Wait a little; the documents finished, refused or lost since the last look."""
        busy = self.busy()
        if not busy:
            return []
        wait_ready([w.conn for w in busy] + [w.proc.sentinel for w in busy], WATCH_SECONDS)
        out = []
        for w in busy:
            seq, job = w.job
            result = self._check(w, job)
            if result is not None:
                out.append((seq, result))
        return out

    def _check(self, w: _Worker, job: ParseJob) -> Optional[ParsedDoc]:
        if w.conn.poll():
            try:
                result = w.conn.recv()
                w.job = None
                return result
            except (EOFError, OSError):
                pass  # died while answering: below
        if not w.proc.is_alive():
            # It died on this document (a crash in C, an abort on the address-space cap, the
            # kernel's OOM killer): refused, unless the run itself is stopping.
            return self._replace(w, job.failed(
                f"parser process died ({_exit_reason(w.proc.exitcode)})",
                retry=children.stopping()))
        elapsed = time.monotonic() - w.started
        hard = self.limits.parse_seconds + PARSE_GRACE_SECONDS
        if elapsed > hard:
            return self._replace(w, job.failed(_over_time(self.limits.parse_seconds)),
                                 reason="parse_seconds")
        rss = _rss(w.proc.pid)
        w.peak = max(w.peak, rss)
        budget = self.limits.parse_memory_bytes
        if budget and rss - w.baseline > budget:
            return self._replace(w, job.failed(_over_memory(budget)), reason="parse_memory_bytes")
        return None

    def _replace(self, w: _Worker, result: ParsedDoc, reason: Optional[str] = None) -> ParsedDoc:
        if reason:
            self.killed.append({"record_id": result.record_id, "limit": reason,
                                "rss_bytes": w.peak, "baseline_bytes": w.baseline,
                                "seconds": round(time.monotonic() - w.started, 3)})
        w.kill()
        result.seconds = time.monotonic() - w.started
        self.workers[self.workers.index(w)] = self._worker()
        return result

    def close(self) -> None:
        for w in self.workers:
            if w.job is not None:
                w.kill()
            else:
                w.stop()


def _exit_reason(code: Optional[int]) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


def iter_parsed(archive_dir, records: Iterable, workers: Optional[int] = None,
                loader: BodyLoader = archive_body, pool_out: Optional[list] = None
                ) -> Iterator[ParsedDoc]:
    """Parse the given records (already selected) in worker processes; results in input order.
    pool_out, when given, receives the Pool (its `killed` list says what it killed)."""
    jobs = iter(ParseJob.of(archive_dir, rec, loader) for rec in records)
    first = next(jobs, None)
    if first is None:
        return  # nothing to parse: no workers to start
    jobs = itertools.chain([first], jobs)
    pool = Pool(workers or default_workers())
    if pool_out is not None:
        pool_out.append(pool)
    window = len(pool.workers) * 4  # documents in flight or waiting to be yielded: bounded memory
    queued: deque = deque()
    done: dict[int, ParsedDoc] = {}
    taken = next_out = 0
    exhausted = False
    try:
        while True:
            while not exhausted and taken - next_out < window:
                job = next(jobs, None)
                if job is None:
                    exhausted = True
                else:
                    queued.append((taken, job))
                    taken += 1
            for w in pool.idle():
                if not queued:
                    break
                w.give(*queued.popleft())
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if exhausted and next_out == taken:
                return
            for seq, result in pool.collect():
                done[seq] = result
    finally:
        pool.close()


def _pool_context():
    """fork: workers start at once with the parser already imported and never re-import the
    caller's main module. They run only pure parsing code (no logging, no database), so locks
    copied from the parent's other threads (a Prefect engine) are never taken in a child."""
    return multiprocessing.get_context("fork")


def parse_records(archive_dir, records: Iterable, workers: Optional[int] = None,
                  known: Optional[set] = None, loader: BodyLoader = archive_body) -> list[ParsedDoc]:
    """Parse every status-200 detail/attachment body whose (URL, sha256) is not in `known`."""
    return list(iter_parsed(archive_dir, select_records(records, known), workers, loader))
