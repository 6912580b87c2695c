"""Where the flows meet the multi-machine options: an archive on object storage (--archive
s3://...), the parse step on Dask (--dask) and the crawl fanned out to a work pool (--pool, in
flows/fanout.py). With none of them every function here does what the one-machine path did.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from crawler.storage import RemoteBodies, cache_dir, crawl_workdir, is_remote, local_dir


def lock_dir(archive: str) -> Path:
    """The directory whose lock makes one run per archive: a remote archive's local working
    copy (one flow process per archive and warehouse; see README "Running on a cluster")."""
    return cache_dir(archive) if is_remote(archive) else Path(archive)


def crawl(portals, start_urls, archive: str, years: Optional[str], fast: bool,
          max_pages: Optional[int], registry: Optional[str],
          on_progress: Callable[[str], None], timeout: float, verbose: bool) -> dict:
    """One crawler process into the archive; into a local work directory uploaded at its end
    when the archive is remote."""
    from flows.crawl import crawl_command, run_crawl

    def go(into) -> dict:
        argv = crawl_command(into, portals, start_urls, years=years, fast=fast,
                             max_pages=max_pages, registry=registry)
        return run_crawl(argv, on_progress=on_progress, timeout=timeout, verbose=verbose)

    if not is_remote(archive):
        return go(archive)
    with crawl_workdir(archive) as work:
        return go(work)


def process(archive: str, warehouse, run_id: str, years, workers: Optional[int], reparse: bool,
            registry: Optional[str], progress, dask: Optional[str] = None) -> dict:
    """The parse/dedupe/load step: the index read locally (a remote one pulled first), bodies
    read where they are, pages parsed in local processes or on Dask."""
    from flows import pipeline
    index = local_dir(archive)
    loader = RemoteBodies(archive) if is_remote(archive) else None
    parser = None
    if dask:
        from flows.dask_parse import iter_parsed_on_dask
        location = archive if is_remote(archive) else str(Path(archive).resolve())
        parser = lambda todo: iter_parsed_on_dask(location, todo, dask)  # noqa: E731
    return pipeline.process(index, warehouse, run_id, years, workers, reparse, registry,
                         progress=progress, loader=loader, parser=parser)


def archive_exists(archive: str) -> bool:
    if not is_remote(archive):
        return Path(archive).is_dir()
    from crawler.storage import INDEX_DIR, filesystem
    fs, root = filesystem(archive)
    try:
        return bool(fs.ls(f"{root}/{INDEX_DIR}", detail=False, refresh=True))
    except FileNotFoundError:
        return False
