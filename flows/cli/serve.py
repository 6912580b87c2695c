"""`govreports serve`: the nightly harvest and the on-demand backfill as Prefect deployments.

Needs a running Prefect server (`prefect server start`) at PREFECT_API_URL or --api-url.
This process registers both deployments, then polls the server and runs their flow runs in
child processes until it is stopped (Ctrl-C pauses the schedule). Schedules live here, not in
the flows.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from flows.cli.options import UsageError

HOW_TO_START = ("start one with `prefect server start` and set "
                "PREFECT_API_URL=http://127.0.0.1:4200/api, or pass --api-url")


def _api_url(args) -> str:
    url = (args.api_url or os.environ.get("PREFECT_API_URL") or "").strip()
    if not url:
        raise UsageError(f"no Prefect server configured: {HOW_TO_START}")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"bad Prefect API URL {url!r}: expected http(s)://HOST:PORT/api")
    return url.rstrip("/")


def _check_server(url: str) -> None:
    import httpx
    try:
        httpx.get(f"{url}/health", timeout=10).raise_for_status()
    except httpx.HTTPError as e:
        raise UsageError(f"no Prefect server answers at {url} ({type(e).__name__}): "
                         f"{HOW_TO_START}") from None


def deployments(db: str, archive: str, registry: str | None, cron: str, timezone: str,
                fast: bool = False) -> list:
    """The two deployments, with absolute paths (flow runs may start in another directory)."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from flows.harvest import backfill, harvest
    params = {"db": str(Path(db).resolve()), "archive": str(Path(archive).resolve()),
              "registry": str(Path(registry).resolve()) if registry else None, "fast": fast}
    nightly = harvest.to_deployment(
        name="nightly", schedules=[Cron(cron, timezone=timezone)], parameters=params,
        entrypoint_type=EntrypointType.MODULE_PATH, tags=["govreports"],
        description="Crawl every registry portal, parse, dedupe and load the warehouse.")
    on_demand = backfill.to_deployment(
        name="backfill", parameters=params, entrypoint_type=EntrypointType.MODULE_PATH,
        tags=["govreports"],
        description="Past years on demand: run with --param years=2015-2018 "
                    "(optionally portals=[...]).")
    return [nightly, on_demand]


def run_serve(args) -> int:
    url = _api_url(args)
    os.environ["PREFECT_API_URL"] = url
    _check_server(url)
    from flows.prefect_env import start_prefect
    # A long-lived service: keep Prefect's own log lines; the crawlers' only with --verbose.
    start_prefect(args.db, verbose=True, crawl_detail=args.verbose)
    from prefect import serve
    deps = deployments(args.db, args.archive, args.registry, args.cron, args.timezone, args.fast)
    print(f"serving harvest/nightly ({args.cron} {args.timezone}) and backfill/backfill on {url}",
          file=sys.stderr, flush=True)
    serve(*deps, limit=1, print_starting_message=False)  # one run at a time: one writer
    return 0
