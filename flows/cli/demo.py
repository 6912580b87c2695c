"""`govreports demo`: harvest the bundled sample portal end to end and show what came out.

The sample portal runs on 127.0.0.1 (no network needed); the harvest is the real Prefect flow
with the real crawler, parsers and warehouse. A fixed default port keeps the URLs the same from
one demo to the next, so a second demo finds nothing new instead of new copies.
"""
from __future__ import annotations

import shlex
import socket
import sys
import time
from pathlib import Path

from flows.cli.options import UsageError, check_writable_dir

DEFAULT_PORT = 8731

SUMMARY_QUERIES = [
    ("reports per publisher and year",
     "SELECT publisher, year, format, copies FROM reports ORDER BY publisher, year"),
    ("totals",
     "SELECT (SELECT count(*) FROM reports) AS reports, "
     "(SELECT coalesce(sum(copies), 0) - count(*) FROM reports) AS copies_merged, "
     "(SELECT count(*) FROM metrics) AS metrics_loaded, "
     "(SELECT count(*) FROM checks WHERE NOT ok AND report_id IS NOT NULL) AS checks_failed, "
     "(SELECT count(*) FROM pages) AS pages_archived"),
    ("copies cleaned on the way in (spam stripped, traditional characters converted)",
     "SELECT d.title, d.traditional_source AS traditional, d.spam_removed, r.copies, d.is_canonical "
     "AS canonical FROM documents d JOIN reports r USING (report_id) "
     "WHERE d.traditional_source OR d.spam_removed <> '[]' ORDER BY d.title, d.url"),
]

EXAMPLE_QUERIES = [
    "SELECT publisher, year, applications_new, reconsideration_total, litigation_total "
    "FROM metrics_wide ORDER BY publisher, year",
    "SELECT publisher, year, copies, canonical_url FROM reports WHERE copies > 1",
    'SELECT r.publisher, r.year, c."check", c.detail FROM checks c JOIN reports r '
    "USING (report_id) WHERE NOT c.ok ORDER BY 1, 2",
]


def shell_quote(sql: str) -> str:
    """Double quotes read best for SQL with 'strings'; single quotes when it has "names"."""
    if not any(ch in sql for ch in '"$`\\!'):
        return f'"{sql}"'
    return shlex.quote(sql)


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _pick_port(asked: int | None, sites: int) -> int:
    """The sample portal serves its sites on port, port+1, ...: all must be free."""
    def all_free(port: int) -> bool:
        return all(_free(port + i) for i in range(sites))
    if asked:
        if not all_free(asked):
            raise UsageError(f"ports {asked}-{asked + sites - 1} on 127.0.0.1 are not all free: "
                             "pick another with --port")
        return asked
    return DEFAULT_PORT if all_free(DEFAULT_PORT) else 0


def run_demo(args) -> int:
    t0 = time.monotonic()
    db = Path(args.db)
    archive = Path(args.archive) if args.archive else db.parent / "archive"
    check_writable_dir(db.parent, "warehouse directory")
    check_writable_dir(archive, "archive directory")
    from flows.locks import ensure_idle
    ensure_idle(db, archive)
    from sampleportal.site import HOST_KEYS
    port = _pick_port(args.port, len(HOST_KEYS))

    from flows.cli.summary import exit_status, run_flow
    from flows.prefect_env import start_prefect
    start_prefect(str(db), args.verbose)
    from crawler.registry import load_portals
    from flows import harvest as flows_mod
    from sampleportal.server import start_sample_portal

    with start_sample_portal(port=port) as portal:
        ids = [p.id for p in load_portals(portal.registry_path)]
        _say(f"sample portal on {', '.join(portal.start_urls)} ({len(ids)} portal(s))")
        result = run_flow(flows_mod.harvest, portals=ids, db=str(db), archive=str(archive),
                          registry=str(portal.registry_path), fast=True)
    _say(f"harvest finished in {time.monotonic() - t0:.0f}s")
    print_report(db, result)
    from flows.cli.report import say_where, write_report
    print("\n== The report site (govreports report)")
    say_where(write_report(db, archive=archive))
    return exit_status(result)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def print_report(db: Path, result: dict) -> None:
    from flows.cli.summary import portal_lines
    from warehouse.query import run_query
    print(f"\n== Run {result.get('run_id')}: {result.get('status')}, "
          f"{result.get('pages_fetched', 0)} pages fetched, {result.get('parsed', 0)} documents "
          f"parsed, {result.get('errors', 0)} errors")
    for line in portal_lines(result):
        print(line.strip())
    for title, sql in SUMMARY_QUERIES:
        print(f"\n== {title.capitalize()}")
        print(run_query(str(db), sql, fmt="table").rstrip())
    print("\n== Try these queries")
    for sql in EXAMPLE_QUERIES:
        db_opt = f" --db {shlex.quote(str(db))}"
        print(f"\n$ govreports sql{db_opt} {shell_quote(sql)}")
        print(run_query(str(db), sql, fmt="table").rstrip())
