"""The crawl fanned out to a Prefect work pool.

`govreports deploy-crawl --pool NAME` registers the deployment `crawl-portals/NAME` on the work
pool NAME (a process pool, created when missing) and one global concurrency limit per portal
host. Harvest and backfill with `--pool NAME` then run each crawl target (a portal, or a group
of them) as a flow run of that deployment (`run_deployment`), and any number of
`prefect worker start --pool NAME` processes, on any machines, pick them up.

Politeness across machines: a crawl run holds one slot of `govreports-host:HOST` for every host
it starts on (HOST_SLOTS each, 1 by default), so two machines never crawl one host at once;
inside a crawl Scrapy's own per-host delays apply as on one machine.

A crawl run's summary (what a local crawl returns) is written to the archive (runs/ID.json):
flow run results are not shared between machines without a result store, the archive is.
"""
from __future__ import annotations

import json
import math
import os
import time
from typing import Optional
from urllib.parse import urlsplit

from prefect import flow

from flows import cluster
from flows.crawl_plan import plan_targets, split_target
from flows.outcome import CrawlTally
from flows.progress import say

FLOW_NAME = "crawl-portals"
LIMIT_PREFIX = "govreports-host:"
HOST_SLOTS = 1
POLL_SECONDS = 1.0
CRAWL_TIMEOUT = 6 * 3600
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")
# Portals per flow run: a run pays a process and Prefect's start-up (seconds), so thousands of
# one-portal runs would cost more than their crawls; a failed group is re-run portal by portal.
PORTALS_PER_RUN = int(os.environ.get("GOVREPORTS_PORTALS_PER_RUN") or 20)


def deployment_name(pool: str) -> str:
    return f"{FLOW_NAME}/{pool}"


def limit_name(host: str) -> str:
    return LIMIT_PREFIX + host.lower()


def plan_runs(portals: list[str], start_urls: list[str]) -> list:
    """The crawl targets of a fanned-out run: groups of at most PORTALS_PER_RUN."""
    n = len(portals) + len(start_urls)
    return plan_targets(portals, start_urls, math.ceil(n / max(1, PORTALS_PER_RUN)))


def target_hosts(portals, start_urls, registry: Optional[str]) -> list[str]:
    """The hosts a crawl target starts on: its portals' start URLs' and its own start URLs'."""
    from crawler.registry import load_portals
    urls = list(start_urls)
    if portals:
        wanted = set(portals)
        urls += [u for p in load_portals(registry) if p.id in wanted for u in p.start_urls]
    return sorted({urlsplit(u).netloc.lower() for u in urls if urlsplit(u).netloc})


# ------------------------------------------------------------------ the worker's side
@flow(name=FLOW_NAME, log_prints=False, retries=1, retry_delay_seconds=5)
def crawl_portals(portals: list[str] | None = None, start_urls: list[str] | None = None,
                  archive: str = "data/archive", years: Optional[str] = None, fast: bool = False,
                  max_pages: Optional[int] = None, registry: Optional[str] = None) -> dict:
    """One crawler process for some portals into the archive, holding its hosts' slots."""
    from prefect.concurrency.sync import concurrency
    from prefect.runtime import flow_run

    from crawler.storage import write_text
    portals, start_urls = list(portals or []), list(start_urls or [])
    names = [limit_name(h) for h in target_hosts(portals, start_urls, registry)]
    with concurrency(names, occupy=1, strict=True):
        summary = cluster.crawl(portals, start_urls, archive, years, fast, max_pages, registry,
                                on_progress=lambda line: None, timeout=CRAWL_TIMEOUT,
                                verbose=False)
    write_text(archive, f"runs/{flow_run.id}.json", json.dumps(summary, ensure_ascii=False))
    return summary


# ------------------------------------------------------------------ registration
def ensure_limits(hosts, slots: int = HOST_SLOTS) -> None:
    from prefect.client.orchestration import get_client
    with get_client(sync_client=True) as client:
        for host in hosts:
            _upsert_limit(client, limit_name(host), slots)


