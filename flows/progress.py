"""What a run tells people: progress lines on stderr, --verbose, and seconds per step."""
from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager

VERBOSE_ENV = "GOVREPORTS_VERBOSE"  # set by --verbose; inherited by flow runs and crawlers


def set_verbose(on: bool) -> None:
    if on:
        os.environ[VERBOSE_ENV] = "1"


def verbose() -> bool:
    """--verbose: the crawlers' own log lines (Scrapy's, tracebacks included) go to stderr too."""
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0")


def say(message: str) -> None:
    """Progress for humans: stderr, one line, flushed (stdout stays for results)."""
    print(message, file=sys.stderr, flush=True)


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
