"""Pages parsed under the hard limits on a Dask worker, whose tasks run in threads where the
parse timer cannot work.

Each worker thread keeps one parse process of its own (the local pool's worker, watched the same
way: past parse_seconds plus grace, or past the memory budget, it is killed and replaced and the
page refused with the limit named). It is made by os.fork, not multiprocessing: a Dask worker is
a daemonic process, which multiprocessing forbids to start children. Kept across tasks, the
process stays warm: a fresh fork per page cost about 25 ms more per page, this about 2 ms.
"""
from __future__ import annotations

import threading

from flows.parse_pool import ParsedDoc, ParseJob, Pool

_local = threading.local()


class _ThreadPool:
    """A thread's parse process; stopped when the thread ends (its thread-local goes)."""

    def __init__(self):
        self.pool = Pool(1, forked=True)

    def __del__(self):
        self.pool.close()


def parse_in_child(job: ParseJob) -> ParsedDoc:
    """Parse one page in this thread's parse process, within the hard limits; never raises."""
    held = getattr(_local, "held", None)
    if held is None:
        held = _local.held = _ThreadPool()
    return held.pool.parse(job)
