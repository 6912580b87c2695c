"""The parse step on Dask: one Dask task per archived page, on the cluster of prefect-dask's
DaskTaskRunner: a scheduler (`--dask tcp://HOST:8786`) or a LocalCluster (`--dask local:N`).

A page's job carries where its body is (archive location, WARC file, offset, length), so a Dask
worker on another machine reads it straight from the archive (object storage, or a path every
machine mounts) and needs no copy of the index. Results stream back in order through a bounded
window of tasks in flight; the flow process spools them and stays the warehouse's one writer.

The runner lives inside the flow run and is Prefect's; any Prefect task that reaches a Dask
worker reports to the Prefect API, and without PREFECT_API_URL every worker would start a
temporary API server of its own: this mode requires a Prefect server. A Dask worker runs tasks
in threads, where the parse timer cannot work: each thread parses in a forked process of its
own, under the same hard limits (time and memory) as the local pool (flows/parse_child.py).
"""
from __future__ import annotations

import os
from collections import deque
from typing import Iterable, Iterator, Optional

from flows.cli.options import UsageError
from flows.parse_child import parse_in_child
from flows.parse_pool import ParsedDoc, ParseJob

WINDOW_PER_WORKER = 8  # pages in flight per Dask worker: bounded memory, workers kept busy
NEEDS_SERVER = ("--dask needs a Prefect server: set PREFECT_API_URL (e.g. "
                "http://127.0.0.1:4200/api after `prefect server start`); without one every Dask "
                "worker would start a temporary API server of its own")


def check_address(address: str) -> str:
    """`local:N` or a scheduler address (tcp://HOST:PORT or HOST:PORT)."""
    address = address.strip()
    if address.startswith("local:"):
        n = address.split(":", 1)[1]
        if not n.isdigit() or int(n) < 1:
            raise UsageError(f"bad --dask {address!r}: expected local:N with N >= 1")
    elif ":" not in address.replace("tcp://", ""):
        raise UsageError(f"bad --dask {address!r}: expected a scheduler address "
                         "tcp://HOST:PORT or local:N")
    return address


def require_server() -> None:
    if not os.environ.get("PREFECT_API_URL", "").strip():
        raise UsageError(NEEDS_SERVER)


def task_runner(address: str):
    from prefect_dask import DaskTaskRunner
    _quiet()
    if address.startswith("local:"):
        n = int(address.split(":", 1)[1])
        return DaskTaskRunner(cluster_kwargs={"n_workers": n, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    return DaskTaskRunner(address=address)


def _quiet() -> None:
    """Dask's scheduler and nannies log every connection at INFO: console noise unless
    --verbose (the progress lines say what happens)."""
    import logging

    from flows.progress import verbose
    if not verbose():
        for name in ("distributed", "prefect.task_runner.dask"):
            logging.getLogger(name).setLevel(logging.WARNING)


class BodyAt:
    """A body loader for one record: reads its WARC member at a known place (picklable)."""

    def __init__(self, location: str, warc_file: Optional[str], offset: Optional[int],
                 length: Optional[int]):
        self.location, self.warc_file, self.offset, self.length = location, warc_file, offset, length

    def __call__(self, archive_dir, record_id) -> Optional[bytes]:
        if self.warc_file is None:
            return None
        from crawler.storage import read_body_at
        return read_body_at(self.location, self.warc_file, self.offset, self.length)


def page_job(location: str, rec) -> ParseJob:
    length = getattr(rec, "warc_length", None)
    return ParseJob.of(location, rec, BodyAt(location, rec.warc_file, rec.warc_offset, length))


def iter_parsed_on_dask(location: str, records: Iterable, address: str) -> Iterator[ParsedDoc]:
    """Parse the given (already selected) records on Dask, in order; a task that failed (a
    worker lost, say) yields the page's error with retry set, so the next run tries again."""
    with task_runner(address) as runner:
        workers = max(1, len(runner.client.scheduler_info(n_workers=-1).get("workers") or {}))
        window = workers * WINDOW_PER_WORKER
        pending: deque = deque()
        for rec in records:
            job = page_job(location, rec)
            pending.append((job, _submit(runner.client, job)))
            while len(pending) >= window:
                yield _result(*pending.popleft())
        while pending:
            yield _result(*pending.popleft())


def _submit(client, job: ParseJob):
    """A page is a plain Dask task (parse_in_child), not a Prefect task run: a task run costs about
    a second of API traffic on a small box, five times the parse of a page (measured by
    tests/bench/bench_cluster.py). The step around them is the flow's Prefect task."""
    return client.submit(parse_in_child, job, pure=False)


def _result(job: ParseJob, future) -> ParsedDoc:
    try:
        return future.result()
    except Exception as exc:  # the task did not run to its end: not the page's fault
        return job.failed(f"parse task failed on Dask: {type(exc).__name__}: {exc}", retry=True)
