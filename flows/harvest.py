"""Prefect flows: harvest (nightly), backfill (past years), reprocess (re-parse the archive).

Import flows.prefect_env and call configure() before importing this module.
The logic lives in plain modules (flows/crawl.py, crawl_plan.py, pipeline.py, locks.py,
outcome.py, progress.py); here are only the tasks (retries on what touches the network) and the
order of steps. A run publishes the warehouse once, at its end (run_pipeline).
"""
from __future__ import annotations

from typing import Optional

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows import cluster, interrupt
from flows.cli.options import check_years
from flows.crawl import ensure_no_stray_writer
from flows.crawl_plan import CrawlTarget, plan_targets, split_target
from flows.locks import archive_lock
from flows.outcome import CrawlTally, HarvestFailed, run_status
from flows.paths import DEFAULT_ARCHIVE, DEFAULT_DB
from flows.progress import Timer, say, verbose
from transforms.years import Years, as_text

CRAWL_PROCESSES = 2     # crawler processes at once (each is one Scrapy reactor)
CRAWL_TIMEOUT = 6 * 3600
LOCK_WAIT = 30.0        # seconds to wait for the warehouse writer lock


@task(retries=2, retry_delay_seconds=[5, 30], task_run_name="crawl {target.label}",
      cache_policy=NO_CACHE, retry_condition_fn=interrupt.retry_unless_stopping)
def crawl_target(target: CrawlTarget, archive: str, years: Optional[str], fast: bool,
                 max_pages: Optional[int], registry: Optional[str]) -> dict:
    return cluster.crawl(target.portals, target.start_urls, archive, years, fast, max_pages,
                         registry, on_progress=lambda line: say(f"  [{target.label}] {line}"),
                         timeout=CRAWL_TIMEOUT, verbose=verbose())


@task(task_run_name="parse, dedupe and load", cache_policy=NO_CACHE)
def process_task(archive: str, warehouse, run_id: str, years, workers, reparse: bool,
                 registry: Optional[str], dask: Optional[str] = None) -> dict:
    return cluster.process(archive, warehouse, run_id, years, workers, reparse, registry,
                           progress=lambda msg: say(f"  {msg}"), dask=dask)


def _crawl_all(targets, archive, years, fast, max_pages,
               registry) -> tuple[dict, list[str], dict]:
    """Run every target; a failed group is retried portal by portal. Never raises.
    Returns the totals, the failed crawls (one line each) and each portal's outcome."""
    tally = CrawlTally(registry)
    pending = list(targets)
    while pending:
        futures = [(t, _task_for(t, fast).submit(t, archive, years, fast, max_pages, registry))
                   for t in pending]
        pending = []
        for done, (target, fut) in enumerate(futures, 1):
            state = fut.wait() or fut.state
            if state.is_completed():
                tally.crawled(target, done, len(futures), fut.result())
            elif len(target.portals) + len(target.start_urls) > 1:
                say(f"crawl of {target.label} failed; retrying its portals one by one")
                pending += split_target(target)
            else:
                tally.failed(target, _failure_reason(fut))
    return tally.result()


def _task_for(target: CrawlTarget, fast: bool):
    """A group gets no retries of its own: re-running its portals one by one is its retry.
    On loopback (--fast) there is no server to be patient with: retry at once."""
    if len(target.portals) + len(target.start_urls) > 1:
        return crawl_target.with_options(retries=0)
    if fast:
        return crawl_target.with_options(retry_delay_seconds=[0.5, 1])
    return crawl_target


def _failure_reason(fut) -> str:
    try:
        fut.result(raise_on_failure=True)
    except Exception as e:  # the task's own exception, one line
        return " ".join(str(e).split())[:300] or e.__class__.__name__
    return "failed"


