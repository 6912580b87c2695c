"""Run one crawl as a child process (Twisted's reactor cannot restart inside one process).

Plain functions, no Prefect: the flows wrap them in tasks with retries. The crawler dies with
the process that started it, even on SIGKILL (flows.children), and holds the archive's writer
lock while it runs (crawler.archive.ArchiveWriter), so a rerun never finds a second writer.
"""
from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Optional


class CrawlFailed(RuntimeError):
    """The crawler could not run (non-zero exit or no summary line)."""


def crawl_command(archive: str | Path, portals=(), start_urls=(), years: Optional[str] = None,
                  fast: bool = False, max_pages: Optional[int] = None,
                  registry: str | Path | None = None) -> list[str]:
    """The argv of `python -m crawler.run` for one crawl."""
    from crawler.run import crawl_argv
    return crawl_argv(str(archive), portals=tuple(portals), start_urls=tuple(start_urls),
                      years=years, fast=fast, max_pages=max_pages, registry=registry)


def run_crawl(argv: list[str], on_progress: Callable[[str], None] | None = None,
              timeout: float | None = None, verbose: bool = False) -> dict:
    """Run the crawler, pass its progress lines to `on_progress` (every stderr line, Scrapy's
    log and tracebacks included, when verbose), return its JSON summary."""
    from flows import children
    # Its own process group: a Ctrl-C at the terminal is the run's to handle (it kills this).
    proc = children.popen(argv, start_new_session=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace")
    tail: list[str] = []
    reader = threading.Thread(target=_pump, args=(proc.stderr, on_progress, tail, verbose),
                              daemon=True)
    reader.start()
    expired = threading.Event()

    def kill() -> None:
        expired.set()
        proc.kill()

    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.daemon = True
        timer.start()
    try:
        out = proc.stdout.read()  # stderr belongs to the reader thread
        proc.wait()
    finally:
        if timer:
            timer.cancel()
    reader.join(timeout=5)
    if expired.is_set():
        raise CrawlFailed(f"crawl timed out after {timeout:.0f}s")
    summary = _last_json_line(out)
    if proc.returncode != 0 or summary is None:
        reason = tail[-1] if tail else f"exit status {proc.returncode}"
        raise CrawlFailed(f"crawler failed (exit {proc.returncode}): {reason}")
    return summary


STRAY_WRITER_WAIT = 10.0  # seconds a killed run's crawler may take to die before we refuse


def ensure_no_stray_writer(archive: str | Path, wait: float = STRAY_WRITER_WAIT) -> None:
    """Before a run writes the archive (we hold its run lock): no crawler of an earlier run may
    still be writing it. One whose run was killed dies with it within moments (flows.children);
    one that does not makes this run refuse rather than become a second writer."""
    from crawler.archive import writers_active
    from flows.locks import HarvestBusy
    deadline = time.monotonic() + wait
    while writers_active(archive):
        if time.monotonic() >= deadline:
            raise HarvestBusy(f"a crawler of another run is still writing the archive {archive}; "
                              "try again when it has finished")
        time.sleep(0.1)


PROGRESS_PREFIX = "[crawl]"  # the crawler's own progress lines (crawler/middlewares.py)


def _pump(stream, on_progress, tail: list[str], verbose: bool = False) -> None:
    """Scrapy's own log (a network failure is a traceback of dozens of lines) stays out of the
    console unless verbose: each portal's failure is reported in one line from the summary."""
    for line in stream:
        line = line.rstrip()
        if not line:
            continue
        tail.append(line)
        del tail[:-20]
        if on_progress and (verbose or line.startswith(PROGRESS_PREFIX)):
            on_progress(line)


def _last_json_line(out: str) -> dict | None:
    for line in reversed(out.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None
