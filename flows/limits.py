"""The limits on one source in this process, and the timer that enforces the time ones.

Defaults are transforms' (transforms/rules/limits.yaml); GOVREPORTS_LIMITS overrides any of
them, e.g. GOVREPORTS_LIMITS="pdf_max_pages=300,parse_seconds=60,zip_max_part_bytes=64M".
Parse workers inherit the environment, so a harvest and `extract` obey the same values.
"""
from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from functools import lru_cache

from transforms.errors import TimeLimit
from transforms.limits import DEFAULT, Limits

ENV = "GOVREPORTS_LIMITS"


@lru_cache(maxsize=None)
def _parsed(spec: str) -> Limits:
    return DEFAULT.with_overrides(spec)


def configured() -> Limits:
    """The limits for this process (raises ExtractError naming a bad GOVREPORTS_LIMITS entry)."""
    return _parsed(os.environ.get(ENV, ""))


def can_interrupt() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")


@contextmanager
def time_limit(seconds: float):
    """Raise TimeLimit in this thread after `seconds` (main thread with SIGALRM only; elsewhere
    the caller's own deadline checks are the bound). TimeLimit is a BaseException: library code
    that catches Exception cannot swallow it."""
    if not can_interrupt() or seconds <= 0:
        yield
        return

    def on_alarm(signum, frame):
        raise TimeLimit(seconds)

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