def _upsert_limit(client, name: str, slots: int) -> None:
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    try:
        client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        try:
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=name, limit=slots))
        except ObjectAlreadyExists:
            pass  # another command created it meanwhile


def ensure_pool(pool: str) -> bool:
    """Create the process work pool when missing; True when it was created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
            return False
        except ObjectNotFound:
            pass
        try:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        except ObjectAlreadyExists:
            return False
        return True


def deploy(pool: str, registry: Optional[str], slots: int = HOST_SLOTS) -> dict:
    """The work pool, the crawl deployment on it and a limit per registry host."""
    from prefect.deployments.runner import EntrypointType

    from crawler.registry import load_portals
    created = ensure_pool(pool)
    dep = crawl_portals.to_deployment(
        name=pool, entrypoint_type=EntrypointType.MODULE_PATH, work_pool_name=pool,
        tags=["govreports"],
        description="One crawler process for some portals (run by `govreports harvest --pool`).")
    deployment_id = dep.apply(work_pool_name=pool)
    hosts = target_hosts([p.id for p in load_portals(registry)], [], registry)
    ensure_limits(hosts, slots)
    return {"pool": pool, "pool_created": created, "deployment": deployment_name(pool),
            "deployment_id": str(deployment_id), "host_limits": len(hosts)}


# ------------------------------------------------------------------ the flow's side
def crawl_on_pool(targets, archive: str, years: Optional[str], fast: bool,
                  max_pages: Optional[int], registry: Optional[str],
                  pool: str) -> tuple[dict, list[str], dict]:
    """What flows.harvest._crawl_all does, with each target a flow run on the work pool.
    A failed group is re-run portal by portal. Never raises."""
    from pathlib import Path

    from prefect.deployments import run_deployment

    from crawler.storage import is_remote
    # Workers may start in any directory: paths as seen from this machine, made absolute.
    archive = archive if is_remote(archive) else str(Path(archive).resolve())
    registry = str(Path(registry).resolve()) if registry else None
    tally = CrawlTally(registry)
    ensure_limits(sorted({h for t in targets
                          for h in target_hosts(t.portals, t.start_urls, registry)}))
    pending = list(targets)
    while pending:
        runs = []
        for t in pending:
            params = {"portals": t.portals, "start_urls": t.start_urls, "archive": archive,
                      "years": years, "fast": fast, "max_pages": max_pages, "registry": registry}
            runs.append((t, run_deployment(deployment_name(pool), parameters=params, timeout=0,
                                           flow_run_name=f"crawl {t.label}")))
        say(f"{len(runs)} crawl run(s) queued on work pool {pool}")
        pending = []
        for done, (target, run) in enumerate(_finished(runs), 1):
            summary = _summary(archive, run)
            if run.state_type.value == "COMPLETED" and summary is not None:
                tally.crawled(target, done, len(runs), summary)
            elif len(target.portals) + len(target.start_urls) > 1:
                say(f"crawl of {target.label} failed; retrying its portals one by one")
                pending += split_target(target)
            else:
                tally.failed(target, run.state.message if run.state and run.state.message
                             else f"crawl run {run.state_type.value.lower()}")
    return tally.result()


def _finished(runs: list):
    """Yield (target, flow run) as each run reaches a final state."""
    from prefect.client.orchestration import get_client
    waiting = list(runs)
    with get_client(sync_client=True) as client:
        while waiting:
            still = []
            for target, run in waiting:
                run = client.read_flow_run(run.id)
                if run.state_type and run.state_type.value in FINAL:
                    yield target, run
                else:
                    still.append((target, run))
            waiting = still
            if waiting:
                time.sleep(POLL_SECONDS)


def _summary(archive: str, run) -> Optional[dict]:
    from crawler.storage import read_text
    text = read_text(archive, f"runs/{run.id}.json")
    return json.loads(text) if text else None