def run_pipeline(flow_name: str, portals: list[str], start_urls: list[str],
                 years: Optional[Years], db: str, archive: str,
                 registry: Optional[str], fast: bool, max_pages: Optional[int],
                 workers: Optional[int], crawl: bool = True, reparse: bool = False,
                 dask: Optional[str] = None, pool: Optional[str] = None) -> dict:
    """Body shared by the three flows (called inside a flow run).

    The warehouse stays open (exclusive writer) for the whole run, so a second harvest waits
    LOCK_WAIT seconds and then refuses; the archive lock keeps two runs from crawling into one
    archive even when they write different warehouses.
    """
    from warehouse.store import Warehouse
    timer = Timer()
    params = {"portals": portals, "start_urls": start_urls, "years": as_text(years), "archive": archive,
              "registry": registry}
    with interrupt.stop_on_signals(), archive_lock(cluster.lock_dir(archive)), \
            Warehouse(db, wait_seconds=LOCK_WAIT) as wh:
        ensure_no_stray_writer(cluster.lock_dir(archive))
        run_id = wh.start_run(flow_name, params, flow_run_id=_flow_run_id())
        say(f"run {run_id}: {flow_name} into {db}")
        crawl_totals: dict = {"pages_fetched": 0, "errors": 0}
        failures: list[str] = []
        outcomes: dict = {}
        counts: dict = {}
        status = "failed"
        try:
            if crawl:
                targets = plan_targets(portals, start_urls, CRAWL_PROCESSES)
                say(f"crawling {len(portals) + len(start_urls)} portal(s)/start URL(s) "
                          f"in {len(targets)} crawler process(es)")
                with timer.step("crawl"):
                    crawl_all = _crawl_all
                    if pool:  # the crawls run as flow runs of a work pool's deployment
                        from flows.fanout import crawl_on_pool as crawl_all
                        from flows.fanout import plan_runs
                        targets = plan_runs(portals, start_urls)
                    crawl_totals, failures, outcomes = crawl_all(
                        targets, archive, as_text(years), fast, max_pages, registry,
                        **({"pool": pool} if pool else {}))
            with timer.step("process"):
                counts = process_task(archive, wh, run_id, years, workers, reparse, registry,
                                      dask)
            status = run_status([o["status"] for o in outcomes.values()])
        except BaseException as exc:
            if interrupt.is_stop(exc):  # SIGINT/SIGTERM: children killed, load rolled back
                status = "aborted"
            raise
        finally:
            errors = (crawl_totals["errors"] + len(failures)
                      + int(counts.get("parse_errors") or 0))
            portal_rows = wh.record_portals(run_id, outcomes)
            wh.finish_run(run_id, status, pages_fetched=crawl_totals["pages_fetched"],
                          reports_new=int(counts.get("reports_new") or 0), errors=errors,
                          timings={**counts.get("timings", {}), **timer.seconds})
            wh.publish()  # the run's one publish: its row closed, its data loaded
    result = {"run_id": run_id, "flow": flow_name, "status": status, **counts, **crawl_totals,
              "crawl_failures": failures, "portals": portal_rows, "errors": errors,
              "timings": {**counts.get("timings", {}), **timer.seconds}}
    if status == "failed":  # the flow run fails too: Prefect and cron users see it
        raise HarvestFailed(result)
    return result


def _flow_run_id() -> Optional[str]:
    from prefect.runtime import flow_run
    return flow_run.id


def _runner():
    return ThreadPoolTaskRunner(max_workers=CRAWL_PROCESSES)


@flow(name="harvest", task_runner=_runner(), log_prints=False)
def harvest(portals: list[str] | None = None, start_urls: list[str] | None = None,
            years: Optional[str] = None, db: str = DEFAULT_DB,
            archive: str = DEFAULT_ARCHIVE, registry: Optional[str] = None, fast: bool = False,
            max_pages: Optional[int] = None, workers: Optional[int] = None,
            dask: Optional[str] = None, pool: Optional[str] = None) -> dict:
    """Nightly job: crawl portals (all of the registry when none given), parse, dedupe, load."""
    portals, start_urls = list(portals or []), list(start_urls or [])
    if not portals and not start_urls:
        portals = _registry_ids(registry)
    return run_pipeline("harvest", portals, start_urls, check_years(years), db, archive,
                        registry, fast, max_pages, workers, dask=dask, pool=pool)


@flow(name="backfill", task_runner=_runner(), log_prints=False)
def backfill(years: str, portals: list[str] | None = None,
             start_urls: list[str] | None = None, db: str = DEFAULT_DB,
             archive: str = DEFAULT_ARCHIVE, registry: Optional[str] = None, fast: bool = False,
             max_pages: Optional[int] = None, workers: Optional[int] = None,
             dask: Optional[str] = None, pool: Optional[str] = None) -> dict:
    """Past years: the crawler follows listings deep enough to reach the oldest year asked."""
    portals, start_urls = list(portals or []), list(start_urls or [])
    if not portals and not start_urls:
        portals = _registry_ids(registry)
    return run_pipeline("backfill", portals, start_urls, check_years(years), db, archive, registry,
                        fast, max_pages, workers, dask=dask, pool=pool)


@flow(name="reprocess", log_prints=False)
def reprocess(db: str = DEFAULT_DB, archive: str = DEFAULT_ARCHIVE,
              workers: Optional[int] = None, registry: Optional[str] = None,
              dask: Optional[str] = None) -> dict:
    """Re-parse every archived page with the current code and reload; fetches nothing."""
    if not cluster.archive_exists(archive):
        raise FileNotFoundError(f"no archive at {archive}")
    return run_pipeline("reprocess", [], [], None, db, archive, registry, False, None, workers,
                        crawl=False, reparse=True, dask=dask)


def _registry_ids(registry: Optional[str]) -> list[str]:
    from crawler.registry import load_portals
    return [p.id for p in load_portals(registry)]
