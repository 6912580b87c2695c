"""Benchmark: pages/second of our crawl of the sample portal next to a bare Scrapy spider.

Not a test: prints numbers. Each round starts the sample portal (slow page off), runs our crawl
(`python -m crawler.run --fast`: discovery, robots.txt, archive, ledger), takes the list of URLs
it fetched from the archive, and has a bare spider (no discovery, no archive, no robots, same
concurrency) fetch exactly those URLs. Time is Scrapy's own elapsed_time_seconds, so interpreter
start-up is left out of both. The ratio ours/bare is what to read (target >= 0.7).

    .venv/bin/python tests/bench/bench_crawl.py [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def bare_crawl(url_file: str) -> dict:
    """Fetch the listed URLs with a plain spider; print {"pages", "elapsed_seconds"}."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler.run import fast_settings

    urls = json.loads(Path(url_file).read_text())

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):
            for method, url, form in urls:
                if method == "POST":
                    yield scrapy.FormRequest(url, formdata=form, dont_filter=True)
                else:
                    yield scrapy.Request(url, dont_filter=True)

        def parse(self, response):
            return None

    settings = {**fast_settings(), "LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False,
                "HTTPERROR_ALLOW_ALL": True, "RETRY_ENABLED": False}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Bare)
    process.crawl(crawler)
    cpu0 = time.process_time()
    process.start()
    stats = crawler.stats.get_stats()
    out = {"pages": stats.get("response_received_count", 0),
           "elapsed_seconds": stats.get("elapsed_time_seconds", 0.0),
           "cpu_seconds": time.process_time() - cpu0}
    print(json.dumps(out))
    return out


def one_round(workdir: Path, scale: int) -> tuple[float, float, float, float, int]:
    from crawler.archive import iter_records
    from crawler.run import crawl_argv
    from sampleportal.server import start_sample_portal

    archive = workdir / "archive"
    with start_sample_portal(delays=False, scale=scale) as portal:
        argv = crawl_argv(archive, portals=portal.portal_ids, fast=True, registry=portal.registry_path)
        ours = json.loads(subprocess.run(argv, capture_output=True, text=True, check=True,
                                         cwd=REPO).stdout.strip().splitlines()[-1])
        records = [r for r in iter_records(archive) if r.status is not None]
        urls = [["POST" if "dataproxy.jsp" in r.url and "startrecord" in r.url else "GET",
                 r.final_url or r.url, _form(r.url)] for r in records]
        url_file = workdir / "urls.json"
        url_file.write_text(json.dumps(urls))
        bare = json.loads(subprocess.run([sys.executable, __file__, "--bare", str(url_file)],
                                         capture_output=True, text=True, check=True,
                                         cwd=REPO).stdout.strip().splitlines()[-1])
    n = len(records)
    return (n / max(ours["elapsed_seconds"], 1e-6), bare["pages"] / max(bare["elapsed_seconds"], 1e-6),
            n / max(ours["cpu_seconds"], 1e-6), bare["pages"] / max(bare["cpu_seconds"], 1e-6), n)


def _form(url: str) -> dict:
    # The Hanweb proxy needs its column form; the sample portal's column ids are fixed.
    return {"columnid": "1229", "unitid": "4821"} if "dataproxy.jsp" in url else {}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scale", type=int, default=20,
                    help="extra departments per site (each adds 5 reports per site)")
    ap.add_argument("--bare", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare:
        bare_crawl(args.bare)
        return 0
    rows = []
    for i in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            *rates, n = one_round(Path(tmp), args.scale)
        rows.append(rates)
        print(f"round {i + 1}: {n} fetches; wall ours {rates[0]:.1f} / bare {rates[1]:.1f} pages/s; "
              f"cpu ours {rates[2]:.1f} / bare {rates[3]:.1f} pages per cpu-second", flush=True)
    med = [statistics.median(r[k] for r in rows) for k in range(4)]
    ratios = [statistics.median(r[0] / r[1] for r in rows), statistics.median(r[2] / r[3] for r in rows)]
    print(f"crawl: ours {med[0]:.1f} pages/s, bare scrapy {med[1]:.1f} pages/s, "
          f"ratio {ratios[0]:.2f} (target >= 0.70)")
    print(f"crawl cpu: ours {med[2]:.1f}, bare {med[3]:.1f} pages per cpu-second, ratio {ratios[1]:.2f} "
          "(less sensitive to a busy machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
