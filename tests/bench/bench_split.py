"""Benchmark: how long reading a template table takes when every row's cells ran together.

Not a test: prints numbers. Synthetic 2021 (and 2019) reports are printed with no separator at all
(each row "label" + "801000081"..., all on one line, as the text archives of real portals keep
them), the figures scaled up to city sizes too (×37, ×1013: the template's sums still hold), and
the three tables are read back with metrics/template_stream.py. The target is a whole table in
well under 100 ms; the slowest table and the slowest single row are printed with the medians.

    .venv/bin/python tests/bench/bench_split.py [--reports 20]
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sampleportal.template_reports import make_template_report, render_row_text  # noqa: E402
from transforms.metrics import digit_runs  # noqa: E402
from transforms.metrics.template import RULES  # noqa: E402
from transforms.metrics.template_stream import ROW_SUM, stream_metrics  # noqa: E402

SEP = "\x00"
_VALUE = re.compile(r"^[+\-]?\d+$")


def run_together(fmt: str, seed: int, scale: int) -> tuple[str, list[str]]:
    """The report as one line with every table cell run into the next, figures × scale; and the
    runs of table 三's rows."""
    report, _ = make_template_report(fmt, int(fmt), "测试市人民政府", seed)
    out, runs = [], []
    for line in render_row_text(report, sep=SEP).splitlines():
        cells = line.split(SEP)
        values = [c for c in cells if _VALUE.match(c)]
        if len(values) == 7:
            runs.append("".join(str(int(v) * scale) for v in values))
        out.append("".join(str(int(c) * scale) if _VALUE.match(c) and len(values) in (7, 15) else c
                           for c in cells))
    return "".join(out), runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=20)
    a = ap.parse_args()
    stream_metrics(*(run_together("2021", 0, 1)[:1], RULES["2021"]))  # warm-up: imports, rules
    for fmt in ("2021", "2019"):
        for scale in (1, 37, 1013):
            times, rows, lengths, read = [], [], [], 0
            for seed in range(a.reports):
                text, runs = run_together(fmt, seed, scale)
                t0 = time.perf_counter()
                found = stream_metrics([text], RULES[fmt])
                times.append(time.perf_counter() - t0)
                read += sum(1 for m in found if m.dimension and not m.withheld)
                for run in runs:
                    t0 = time.perf_counter()
                    digit_runs.splits(digit_runs.chunks(run), 7, ROW_SUM)
                    rows.append(time.perf_counter() - t0)
                    lengths.append(len(run))
            n_rows = len(rows) // a.reports
            print(f"{fmt} template, figures x{scale}: {a.reports} reports, {n_rows} request rows each, "
                  f"runs of {min(lengths)}-{max(lengths)} digits; request values read "
                  f"{read / a.reports:.0f} per report")
            print(f"    whole page (tables 二, 三, 四): median {1000 * statistics.median(times):6.1f} ms, "
                  f"max {1000 * max(times):6.1f} ms   (target: well under 100 ms)")
            print(f"    one request row            : median {1000 * statistics.median(rows):6.2f} ms, "
                  f"max {1000 * max(rows):6.2f} ms")


if __name__ == "__main__":
    main()
