"""Checks of the multi-machine options (--archive s3://..., --dask, --pool) and the
`deploy-crawl` command. Each refusal is one line (UsageError)."""
from __future__ import annotations

import os
import sys

from flows.cli.options import UsageError, check_writable_dir

NEEDS_SERVER = ("{what} needs a Prefect server: set PREFECT_API_URL (e.g. "
                "http://127.0.0.1:4200/api after `prefect server start`)")


def check_cluster_options(args, must_exist: bool = False) -> None:
    from crawler.storage import is_remote
    from flows import cluster
    archive = args.archive
    if is_remote(archive):
        if not archive.startswith("s3://") or len(archive) <= len("s3://"):
            raise UsageError(f"bad --archive {archive!r}: expected a directory or "
                             "s3://BUCKET/PREFIX")
        _check_s3(archive)
    elif not must_exist:
        check_writable_dir(archive, "archive directory")
    if must_exist and not cluster.archive_exists(archive):
        raise UsageError(f"no archive at {archive}: nothing to reprocess")
    dask = getattr(args, "dask", None)
    if dask:
        from flows.dask_parse import NEEDS_SERVER as DASK_NEEDS_SERVER
        from flows.dask_parse import check_address
        args.dask = check_address(dask)
        if not os.environ.get("PREFECT_API_URL", "").strip():
            raise UsageError(DASK_NEEDS_SERVER)
    if getattr(args, "pool", None) and not os.environ.get("PREFECT_API_URL", "").strip():
        raise UsageError(NEEDS_SERVER.format(what="--pool"))


def _check_s3(archive: str) -> None:
    """The bucket answers with the AWS_* credentials and endpoint, or one line says why."""
    from crawler.storage import filesystem
    try:
        fs, root = filesystem(archive)
        bucket = root.split("/", 1)[0]
        fs.ls(bucket, refresh=True)
    except Exception as e:  # botocore's errors are many; the user needs the one line
        text = " ".join(str(e).split())[:200] or type(e).__name__
        raise UsageError(f"cannot reach the archive {archive} ({text}): check the bucket and "
                         "AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY") from None


def run_deploy_crawl(args) -> int:
    from flows.cli.serve import _api_url, _check_server
    url = _api_url(args)
    os.environ["PREFECT_API_URL"] = url
    _check_server(url)
    if args.host_slots < 1:
        raise UsageError("--host-slots must be at least 1")
    from flows.prefect_env import configure
    configure()
    from flows.fanout import deploy
    out = deploy(args.pool, args.registry, args.host_slots)
    print(f"work pool {out['pool']}{' (created)' if out['pool_created'] else ''}: deployment "
          f"{out['deployment']}, {out['host_limits']} host limit(s) of {args.host_slots} "
          f"slot(s)", file=sys.stderr)
    print(f"start workers with: prefect worker start --pool {out['pool']}", file=sys.stderr)
    return 0
