"""Handlers of the CLI commands other than `extract`.

User errors become one line on stderr and exit status 2 (no traceback); an unexpected failure
of a run is one line too, with a hint to re-run with --verbose for Prefect's full logs.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from flows.cli.options import (UsageError, check_db_for_reading, check_portals, check_url,
                           check_writable_dir, check_years)
from flows.cli.summary import exit_status, print_summary, run_flow
from flows.locks import ensure_idle
from flows.prefect_env import start_prefect
from transforms.years import as_text


def fail(message: str, status: int = 2) -> int:
    print(f"govreports: {message}", file=sys.stderr)
    return status


def dispatch(args) -> int:
    handler = {"harvest": cmd_harvest, "backfill": cmd_harvest, "reprocess": cmd_reprocess,
               "sql": cmd_sql, "portals": cmd_portals, "demo": cmd_demo,
               "serve": cmd_serve, "export": cmd_export, "report": cmd_report}[args.command]
    try:
        return handler(args)
    except UsageError as e:
        return fail(str(e))
    except Exception as e:  # known refusals first, then anything else as one line
        return fail(_one_line(e), 2 if _is_refusal(e) else 1)


def _is_refusal(e: Exception) -> bool:
    return type(e).__name__ in ("WarehouseBusy", "HarvestBusy", "RegistryError", "QueryError",
                                "FileNotFoundError", "SiteError")


def _one_line(e: Exception) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    if _is_refusal(e):
        return text
    return f"{type(e).__name__}: {text[:300]} (re-run with --verbose for details)"


def _load_portal_ids(registry) -> list[str]:
    from crawler.registry import load_portals
    return [p.id for p in load_portals(registry)]


def validated_run_options(args) -> dict:
    """Check everything a user can get wrong before any crawl starts."""
    years = as_text(check_years(args.years))  # checked here; the flow takes its text form
    urls = [check_url(u) for u in args.start_url]
    portals = check_portals(args.portal, _load_portal_ids(args.registry)) if args.portal else []
    if not portals and not urls and not _load_portal_ids(args.registry):
        raise UsageError("the registry has no portals: pass --portal or --start-url")
    if args.max_pages is not None and args.max_pages < 1:
        raise UsageError("--max-pages must be at least 1")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    check_writable_dir(args.archive, "archive directory")
    check_writable_dir(Path(args.db).parent, "warehouse directory")
    return {"portals": portals, "start_urls": urls, "years": years, "db": args.db,
            "archive": args.archive, "registry": args.registry, "fast": args.fast,
            "max_pages": args.max_pages, "workers": args.workers}


def cmd_harvest(args) -> int:
    opts = validated_run_options(args)
    ensure_idle(args.db, args.archive)
    start_prefect(args.db, args.verbose)
    from flows import harvest as flows_mod
    flow = flows_mod.backfill if args.command == "backfill" else flows_mod.harvest
    result = run_flow(flow, **opts)
    print_summary(result)
    return exit_status(result)


def cmd_reprocess(args) -> int:
    if not Path(args.archive).is_dir():
        raise UsageError(f"no archive at {args.archive}: nothing to reprocess")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    check_writable_dir(Path(args.db).parent, "warehouse directory")
    ensure_idle(args.db, args.archive)
    start_prefect(args.db, args.verbose)
    from flows import harvest as flows_mod
    result = flows_mod.reprocess(db=args.db, archive=args.archive, workers=args.workers,
                                 registry=args.registry)
    print_summary(result)
    return exit_status(result)


def cmd_sql(args) -> int:
    check_db_for_reading(args.db)
    from warehouse.query import run_query
    limits = {k: v for k, v in (("timeout", args.timeout), ("max_rows", args.max_rows)) if v is not None}
    out = run_query(args.db, args.query, fmt=args.format, **limits)
    sys.stdout.write(out if out.endswith("\n") or not out else out + "\n")
    return 0


def cmd_portals(args) -> int:
    from crawler.registry import load_portals
    portals = load_portals(args.registry)
    if args.format == "json":
        for p in portals:
            print(json.dumps({"id": p.id, "name": p.name, "region": p.region,
                              "region_code": p.region_code, "level": p.level,
                              "start_urls": p.start_urls, "verified": p.verified,
                              "expected_years": _span(p.expected_years)}, ensure_ascii=False))
        return 0
    print(f"{'id':<16} {'level':<10} {'verified':<8} {'years':<10} name / start URL")
    for p in portals:
        print(f"{p.id:<16} {p.level:<10} {'yes' if p.verified else 'no':<8} "
              f"{_span(p.expected_years) or '-':<10} {p.name}  {p.start_urls[0]}")
    print(f"{len(portals)} portals", file=sys.stderr)
    return 0


def _span(years) -> str | None:
    return f"{min(years)}-{max(years)}" if years else None


def cmd_demo(args) -> int:
    from flows.cli.demo import run_demo
    return run_demo(args)


def cmd_export(args) -> int:
    from flows.cli.export import run_export
    return run_export(args)


def cmd_serve(args) -> int:
    from flows.cli.serve import run_serve
    return run_serve(args)


def cmd_report(args) -> int:
    from flows.cli.report import run_report
    return run_report(args)
