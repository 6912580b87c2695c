"""The `govreports` command line. Each subcommand's handler lives in its own module."""
from __future__ import annotations

import argparse
import sys

DEFAULT_DB = "data/warehouse.duckdb"
DEFAULT_ARCHIVE = "data/archive"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="govreports",
        description="Harvest 政府信息公开工作年度报告 from government portals into a DuckDB warehouse.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    e = sub.add_parser("extract", help="parse pages (files or URLs) without crawling",
                       description="Parse one or more pages: HTML, PDF, DOCX or plain text files, "
                                   "or http(s) URLs. Prints one JSON object per source with --json.")
    e.add_argument("sources", nargs="+", metavar="SOURCE")
    e.add_argument("--url", help="the page's original address (with a single file)")
    e.add_argument("--json", action="store_true", help="print the JSON document, one per line")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "extract":
            from .extract_cmd import run
            return run(args.sources, args.url, args.json)
    except KeyboardInterrupt:
        print("govreports: interrupted", file=sys.stderr)
        return 130
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
