"""Benchmark: pages per second of the full `extract` parse next to trafilatura's extract alone.

Not a test: prints numbers. Both run in this process on the same realistic pages (the seeds
wrapped in the portal page templates, plus generated 2019/2021 template reports), alternating
rounds so machine noise hits both alike; the ratio is what to read.

    .venv/bin/python tests/bench/bench_extract.py [--rounds 5]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402

from sampleportal import page_templates  # noqa: E402
from transforms.extract import extract  # noqa: E402

SHARED = REPO.parent / "shared"
STYLES = ["trs", "hanweb", "guangdong", "generic", "shop_spam", "gambling_mirror"]


def realistic_pages() -> list[bytes]:
    pages = []
    for seed in sorted((SHARED / "seeds").glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        title = next((x.strip() for x in text.splitlines() if "报告" in x or "報告" in x), "年度报告")
        body = page_templates.text_to_body_html(text)
        for style in STYLES:
            enc = "gb18030" if style == "trs" else "utf-8"
            pages.append(page_templates.render_detail_page(title, body, style=style, encoding=enc))
    try:
        from sampleportal import template_reports as tr
        for i, fmt in enumerate(["2019", "2021"] * 5):
            report, _truth = tr.make_template_report(fmt, 2019 + i % 6, f"测试市第{i}区人民政府", seed=i)
            body = tr.render_html_tables(report)
            pages.append(page_templates.render_detail_page(f"{2019 + i % 6}年政府信息公开工作年度报告", body,
                                                           style=STYLES[i % 4], encoding="utf-8"))
    except (ImportError, AttributeError, TypeError) as e:
        print(f"(template reports left out: {e})")
    return pages


def time_round(fn, pages) -> float:
    t0 = time.perf_counter()
    for raw in pages:
        fn(raw)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    pages = realistic_pages()
    mb = sum(map(len, pages)) / 1e6
    ours = lambda raw: extract(raw)  # noqa: E731
    theirs = lambda raw: trafilatura.extract(raw, include_tables=True)  # noqa: E731
    time_round(ours, pages[:5])  # warm-up: imports, OpenCC dictionaries, lxml
    time_round(theirs, pages[:5])
    t_ours, t_theirs, ratios = [], [], []
    for _ in range(a.rounds):
        a_s = time_round(ours, pages)
        b_s = time_round(theirs, pages)
        t_ours.append(a_s)
        t_theirs.append(b_s)
        ratios.append(a_s / b_s)
    n = len(pages)
    print(f"pages={n} ({mb:.1f} MB) rounds={a.rounds}")
    print(f"govreports extract : {n / statistics.median(t_ours):8.1f} pages/s (median)")
    print(f"trafilatura alone  : {n / statistics.median(t_theirs):8.1f} pages/s (median)")
    print(f"cost ratio extract/trafilatura: median {statistics.median(ratios):.2f} "
          f"(min {min(ratios):.2f}, max {max(ratios):.2f}); target <= 2.50")


if __name__ == "__main__":
    main()
