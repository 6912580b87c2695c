"""Run the mutation fuzzer over the parsers in worker processes and report what escaped.

    .venv/bin/python tests/fuzz/run_fuzz.py [--mutations 10000] [--workers 2] [--save DIR]

Each worker process parses mutations with `transforms.extract.extract` under the per-document
time limit (parse_seconds, a TimeLimit no library can catch) and an address-space limit
(RLIMIT_AS, a guard for the machine); its peak RSS is read from the kernel after every batch.
A worker that dies is reported and replaced. Every error must be an ExtractError.

Printed figures: mutations run, outcomes (parsed / refused with ExtractError / over the time
limit), escaped exceptions by type (with the seed and mutation number to replay one), the
slowest input, peak RSS of a worker. Exit status 1 when anything escaped, ran over the time
limit, or a worker's peak RSS reached --max-rss-mb.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import resource
import signal
import sys
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.fuzz.mutate import SHARED, load_seeds, mutation  # noqa: E402

BATCH = 10  # mutations per task: few round trips, little lost when a worker dies
_WRAPPED = re.compile(r"^(?:cannot read|unreadable) (\S+) \((\w+):")  # a source's library error, kept
_SEEDS: list = []


@dataclass
class Report:
    mutations: int = 0
    outcomes: Counter = field(default_factory=Counter)
    escaped: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)  # exception type -> (seed name, seed index, number, message)
    max_seconds: float = 0.0
    slowest: tuple = ()
    peak_rss_mb: float = 0.0
    by_kind: Counter = field(default_factory=Counter)
    wrapped: Counter = field(default_factory=Counter)  # library errors a source turned into ExtractError
    wall_seconds: float = 0.0

    def failed(self, max_rss_mb: float) -> bool:
        return bool(self.escaped) or self.outcomes["timeout"] > 0 or self.peak_rss_mb >= max_rss_mb

    def lines(self) -> list[str]:
        out = [f"mutations: {self.mutations} in {self.wall_seconds:.0f} s "
               f"({', '.join(f'{k} {v}' for k, v in sorted(self.by_kind.items()))})",
               f"outcomes: parsed {self.outcomes['parsed']}, refused (ExtractError) "
               f"{self.outcomes['refused']}, over the time limit {self.outcomes['timeout']}",
               "library errors refused as ExtractError: "
               + (", ".join(f"{t} {n}" for t, n in self.wrapped.most_common()) or "none"),
               f"escaped exceptions: {sum(self.escaped.values())}"
               + "".join(f"\n  {t}: {n} (e.g. {self.examples[t]})" for t, n in self.escaped.most_common()),
               f"max time per input: {self.max_seconds:.2f} s ({self.slowest[0] if self.slowest else '-'})",
               f"peak RSS per worker: {self.peak_rss_mb:.0f} MB"]
        return out


class _OverTime(BaseException):
    """The fuzzer's own timer (so that it measures other versions of the code alike)."""


def _alarm(signum, frame):
    raise _OverTime()


def _init(with_real_pdfs: bool, address_space_mb: int, code: str | None = None) -> None:
    if code:  # measure another checkout of the parsers (e.g. the code before a change)
        sys.path.insert(0, code)
    if address_space_mb:
        limit = address_space_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _SEEDS[:] = load_seeds(SHARED, with_real_pdfs)


def _batch(jobs: list[tuple[int, int]], seconds: float) -> list[tuple]:
    from transforms.errors import ExtractError
    from transforms.extract import extract

    results = []
    signal.signal(signal.SIGALRM, _alarm)
    for seed_index, number in jobs:
        raw = mutation(_SEEDS, seed_index, number)
        start = time.monotonic()
        outcome, kind, message = "parsed", None, ""
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                extract(raw)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except ExtractError as exc:
            outcome = "refused"
            wrapped = _WRAPPED.match(str(exc))
            kind = f"wrapped:{wrapped.group(2)} ({wrapped.group(1)})" if wrapped else None
        except _OverTime:
            outcome = "timeout"
        except BaseException as exc:  # what the fuzzer is looking for
            outcome, kind = "escaped", type(exc).__name__
            if "Timeout" in kind or "TimeLimit" in kind:
                outcome, kind = "timeout", None
            message = traceback.format_exception_only(type(exc), exc)[-1].strip()[:200]
        results.append((seed_index, number, outcome, kind, message, time.monotonic() - start))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [r + (rss_mb,) for r in results]


