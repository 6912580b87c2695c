"""The `govreports` command line: its options. Each subcommand's handler lives in its own
module of this package (commands.py dispatches; extract, demo, serve, export and report)."""
from __future__ import annotations

import argparse
import sys

from flows.paths import DEFAULT_ARCHIVE, DEFAULT_DB

DEMO_DIR = "data/demo"  # the demo's own folder: sample figures never mix with a real harvest
DEMO_DB = f"{DEMO_DIR}/warehouse.duckdb"

EPILOG = """examples:
  govreports demo                                   crawl the bundled sample portal, print a summary
  govreports harvest --portal hz-xihu --years 2019-2023
  govreports sql "SELECT publisher, year, copies FROM reports ORDER BY year"
  govreports export out/ --format parquet           every table and view as a file
  govreports serve                                  nightly deployment on a Prefect server
  govreports report --open                          the report site: coverage, trends, evidence
  govreports harvest --archive s3://bucket/archive --pool crawlers --dask tcp://HOST:8786
                                                    past one machine (README "Running on a cluster")
"""


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (usage is one --help away)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_crawl_options(p: argparse.ArgumentParser, years_required: bool = False) -> None:
    p.add_argument("--portal", action="append", default=[], metavar="ID",
                   help="registry id of a portal to crawl (repeatable; see `govreports portals`)")
    p.add_argument("--start-url", action="append", default=[], metavar="URL",
                   help="a portal's annual-report column or home page (repeatable)")
    p.add_argument("--years", required=years_required, metavar="Y1-Y2",
                   help="keep only reports for these statistical years, e.g. 2019-2023"
                        + (" (required)" if years_required else ""))
    _add_store_options(p, "portal registry YAML (default: the shipped crawler/portals.yaml)")
    p.add_argument("--max-pages", type=int, metavar="N", help="request budget per portal")
    p.add_argument("--fast", action="store_true",
                   help="no politeness delays: for portals on 127.0.0.1 only")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="show Prefect's own logs and the crawlers' full log (Scrapy's "
                        "tracebacks included; by default a failed portal is one line)")
    _add_cluster_options(p, pool=True)


def _add_store_options(p: argparse.ArgumentParser, registry_help: str) -> None:
    """Where a run reads and writes, and how many parser processes it uses."""
    p.add_argument("--db", default=DEFAULT_DB, metavar="PATH",
                   help=f"warehouse file (default {DEFAULT_DB})")
    p.add_argument("--archive", default=DEFAULT_ARCHIVE, metavar="DIR|s3://BUCKET/PREFIX",
                   help=f"raw-page archive: a directory (default {DEFAULT_ARCHIVE}/) or object storage")
    p.add_argument("--registry", metavar="PATH", help=registry_help)
    p.add_argument("--workers", type=int, metavar="N",
                   help="parser processes (default: number of CPUs, at most 4)")


