"""One crawl = one OS process (the Twisted reactor cannot be restarted).

    python -m crawler.run --archive DIR [--portal ID]... [--start-url URL]... [--years Y1-Y2]
                          [--max-pages N] [--registry PATH] [--fast]

Progress goes to stderr; at the end ONE JSON line goes to stdout:
    {"pages_fetched": n, "errors": n, "not_modified": n, "skipped_known": n, "portals": [...],
     "portal_outcomes": {id: {"status": "ok"|"failed", "pages_fetched", "errors", "error"}}, ...}
Exit 0 when the crawl ran (404s and dead hosts included), 2 when it could not start.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Iterable, Optional, Sequence

from crawler.registry import RegistryError, load_portals


def crawl_argv(archive, portals: Iterable[str] = (), start_urls: Iterable[str] = (),
               years: Optional[str] = None, fast: bool = False, max_pages: Optional[int] = None,
               registry=None) -> list[str]:
    """The argv of a crawl subprocess (with this interpreter)."""
    argv = [sys.executable, "-m", "crawler.run", "--archive", str(archive)]
    for p in portals:
        argv += ["--portal", str(p)]
    for u in start_urls:
        argv += ["--start-url", str(u)]
    if years:
        argv += ["--years", str(years)]
    if max_pages:
        argv += ["--max-pages", str(int(max_pages))]
    if registry:
        argv += ["--registry", str(registry)]
    if fast:
        argv.append("--fast")
    return argv


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__.split("\n")[0])
    ap.add_argument("--archive", required=True, help="archive directory (WARC files + index)")
    ap.add_argument("--portal", action="append", default=[], help="registry id (repeatable)")
    ap.add_argument("--start-url", action="append", default=[], help="column or home page URL")
    ap.add_argument("--years", help="statistical years to fetch, e.g. 2019-2021")
    ap.add_argument("--max-pages", type=int, help="request budget per portal")
    ap.add_argument("--registry", help="registry YAML (default: crawler/portals.yaml)")
    ap.add_argument("--fast", action="store_true",
                    help="no politeness delays (loopback tests/benchmarks); robots.txt still obeyed")
    ap.add_argument("--timeout", type=float, help="download timeout in seconds (default 30; 10 with --fast)")
    ap.add_argument("--log-level", default=None, help="Scrapy log level (default WARNING)")
    return ap


def fast_settings() -> dict:
    return {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": 32,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "RETRY_BACKOFF_BASE": 0.05,
            "RETRY_BACKOFF_MAX": 1.0, "DOWNLOAD_TIMEOUT": 10, "CRAWL_OBEY_CRAWL_DELAY": False}


def _check(args) -> Optional[str]:
    """A one-line reason the crawl cannot run, or None."""
    from transforms.years import Years
    try:
        Years.parse(args.years)
    except ValueError:
        return f"bad --years {args.years!r} (expected e.g. 2019-2021)"
    for url in args.start_url:
        if not url.startswith(("http://", "https://")):
            return f"bad --start-url {url!r} (expected an http(s) URL)"
    try:
        ids = {p.id for p in load_portals(args.registry)}
    except RegistryError as e:
        return str(e)
    unknown = [p for p in args.portal if p not in ids]
    if unknown:
        return f"unknown portal id(s): {', '.join(unknown)} (see `govreports portals`)"
    try:
        Path(args.archive).mkdir(parents=True, exist_ok=True)
        probe = Path(args.archive) / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        return f"cannot write to archive directory {args.archive}: {e.strerror}"
    return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    problem = _check(args)
    if problem:
        print(f"crawl: {problem}", file=sys.stderr)
        return 2
    if args.timeout is not None and args.timeout <= 0:
        print("crawl: --timeout must be positive", file=sys.stderr)
        return 2
    from crawler.archive import hold_writer_lock
    hold_writer_lock(args.archive)  # from the start to the process's end: see crawler.archive

    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.spiders.reports import ReportsSpider

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ARCHIVE_DIR", str(Path(args.archive).resolve()), priority="cmdline")
    if args.fast:
        settings.setdict(fast_settings(), priority="cmdline")
    fetch_seconds = _configured_fetch_seconds()
    if fetch_seconds:  # GOVREPORTS_LIMITS=fetch_seconds=N: one deadline for every download
        settings.set("DOWNLOAD_TIMEOUT", fetch_seconds, priority="cmdline")
    if args.timeout:
        settings.set("DOWNLOAD_TIMEOUT", args.timeout, priority="cmdline")
    if args.log_level:
        settings.set("LOG_LEVEL", args.log_level, priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ReportsSpider)
    process.crawl(crawler, portal=args.portal or None, start_url=args.start_url or None,
                  years=args.years, max_pages=args.max_pages, registry=args.registry)
    cpu0 = time.process_time()
    process.start()
    cpu = time.process_time() - cpu0
    stats = crawler.stats.get_stats()
    spider_portals = sorted({p for p in _portal_ids(crawler)})
    summary = {
        "pages_fetched": stats.get("crawl/pages_fetched", 0),
        "errors": stats.get("crawl/errors", 0),
        "not_modified": stats.get("crawl/not_modified", 0),
        "skipped_known": stats.get("crawl/skipped_known", 0),
        "portals": spider_portals,
        "failures_archived": stats.get("archive/failures", 0),
        "records_archived": stats.get("archive/responses", 0) + stats.get("archive/failures", 0),
        "offsite_blocked": stats.get("crawl/offsite_blocked", 0),
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "retries": stats.get("retry/count", 0),
        "finish_reason": stats.get("finish_reason"),
        "elapsed_seconds": round(stats.get("elapsed_time_seconds", 0.0), 3),
        "cpu_seconds": round(cpu, 3),
        "archive": str(Path(args.archive).resolve()),
    }
    spider = getattr(crawler, "spider", None)
    if spider is not None and hasattr(spider, "year_report"):
        summary.update(spider.year_report())
        summary["portal_outcomes"] = spider.portal_report()
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    return 0


def _configured_fetch_seconds() -> Optional[float]:
    """fetch_seconds when GOVREPORTS_LIMITS sets it (the crawl inherits a harvest's environment)."""
    from transforms.limits import DEFAULT
    spec = os.environ.get("GOVREPORTS_LIMITS", "")
    if "fetch_seconds" not in spec:
        return None
    try:
        return DEFAULT.with_overrides(spec).fetch_seconds
    except ValueError:
        return None  # the CLI refused it already; a direct crawl keeps its default


def _portal_ids(crawler) -> list[str]:
    spider = getattr(crawler, "spider", None)
    return [p.id for p in getattr(spider, "portals", [])]


if __name__ == "__main__":
    sys.exit(main())
