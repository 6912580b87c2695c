"""Benchmark: `govreports report` (the static site) on the warehouse of the 2,000-report benchmark
network (tests/bench/bench_e2e.py: same portals, same reports, harvested by the real flow).

Not a test: prints numbers. Target: the site builds in under a minute at 2,000 reports. The
harvest that makes the warehouse is timed too, for scale; the site is built twice (the second
time rebuilds the folder in place, as a nightly job would).

    .venv/bin/python tests/bench/bench_site.py                        # 2,000 reports, 200 portals
    .venv/bin/python tests/bench/bench_site.py --portals 20 --reports 200
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_e2e import ServedNetwork, end_to_end  # noqa: E402

TARGET_SECONDS = 60.0


def _cpu() -> float:
    """User + system seconds of this process and of its children that have ended."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--portals", type=int, default=200)
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2, help="parser processes of the harvest")
    args = ap.parse_args()
    from flows.cli.report import write_report
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        base = Path(tmp)
        with ServedNetwork(args.portals, args.reports, base) as net:
            harvest = end_to_end(net, base, args.workers)
        db, archive = base / "e2e.duckdb", base / "e2e-archive"
        runs, steps, cpu = [], [], []
        for _ in range(2):
            t0, c0 = time.perf_counter(), _cpu()
            result = write_report(db, base / "site", archive)
            runs.append(time.perf_counter() - t0)
            cpu.append(_cpu() - c0)
            steps.append(result["timings"])
        pages = sum(1 for _ in (base / "site").rglob("*.html"))
        size = sum(p.stat().st_size for p in (base / "site").rglob("*") if p.is_file()) / 1e6
    best = min(runs)
    print(f"site for {result['reports']} reports ({result['publishers']} publishers, "
          f"{result['charts']} charts, {result['archived']} archived copies, {pages} HTML pages, "
          f"{size:.0f} MB): {runs[0]:.1f}s, rebuilt in place {runs[1]:.1f}s "
          f"({'under' if best < TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS:.0f}s target); "
          f"{result['reports'] / best:.0f} reports/s")
    print(f"  CPU time {cpu[0]:.1f}s, rebuilt {cpu[1]:.1f}s (this process and its workers; the wall "
          f"clock above also depends on what else the machine runs: load average {os.getloadavg()[0]:.1f})")
    print(f"  steps (s): {steps[0]}; rebuilt: {steps[1]}")
    print(f"  for scale: the harvest of that network took {harvest['seconds']:.1f}s "
          f"(status {harvest['result'].get('status')}, {harvest['result'].get('reports_total')} reports)")
    return 0 if harvest["result"].get("status") == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