def _add_cluster_options(p: argparse.ArgumentParser, pool: bool) -> None:
    """Past one machine (README "Running on a cluster"); --archive also takes s3://BUCKET/PREFIX."""
    p.add_argument("--dask", metavar="ADDRESS",
                   help="parse on Dask: a scheduler address (tcp://HOST:8786) or local:N for a "
                        "local cluster of N workers; needs a Prefect server (PREFECT_API_URL)")
    if pool:
        p.add_argument("--pool", metavar="NAME",
                       help="run the crawls on the work pool NAME (see `govreports deploy-crawl`)")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="govreports", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Harvest 政府信息公开工作年度报告 from government portals into a DuckDB warehouse.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    e = sub.add_parser("extract", help="parse pages (files or URLs) without crawling",
                       description="Parse one or more pages: HTML, PDF, DOCX, DOC or plain text files, "
                                   "or http(s) URLs. Prints one JSON object per source with --json.")
    e.add_argument("sources", nargs="+", metavar="SOURCE")
    e.add_argument("--url", help="the page's original address (with a single file)")
    e.add_argument("--json", action="store_true", help="print the JSON document, one per line")

    h = sub.add_parser("harvest", help="crawl portals, parse, dedupe and load (a Prefect flow)",
                       description="Crawl the given portals or start URLs (every registry portal "
                                   "when none is given), archive every page fetched, parse the "
                                   "annual reports found, merge copies of the same report and "
                                   "load the warehouse. Runs as a Prefect flow on a temporary "
                                   "local API unless PREFECT_API_URL points to a server.")
    _add_crawl_options(h)

    b = sub.add_parser("backfill", help="harvest past years (follows listings deep enough)",
                       description="The harvest pipeline for past statistical years: listings "
                                   "are followed as deep as needed to reach the oldest year.")
    _add_crawl_options(b, years_required=True)

    r = sub.add_parser("reprocess", help="re-parse the archive with the current code; no fetching",
                       description="Re-parse every archived raw page with the current parsers and "
                                   "reload the warehouse. Nothing is fetched.")
    _add_store_options(r, "portal registry YAML whose hosts count as the portals' own")
    r.add_argument("--verbose", "-v", action="store_true", help="show Prefect's own logs")
    _add_cluster_options(r, pool=False)

    dc = sub.add_parser("deploy-crawl", help="register the crawl deployment on a Prefect work pool",
                        description="Create the process work pool NAME (when missing), register "
                                    "the deployment crawl-portals/NAME on it and one global "
                                    "concurrency limit per portal host (politeness across "
                                    "machines). Then `prefect worker start --pool NAME` on any "
                                    "machine runs the crawls of `harvest --pool NAME`.")
    dc.add_argument("--pool", required=True, metavar="NAME", help="work pool name")
    dc.add_argument("--registry", metavar="PATH", help="portal registry YAML (its hosts' limits)")
    dc.add_argument("--host-slots", type=int, default=1, metavar="N",
                    help="crawls of one host at once across all machines (default 1)")
    dc.add_argument("--api-url", metavar="URL",
                    help="Prefect API (default: $PREFECT_API_URL, e.g. http://127.0.0.1:4200/api)")

    q = sub.add_parser("sql", help="run a read-only SQL query on the warehouse",
                       description="Run one read-only SQL query on the last published state of "
                                   "the warehouse (works while a harvest is running). Tables: "
                                   "pages, documents, reports, metrics, checks, runs, run_portals; views "
                                   "metrics_wide, report_copies.")
    q.add_argument("query", metavar="QUERY")
    q.add_argument("--db", default=DEFAULT_DB, metavar="PATH",
                   help=f"warehouse file (default {DEFAULT_DB})")
    q.add_argument("--format", default="table", choices=("table", "csv", "json"),
                   help="output format (default table)")
    q.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="stop a query running longer than this (default 60)")
    q.add_argument("--max-rows", type=int, metavar="N",
                   help="refuse a result of more rows than this (default 100000)")

    x = sub.add_parser("export", help="write every table and view to Parquet or CSV files",
                       description="Write every table and view of the last published state of "
                                   "the warehouse (the snapshot `sql` reads; works while a "
                                   "harvest is running) into DIR, one file each: "
                                   "DIR/reports.parquet, DIR/metrics.parquet, ... Existing files "
                                   "of the same names are replaced.")
    x.add_argument("dir", metavar="DIR", help="output directory (created if missing)")
    x.add_argument("--format", default="parquet", choices=("parquet", "csv"),
                   help="file format (default parquet)")
    x.add_argument("--db", default=DEFAULT_DB, metavar="PATH",
                   help=f"warehouse file (default {DEFAULT_DB})")

    d = sub.add_parser("demo", help="harvest the bundled sample portal and print a summary",
                       description="Start the bundled sample portal on 127.0.0.1, harvest it end "
                                   "to end with the real flow, then print what was found and "
                                   "three example `govreports sql` queries with their output. "
                                   f"Everything it writes stays in {DEMO_DIR}/: the warehouse "
                                   f"{DEMO_DB} (and its .snapshot), the archive "
                                   f"{DEMO_DIR}/archive/ and Prefect's state {DEMO_DIR}/.prefect/; "
                                   "the sample figures never mix with a real harvest's "
                                   f"{DEFAULT_DB}.")
    d.add_argument("--db", default=DEMO_DB, metavar="PATH",
                   help=f"warehouse file (default {DEMO_DB}: the demo's own folder, apart "
                        f"from a harvest's {DEFAULT_DB})")
    d.add_argument("--archive", metavar="DIR",
                   help="archive directory (default: archive/ beside the warehouse, so "
                        f"{DEMO_DIR}/archive/ by default)")
    d.add_argument("--port", type=int, default=0, metavar="N",
                   help="port of the sample portal (default 8731, or a free one when busy)")
    d.add_argument("--verbose", "-v", action="store_true", help="show Prefect's own logs")

    rp = sub.add_parser("report", help="write the static report site (coverage, trends, evidence)",
                        description="Write a static HTML site from the published snapshot: a "
                                    "coverage matrix (publisher x year), trend charts, one page per "
                                    "report with every figure's evidence, checks and withheld values, "
                                    "and the metric dictionary. It opens from file:// and loads "
                                    "nothing from the network.")
    rp.add_argument("--db", default=DEFAULT_DB, metavar="PATH",
                    help=f"warehouse file (default {DEFAULT_DB})")
    rp.add_argument("--out", metavar="DIR", help="site folder (default: site/ beside the warehouse)")
    rp.add_argument("--archive", metavar="DIR",
                    help="archive to copy each report's archived page from (default: archive/ "
                         "beside the warehouse; skipped when absent)")
    rp.add_argument("--open", action="store_true", help="open the site in a browser when written")

    s = sub.add_parser("serve", help="serve the nightly and backfill deployments on a Prefect server",
                       description="Register two deployments on the Prefect server at "
                                   "PREFECT_API_URL and run their flows until interrupted: "
                                   "`harvest/nightly` on a cron schedule and `backfill/backfill` "
                                   "for on-demand runs (prefect deployment run backfill/backfill "
                                   "--param years=2015-2018). Start the server first with "
                                   "`prefect server start`.")
    s.add_argument("--cron", default="0 2 * * *",
                   help="schedule of the nightly harvest (default '0 2 * * *')")
    s.add_argument("--timezone", default="Asia/Shanghai", help="timezone of --cron")
    s.add_argument("--api-url", metavar="URL",
                   help="Prefect API (default: $PREFECT_API_URL, e.g. http://127.0.0.1:4200/api)")
    s.add_argument("--db", default=DEFAULT_DB, metavar="PATH",
                   help=f"warehouse file (default {DEFAULT_DB})")
    s.add_argument("--archive", default=DEFAULT_ARCHIVE, metavar="DIR",
                   help=f"archive directory (default {DEFAULT_ARCHIVE}/)")
    s.add_argument("--registry", metavar="PATH", help="portal registry YAML")
    s.add_argument("--fast", action="store_true", help=argparse.SUPPRESS)
    s.add_argument("--verbose", "-v", action="store_true",
                   help="the crawlers' full log too (Prefect's own logs are always shown)")

    pl = sub.add_parser("portals", help="list the portal registry",
                        description="List the portals of the registry: id, level, region, "
                                    "whether the start URL was verified, the years expected.")
    pl.add_argument("--registry", metavar="PATH", help="portal registry YAML")
    pl.add_argument("--format", default="table", choices=("table", "json"),
                    help="output format (default table)")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        from flows.limits import configured
        configured()  # a bad GOVREPORTS_LIMITS is a usage error, before any work
    except ValueError as e:
        print(f"govreports: GOVREPORTS_LIMITS: {e}", file=sys.stderr)
        return 2
    try:
        if args.command == "extract":
            from flows.cli.extract import run
            return run(args.sources, args.url, args.json)
        from flows.cli import commands
        return commands.dispatch(args)
    except BrokenPipeError:  # `govreports sql ... | head`: the reader left, not an error
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except BaseException as e:  # SIGINT or SIGTERM (flows/interrupt.py): a run is marked aborted
        from flows.interrupt import exit_status, is_stop
        if not is_stop(e):
            raise
        print("govreports: interrupted", file=sys.stderr)
        return exit_status(e)  # 130 on SIGINT, 143 on SIGTERM


if __name__ == "__main__":
    sys.exit(main())