def jobs_for(seeds, mutations: int, first: int = 0) -> list[tuple[int, int]]:
    """(seed index, mutation number) pairs: round-robin over the kinds (text, html, pdf, docx,
    doc), then over the seeds of each kind, so that every kind gets its share."""
    kinds = sorted({s.kind for s in seeds})
    of_kind = {k: [i for i, s in enumerate(seeds) if s.kind == k] for k in kinds}
    out = []
    for i in range(first, first + mutations):
        group = of_kind[kinds[i % len(kinds)]]
        out.append((group[(i // len(kinds)) % len(group)], i))
    return out


def run(mutations: int, workers: int = 2, seconds: float = 120.0, with_real_pdfs: bool = True,
        address_space_mb: int = 3072, first: int = 0, progress=None, code: str | None = None) -> Report:
    seeds = load_seeds(SHARED, with_real_pdfs)
    report = Report()
    jobs = jobs_for(seeds, mutations, first)
    batches = [jobs[i:i + BATCH] for i in range(0, len(jobs), BATCH)]
    start = time.monotonic()
    pending = list(batches)
    while pending:
        # spawn: a worker imports the parsers itself (from --code when given), nothing is
        # inherited from this process.
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init,
                                   initargs=(with_real_pdfs, address_space_mb, code),
                                   mp_context=multiprocessing.get_context("spawn"))
        futures = [(b, pool.submit(_batch, b, seconds)) for b in pending]
        pending = []
        for b, fut in futures:
            try:
                results = fut.result()
            except BrokenProcessPool:  # a worker died (killed, out of memory): its batch is lost
                results = [(s, n, "escaped", "WorkerDied", "the worker process died", 0.0, 0.0) for s, n in b]
            for seed_index, number, outcome, kind, message, secs, rss in results:
                seed = seeds[seed_index]
                report.mutations += 1
                report.by_kind[seed.kind] += 1
                report.outcomes[outcome] += 1
                if kind and kind.startswith("wrapped:"):
                    report.wrapped[kind[8:]] += 1
                elif kind:
                    report.escaped[kind] += 1
                    report.examples.setdefault(kind, (seed.name, seed_index, number, message))
                if secs > report.max_seconds:
                    report.max_seconds, report.slowest = secs, (f"{seed.name} #{number}",)
                report.peak_rss_mb = max(report.peak_rss_mb, rss)
            if progress and report.mutations % 500 < BATCH:
                progress(f"{report.mutations}/{mutations} mutations, {sum(report.escaped.values())} escaped, "
                         f"peak RSS {report.peak_rss_mb:.0f} MB")
        pool.shutdown(wait=True, cancel_futures=True)
    report.wall_seconds = time.monotonic() - start
    return report


def replay(seed_index: int, number: int, out: Path) -> Path:
    """Write one mutation to a file (to run `govreports extract` on it)."""
    out.write_bytes(mutation(load_seeds(SHARED), seed_index, number))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mutations", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 2)))
    ap.add_argument("--seconds", type=float, default=None,
                    help="time limit per input (default: parse_seconds of the limits)")
    ap.add_argument("--first", type=int, default=0, help="number of the first mutation")
    ap.add_argument("--max-rss-mb", type=float, default=1024, help="fail when a worker's peak RSS reaches this")
    ap.add_argument("--address-space-mb", type=int, default=3072, help="RLIMIT_AS of a worker (0: none)")
    ap.add_argument("--code", metavar="DIR",
                    help="parse with the checkout in DIR instead of this one (for before/after figures)")
    ap.add_argument("--replay", nargs=2, type=int, metavar=("SEED", "NUMBER"),
                    help="write one mutation to fuzz-replay.bin and stop")
    args = ap.parse_args(argv)
    if args.replay:
        print(replay(*args.replay, Path("fuzz-replay.bin")))
        return 0
    from transforms.limits import DEFAULT
    seconds = args.seconds or DEFAULT.parse_seconds
    report = run(args.mutations, args.workers, seconds, address_space_mb=args.address_space_mb,
                 first=args.first, code=args.code,
                 progress=lambda m: print(f"[fuzz] {m}", file=sys.stderr, flush=True))
    print("\n".join(report.lines()))
    failed = report.failed(args.max_rss_mb)
    print("FAILED" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
