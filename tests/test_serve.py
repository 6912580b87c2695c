"""`govreports serve` against a real `prefect server start` on a free loopback port: both
deployments register, the nightly one carries its cron schedule, and a backfill triggered with
`prefect deployment run` completes and loads the warehouse. This is what proves the Prefect and
FastAPI pins work together."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import CLI
from sampleportal.server import start_sample_portal

PREFECT = Path(sys.executable).parent / "prefect"
YEARS = (2019, 2021)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path, api: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_API_URL=api, PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_UI_ENABLED="false", PREFECT_SERVER_LOGGING_LEVEL="WARNING")
    return env


def _wait(check, timeout: float, what: str, procs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                pytest.fail(f"{what}: a process exited early: {p.stdout.read().decode()[-2000:]}")
        value = check()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def _get(api: str, path: str):
    try:
        r = httpx.get(f"{api}{path}", timeout=5)
        return r.json() if r.status_code == 200 else None
    except httpx.HTTPError:
        return None


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("serve")
    api = f"http://127.0.0.1:{_free_port()}/api"
    port = api.rsplit(":", 1)[1].split("/")[0]
    server = subprocess.Popen([str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", port],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env=_env(base / "server-home", api), start_new_session=True)
    procs = [server]
    try:
        _wait(lambda: _get(api, "/health") is True, 150, "the Prefect server", procs)
        with start_sample_portal() as portal:
            db, archive = base / "warehouse.duckdb", base / "archive"
            serve = subprocess.Popen(
                [str(CLI), "serve", "--api-url", api, "--db", str(db), "--archive", str(archive),
                 "--registry", str(portal.registry_path), "--fast"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=_env(base / "client-home", api), start_new_session=True, cwd=base)
            procs.append(serve)
            backfill = _wait(lambda: _get(api, "/deployments/name/backfill/backfill"), 120,
                             "the backfill deployment", procs)
            nightly = _get(api, "/deployments/name/harvest/nightly")
            run = subprocess.run(
                [str(PREFECT), "deployment", "run", "backfill/backfill",
                 "--param", f"years={YEARS[0]}-{YEARS[1]}"],
                capture_output=True, timeout=120, env=_env(base / "client-home", api))
            assert run.returncode == 0, run.stdout.decode() + run.stderr.decode()
            runs = lambda: httpx.post(f"{api}/flow_runs/filter", timeout=10, json={  # noqa: E731
                "deployments": {"id": {"any_": [backfill["id"]]}}}).json()
            final = _wait(lambda: [r for r in runs() if r["state_type"] in
                                   ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")],
                          240, "the backfill flow run", procs)[0]
            _stop(serve)
            yield {"backfill": backfill, "nightly": nightly, "run": final, "db": db,
                   "portal_years": sorted({r["year"] for r in portal.expected["reports"]})}
    finally:
        for p in reversed(procs):
            _stop(p)


def test_backfill_deployment_is_registered(served):
    assert served["backfill"]["name"] == "backfill"


def test_nightly_deployment_runs_on_a_cron_schedule(served):
    crons = [s["schedule"].get("cron") for s in served["nightly"]["schedules"]]
    assert crons == ["0 2 * * *"]


def test_triggered_backfill_completes(served):
    assert served["run"]["state_type"] == "COMPLETED", served["run"]["state"]


def _query(db: Path, sql: str):
    proc = subprocess.run([str(CLI), "sql", sql, "--db", str(db), "--format", "json"],
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


def test_backfill_run_is_recorded(served):
    assert _query(served["db"], "SELECT flow, status FROM runs") == [
        {"flow": "backfill", "status": "ok"}]


def test_backfill_loads_only_the_years_asked(served):
    years = {r["year"] for r in _query(served["db"], "SELECT DISTINCT year FROM reports")}
    expected = {y for y in served["portal_years"] if YEARS[0] <= y <= YEARS[1]}
    assert years == expected
