"""Benchmark: the distributed path (crawls on a Prefect work pool, archive on S3, parse on Dask)
against the one-machine path, on a synthetic network of portals served on 127.0.0.1.

Not a test: prints numbers. Everything runs on this box: a `prefect server start`, moto's S3
server (`moto_server`), the network (bench_e2e.ServedNetwork: one HTTP server per portal), and
for the distributed runs N `prefect worker start` processes with a Dask LocalCluster of N
workers (N = 1, then 2). Each run is `govreports harvest` into a fresh warehouse and archive:
  local      --archive DIR --workers 2 (the crawl in 2 crawler processes, parse in 2 processes)
  dist N=1   --archive s3://... --pool P --dask local:1, one worker on the pool
  dist N=2   --archive s3://... --pool P --dask local:2, two workers on the pool
Reports/s = reports loaded / wall time of the harvest command. Overhead = dist time / local
time - 1 at the same worker count (2). Peak memory is the flow process's own RSS (polled),
for a first harvest and for a nightly re-run over the loaded archive, at each size.

    .venv/bin/python tests/bench/bench_cluster.py                    # 500 portals, 500 and 2,000 reports
    .venv/bin/python tests/bench/bench_cluster.py --portals 50 --sizes 100
    .venv/bin/python tests/bench/bench_cluster.py --memory     # local and nightly runs only
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # tests/: procs

from procs import free_port as _port, spawn as _spawn, stop as _stop  # noqa: E402
BIN = Path(sys.executable).parent
CLI, PREFECT, MOTO = BIN / "govreports", BIN / "prefect", BIN / "moto_server"
WORKER_LIMIT = 2  # crawl flow runs at once per worker: a worker is a 2-core machine here


def _wait_http(url: str, proc, timeout: float = 180) -> None:
    import httpx
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited early")
        try:
            if httpx.get(url, timeout=3).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {url}")


class PeakRss:
    """Polls one process's own RSS (not its children's) until stopped; MB."""

    def __init__(self, pid: int):
        import psutil
        self.proc, self.peak, self.stop = psutil.Process(pid), 0.0, threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self):
        import psutil
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, self.proc.memory_info().rss / 2**20)
            except psutil.Error:
                return
            time.sleep(0.1)

    def done(self) -> float:
        self.stop.set()
        self.thread.join(2)
        return self.peak


class Box:
    """The Prefect server and moto's S3 server for the whole benchmark."""

    def __init__(self, base: Path):
        self.base = base
        self.api = f"http://127.0.0.1:{_port()}/api"
        port = self.api.rsplit(":", 1)[1].split("/")[0]
        self.s3 = f"http://127.0.0.1:{_port()}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        self.env.update(PREFECT_API_URL=self.api, PREFECT_SERVER_ANALYTICS_ENABLED="false",
                        PREFECT_SERVER_UI_ENABLED="false", PREFECT_SERVER_LOGGING_LEVEL="WARNING",
                        PREFECT_HOME=str(base / "prefect-home"), AWS_ENDPOINT_URL=self.s3,
                        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                        AWS_DEFAULT_REGION="us-east-1", GOVREPORTS_CACHE=str(base / "cache"),
                        PREFECT_WORKER_QUERY_SECONDS="1", PYTHONPATH=str(REPO))
        self.procs = [
            _spawn([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", port],
                   {**self.env, "PREFECT_HOME": str(base / "server-home")}, base / "server.log"),
            _spawn([MOTO, "-H", "127.0.0.1", "-p", self.s3.rsplit(":", 1)[1]], self.env,
                   base / "moto.log")]
        _wait_http(self.api + "/health", self.procs[0])
        _wait_http(self.s3, self.procs[1])
        import boto3
        boto3.client("s3", endpoint_url=self.s3, region_name="us-east-1",
                     aws_access_key_id="bench", aws_secret_access_key="bench"
                     ).create_bucket(Bucket="bench")

    def close(self):
        for p in reversed(self.procs):
            _stop(p)


def harvest(box: Box, net, name: str, extra: list, db: Path | None = None) -> dict:
    db = db or box.base / f"{name}.duckdb"
    argv = [CLI, "harvest", "--db", db, "--registry", net.registry, "--fast", *extra]
    for pid in net.ids:
        argv += ["--portal", pid]
    t0 = time.perf_counter()
    log = box.base / f"{name}.log"
    proc = _spawn(argv, box.env, log, cwd=box.base)
    rss = PeakRss(proc.pid)
    proc.wait()
    seconds = time.perf_counter() - t0
    peak = rss.done()
    if proc.returncode != 0:
        raise RuntimeError(f"{name}: harvest failed: {log.read_text(errors='replace')[-3000:]}")
    import duckdb
    con = duckdb.connect(str(db) + ".snapshot" if Path(str(db) + ".snapshot").exists() else str(db),
                         read_only=True)
    reports = con.execute("SELECT count(*) FROM reports").fetchone()[0]
    timings = con.execute("SELECT timings FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    con.close()
    return {"name": name, "seconds": seconds, "reports": reports, "peak_mb": peak, "db": db,
            "timings": timings}


def distributed(box: Box, net, workers: int, size: int) -> dict:
    pool = f"bench-{size}-{workers}"
    deploy = subprocess.run([CLI, "deploy-crawl", "--pool", pool, "--registry", net.registry],
                            env=box.env, capture_output=True, timeout=600)
    if deploy.returncode != 0:
        raise RuntimeError(deploy.stderr.decode()[-2000:])
    procs = [_spawn([PREFECT, "worker", "start", "--pool", pool, "--name", f"w{i}",
                     "--limit", str(WORKER_LIMIT)],
                    {**box.env, "GOVREPORTS_CACHE": str(box.base / f"cache-w{i}")},
                    box.base / f"{pool}-w{i}.log", cwd=box.base) for i in range(workers)]
    try:
        return harvest(box, net, f"dist-{size}-{workers}",
                       ["--archive", f"s3://bench/{pool}", "--pool", pool,
                        "--dask", f"local:{workers}", "--workers", str(workers)])
    finally:
        for p in procs:
            _stop(p)


def show(row: dict) -> None:
    print(f"  {row['name']:<16} {row['seconds']:7.1f}s  {row['reports']:5d} reports  "
          f"{row['reports'] / row['seconds']:5.1f} reports/s  flow process peak "
          f"{row['peak_mb']:.0f} MB; steps {row['timings']}", flush=True)


def one_size(box: Box, portals: int, reports: int, compare: bool) -> list[dict]:
    from bench_e2e import ServedNetwork
    rows = []
    work = box.base / f"net-{reports}"
    work.mkdir()
    with ServedNetwork(portals, reports, work) as net:
        local = harvest(box, net, f"local-{reports}",
                        ["--archive", box.base / f"archive-{reports}", "--workers", "2"])
        rows.append(local)
        show(local)
        rows.append(harvest(box, net, f"nightly-{reports}",
                            ["--archive", box.base / f"archive-{reports}", "--workers", "2"],
                            db=local["db"]))
        show(rows[-1])
        if compare:
            for workers in (1, 2):
                rows.append(distributed(box, net, workers, reports))
                show(rows[-1])
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--portals", type=int, default=500)
    ap.add_argument("--sizes", default="500,2000", help="report counts (default 500,2000); "
                    "the distributed runs are measured at the largest")
    ap.add_argument("--memory", action="store_true",
                    help="only the one-machine harvest and its nightly re-run at each size "
                         "(the peak-memory figures), no distributed runs")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    base = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    box = Box(base)
    try:
        by = {}
        for n in sizes:
            for row in one_size(box, args.portals, n,
                                compare=n == sizes[-1] and not args.memory):
                by[row["name"]] = row
        n = sizes[-1]
        if not args.memory:
            speeds(by, n, args.portals)
        if len(sizes) > 1:
            a, b = sizes[0], sizes[-1]
            for kind, what in (("local", "first harvest"),
                               ("nightly", "nightly re-run over the loaded archive")):
                pa, pb = by[f"{kind}-{a}"]["peak_mb"], by[f"{kind}-{b}"]["peak_mb"]
                print(f"peak memory of the flow process, {what}: {pa:.0f} MB at {a} reports, "
                      f"{pb:.0f} MB at {b} ({(pb - pa) / (b - a) * 1000:+.1f} MB per 1,000 "
                      f"reports)")
        return 0
    finally:
        box.close()
        shutil.rmtree(base, ignore_errors=True)


def speeds(by: dict, n: int, portals: int) -> None:
    local, d1, d2 = by[f"local-{n}"], by[f"dist-{n}-1"], by[f"dist-{n}-2"]
    print(f"{n} reports on {portals} portals: local {local['reports'] / local['seconds']:.1f} "
          f"reports/s; distributed 1 worker {d1['reports'] / d1['seconds']:.1f}, 2 workers "
          f"{d2['reports'] / d2['seconds']:.1f} reports/s (x{d1['seconds'] / d2['seconds']:.2f} "
          f"from the second worker); overhead of the distributed path over the local one at "
          f"2 workers {d2['seconds'] / local['seconds'] - 1:+.0%}")

if __name__ == "__main__":
    sys.exit(main())
