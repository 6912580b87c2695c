"""Plain-function steps of the flows (no Prefect here, so each is testable alone).

A run: lock the archive -> open a run row -> crawl targets -> parse/dedupe/load -> close the
run row -> publish the read snapshot. The flows in flows/harvest.py only add tasks, retries
and parallelism around these.
"""
from __future__ import annotations

import fcntl
import math
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional


class HarvestBusy(RuntimeError):
    """Another harvest, backfill or reprocess is using the same archive."""


class HarvestFailed(RuntimeError):
    """Every portal of a run failed. Raised after the run is recorded, so the flow run ends
    Failed; `result` is the run's summary (what a completed run returns)."""

    def __init__(self, result: dict):
        failed = [p for p in result.get("portals") or [] if p["status"] != "ok"]
        first = f": {failed[0]['portal_id']}: {failed[0]['error']}" if failed else ""
        super().__init__(f"every portal failed ({len(failed)}){first}")
        self.result = result


VERBOSE_ENV = "GOVREPORTS_VERBOSE"  # set by --verbose; inherited by flow runs and crawlers


def set_verbose(on: bool) -> None:
    if on:
        os.environ[VERBOSE_ENV] = "1"


def verbose() -> bool:
    """--verbose: the crawlers' own log lines (Scrapy's, tracebacks included) go to stderr too."""
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0")


def run_status(portal_statuses: list[str]) -> str:
    """ok when every portal was crawled, failed when none was, partial in between."""
    failed = sum(1 for s in portal_statuses if s != "ok")
    if not failed:
        return "ok"
    return "failed" if failed == len(portal_statuses) else "partial"


@dataclass
class CrawlTarget:
    """What one crawler process gets: some registry portals, or some start URLs."""
    label: str
    portals: list[str] = field(default_factory=list)
    start_urls: list[str] = field(default_factory=list)


def say(message: str) -> None:
    """Progress for humans: stderr, one line, flushed (stdout stays for results)."""
    print(message, file=sys.stderr, flush=True)


@contextmanager
def archive_lock(archive: str | Path):
    """Exclusive use of an archive for one run. The kernel drops the lock if we die."""
    archive = Path(archive)
    archive.mkdir(parents=True, exist_ok=True)
    fd = os.open(archive / ".run.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        os.close(fd)
        raise HarvestBusy(f"another run is using the archive {archive} ({holder or 'unknown'}); "
                          "try again when it has finished") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _holder_if_locked(lock_file: Path) -> str | None:
    """Who holds a lock file (its text), or None when nobody does. Takes nothing."""
    if not lock_file.exists():
        return None
    fd = os.open(lock_file, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
    finally:
        os.close(fd)  # closing drops a lock we may have taken
    return None


def ensure_idle(db: str | Path, archive: str | Path) -> None:
    """Refuse at once (before starting Prefect) when another run holds the archive or the
    warehouse; the flow takes the locks for real, this only gives a quick clear answer."""
    for lock_file, what in ((Path(archive) / ".run.lock", f"the archive {archive}"),
                            (Path(str(db) + ".lock"), f"the warehouse {db}")):
        holder = _holder_if_locked(lock_file)
        if holder:
            raise HarvestBusy(f"another harvest is running on {what} ({holder}); "
                              "try again when it has finished")


def plan_targets(portals: list[str], start_urls: list[str], processes: int) -> list[CrawlTarget]:
    """Split the work into at most `processes` crawler processes of similar size.

    One process per portal would pay Scrapy's start-up hundreds of times on a big registry;
    groups keep that cost fixed, and a group that fails is re-run one portal at a time
    (see split_target) so one bad portal cannot take the others down.
    """
    units = [CrawlTarget(p, portals=[p]) for p in portals]
    units += [CrawlTarget(u, start_urls=[u]) for u in start_urls]
    if not units:
        return []
    size = max(1, math.ceil(len(units) / max(1, processes)))
    targets = []
    for i in range(0, len(units), size):
        chunk = units[i:i + size]
        label = chunk[0].label if len(chunk) == 1 else f"{chunk[0].label} +{len(chunk) - 1}"
        targets.append(CrawlTarget(label, [p for c in chunk for p in c.portals],
                                   [u for c in chunk for u in c.start_urls]))
    return targets


def target_portal_ids(target: CrawlTarget, registry: str | Path | None = None) -> list[str]:
    """The portal ids the crawler gives a target: its registry ids, and for a start URL the
    registry portal that allows it or else its host (as crawler.spiders.reports does)."""
    from urllib.parse import urlsplit

    from crawler.registry import load_portals
    known = load_portals(registry) if target.start_urls else []
    ids = list(target.portals)
    for url in target.start_urls:
        owner = next((p.id for p in known if p.allows(url)), None)
        ids.append(owner or urlsplit(url).netloc or url)
    return ids


def split_target(target: CrawlTarget) -> list[CrawlTarget]:
    return ([CrawlTarget(p, portals=[p]) for p in target.portals]
            + [CrawlTarget(u, start_urls=[u]) for u in target.start_urls])


def process(archive: str | Path, warehouse, run_id: str, years: Optional[tuple[int, int]],
            workers: Optional[int], reparse: bool, registry: str | Path | None = None,
            progress: Callable[[str], None] | None = None, loader=None, parser=None) -> dict:
    """Parse what is new in the archive, dedupe, load into the open warehouse, publish."""
    from crawler.registry import load_portals
    from flows.pipeline import process_archive
    year_list = None if years is None else list(range(years[0], years[1] + 1))
    portals = load_portals(registry)
    counts = process_archive(str(archive), warehouse, run_id, years=year_list, workers=workers,
                             reparse=reparse, progress=progress, portals=portals,
                             loader=loader, parser=parser)
    warehouse.refresh_reference(registry_rows(portals))
    return counts


def registry_rows(portals) -> list[dict]:
    """The registry as the warehouse's `portals` table holds it (the report site reads it)."""
    return [{"portal_id": p.id, "name": p.name, "region": p.region, "region_code": p.region_code,
             "level": p.level, "expected_years": p.expected_years} for p in portals]


class Timer:
    """Wall-clock seconds per named step, for the runs table and the benchmark."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def step(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - t0, 3)
