"""Past one machine, on loopback: a real `prefect server start`, two `prefect worker start`
process workers on a work pool, moto's S3 server and a 2-worker Dask LocalCluster. The sample
portal is harvested through the distributed path (crawls as flow runs on the pool, archive on
S3, parse on Dask) and, beside it, by the one-machine path; the two warehouses must hold the
same reports, documents, metrics and values. Each worker has its own cache directory, as two
machines would."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import httpx
import pytest

from conftest import CLI
from sampleportal.server import start_sample_portal
from procs import free_port as _free_port, spawn as _spawn, stop as _stop
from test_serve import _env, _get, _wait

PREFECT = Path(sys.executable).parent / "prefect"
POOL = "loopback-pool"
BUCKET = "govreports-test"


@pytest.fixture(scope="module")
def s3():
    from moto.server import ThreadedMotoServer
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    try:
        import boto3
        boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                     aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(Bucket=BUCKET)
        yield env
    finally:
        server.stop()


def _snapshot(db: Path) -> dict:
    """What must not depend on the path taken. Which of two identical copies of a report is
    canonical follows their fetch order (the earliest fetched), which no two crawls share: so
    the canonical URL and document are left out, not the report, its copies or its values."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        return {
            "reports": q("SELECT report_id, publisher, region, region_code, year, format, title, "
                         "published_date, copies, government_host, portal_id FROM reports "
                         "ORDER BY report_id"),
            "documents": q("SELECT doc_id, url, report_id, year, publisher, text_sha256, "
                           "is_annual_report, portal_id, own_host FROM documents ORDER BY doc_id"),
            "metrics": q("SELECT report_id, key, dimension, value, unit, approx, source "
                         "FROM metrics ORDER BY ALL"),
            "document_metrics": q("SELECT doc_id, key, dimension, value, unit, evidence "
                                  "FROM document_metrics ORDER BY ALL"),
            "withheld": q("SELECT doc_id, key, dimension, reason FROM withheld ORDER BY ALL"),
            "runs": q("SELECT flow, status FROM runs"),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, s3):
    base = tmp_path_factory.mktemp("cluster")
    api = f"http://127.0.0.1:{_free_port()}/api"
    port = api.rsplit(":", 1)[1].split("/")[0]
    server = _spawn([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", port],
                    _env(base / "server-home", api), base / "server.log")
    procs = [server]
    try:
        _wait(lambda: _get(api, "/health") is True, 150, "the Prefect server", procs)
        with start_sample_portal() as portal:
            ids = list(portal.expected["portals"])
            env = {**_env(base / "client-home", api), **s3,
                   "GOVREPORTS_CACHE": str(base / "cache-flow"),
                   "GOVREPORTS_PORTALS_PER_RUN": "1"}  # a flow run per portal: both workers busy
            deploy = subprocess.run([CLI, "deploy-crawl", "--pool", POOL,
                                     "--registry", portal.registry_path],
                                    capture_output=True, env=env, timeout=120)
            assert deploy.returncode == 0, deploy.stderr.decode()
            for i in (1, 2):  # two "machines": own Prefect home, own archive cache
                wenv = {**_env(base / f"worker{i}-home", api), **s3,
                        "GOVREPORTS_CACHE": str(base / f"cache-worker{i}"),
                        "PREFECT_WORKER_QUERY_SECONDS": "1"}
                procs.append(_spawn([PREFECT, "worker", "start", "--pool", POOL,
                                     "--name", f"worker-{i}", "--limit", "2"], wenv,
                                    base / f"worker{i}.log", cwd=base))
            common = ["--registry", portal.registry_path, "--fast", "--workers", "2"]
            for pid in ids:
                common += ["--portal", pid]
            archive = f"s3://{BUCKET}/archive"
            distributed = _spawn([CLI, "harvest", "--db", base / "dist.duckdb", "--archive",
                                  archive, "--pool", POOL, "--dask", "local:2", *common],
                                 env, base / "dist.log")
            local = _spawn([CLI, "harvest", "--db", base / "local.duckdb", "--archive",
                            base / "local-archive", *common],
                           {**env, "GOVREPORTS_CACHE": str(base / "cache-local")},
                           base / "local.log")
            for proc in (distributed, local):
                try:
                    proc.wait(timeout=300)
                except subprocess.TimeoutExpired:
                    pytest.fail(f"harvest timed out: {proc.log.read_text()[-3000:]}")
            snapshots = {name: _snapshot(base / f"{name}.duckdb")
                         for name in ("dist", "local")
                         if (base / f"{name}.duckdb").exists()}
            runs = httpx.post(f"{api}/flow_runs/filter", timeout=10, json={
                "flows": {"name": {"any_": ["crawl-portals"]}}}).json()
            reprocessed = subprocess.run(
                [CLI, "reprocess", "--db", base / "dist.duckdb", "--archive", archive,
                 "--registry", portal.registry_path, "--dask", "local:2"],
                capture_output=True, env=env, timeout=300)
            yield {"dist": distributed, "local": local, "base": base, "crawl_runs": runs,
                   "s3": s3, "archive": archive, "reprocessed": reprocessed,
                   "portals": ids, "env": env, "snapshots": snapshots}
    finally:
        for p in reversed(procs):
            _stop(p)


def test_both_harvests_succeed(cluster):
    for name in ("dist", "local"):
        proc = cluster[name]
        assert proc.returncode == 0, proc.log.read_text()[-3000:]


def test_crawls_ran_as_flow_runs_on_the_pool(cluster):
    runs = cluster["crawl_runs"]
    assert len(runs) >= len(cluster["portals"])
    assert all(r["state_type"] == "COMPLETED" for r in runs), [r["state"] for r in runs]
    assert {r["work_queue_name"] for r in runs} == {"default"}


def test_archive_lives_on_s3(cluster):
    import s3fs
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": cluster["s3"]["AWS_ENDPOINT_URL"]},
                           key="testing", secret="testing")
    warcs = fs.ls(f"{BUCKET}/archive/warc")
    parts = fs.ls(f"{BUCKET}/archive/index")
    assert warcs and len(warcs) == len(parts)
    assert not (cluster["base"] / "dist-archive").exists()


def test_warehouse_is_identical_to_a_one_machine_run(cluster):
    dist, local = cluster["snapshots"]["dist"], cluster["snapshots"]["local"]
    assert dist["reports"] and dist["metrics"]
    for table in ("reports", "documents", "metrics", "document_metrics", "withheld", "runs"):
        assert dist[table] == local[table], table


def test_reprocess_on_dask_from_s3_changes_nothing(cluster):
    before = cluster["snapshots"]["local"]
    proc = cluster["reprocessed"]
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    after = _snapshot(cluster["base"] / "dist.duckdb")
    for table in ("reports", "documents", "metrics", "document_metrics", "withheld"):
        assert after[table] == before[table], table


def test_dask_without_a_prefect_server_is_refused_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    proc = subprocess.run([CLI, "harvest", "--start-url", "http://127.0.0.1:9/", "--dask",
                           "local:2", "--db", tmp_path / "w.duckdb", "--archive",
                           tmp_path / "a"], capture_output=True, env=env, timeout=60)
    err = proc.stderr.decode().strip()
    assert proc.returncode == 2 and len(err.splitlines()) == 1, err
    assert "PREFECT_API_URL" in err
