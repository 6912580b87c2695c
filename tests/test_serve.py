"""`govreports serve` against a real `prefect server start` on a free loopback port: both
deployments register, the nightly one carries its cron schedule, a backfill triggered with
`prefect deployment run` completes and loads the warehouse, and on a one-minute cron the server's
own scheduler creates a harvest run that completes and loads its reports. This is what proves the
Prefect, FastAPI and SQLAlchemy pins work together."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import CLI
from procs import free_port as _free_port, spawn as _spawn, stop as _stop, tail as _tail
from sampleportal.server import start_sample_portal

PREFECT = Path(sys.executable).parent / "prefect"
YEARS = (2019, 2021)


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
                pytest.fail(f"{what}: a process exited early: {_tail(p)}")
        value = check()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}: " + " | ".join(_tail(p) for p in procs))


def _get(api: str, path: str):
    try:
        r = httpx.get(f"{api}{path}", timeout=5)
        return r.json() if r.status_code == 200 else None
    except httpx.HTTPError:
        return None


# The server's scheduler looks for new deployments every 5 s and for all of them every
# LOOP_SECONDS; the runner in `serve` asks for due runs every POLL_SECONDS. Short loops keep the
# wait for the first one-minute cron run (at most a minute) the only real wait.
SCHEDULER_LOOP_SECONDS = "5"
POLL_SECONDS = "2"


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    """A real `prefect server start` on a free loopback port, with its own PREFECT_HOME."""
    base = tmp_path_factory.mktemp("prefect-server")
    api = f"http://127.0.0.1:{_free_port()}/api"
    port = api.rsplit(":", 1)[1].split("/")[0]
    env = _env(base / "server-home", api)
    env["PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS"] = SCHEDULER_LOOP_SECONDS
    server = _spawn([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", port], env,
                    base / "server.log")
    try:
        _wait(lambda: _get(api, "/health") is True, 150, "the Prefect server", [server])
        yield {"api": api, "server": server}
    finally:
        _stop(server)


def _serve(api: str, base: Path, registry: Path, *extra: str) -> subprocess.Popen:
    env = _env(base / "client-home", api)
    env["PREFECT_RUNNER_POLL_FREQUENCY"] = POLL_SECONDS
    return _spawn([CLI, "serve", "--api-url", api, "--db", base / "warehouse.duckdb",
                   "--archive", base / "archive", "--registry", registry, "--fast", *extra],
                  env, base / "serve.log", cwd=base)


def _flow_runs(api: str, deployment_id: str) -> list[dict]:
    r = httpx.post(f"{api}/flow_runs/filter", timeout=10, json={
        "deployments": {"id": {"any_": [deployment_id]}}})
    return r.json() if r.status_code == 200 else []


FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


@pytest.fixture(scope="module")
def served(prefect_api, tmp_path_factory):
    api, procs = prefect_api["api"], [prefect_api["server"]]
    base = tmp_path_factory.mktemp("serve")
    with start_sample_portal() as portal:
        serve = _serve(api, base, portal.registry_path)
        try:
            backfill = _wait(lambda: _get(api, "/deployments/name/backfill/backfill"), 120,
                             "the backfill deployment", procs + [serve])
            nightly = _get(api, "/deployments/name/harvest/nightly")
            run = subprocess.run(
                [str(PREFECT), "deployment", "run", "backfill/backfill",
                 "--param", f"years={YEARS[0]}-{YEARS[1]}"],
                capture_output=True, timeout=120, env=_env(base / "client-home", api))
            assert run.returncode == 0, run.stdout.decode() + run.stderr.decode()
            final = _wait(lambda: [r for r in _flow_runs(api, backfill["id"])
                                   if r["state_type"] in FINAL],
                          240, "the backfill flow run", procs + [serve])[0]
        finally:
            _stop(serve)
        yield {"backfill": backfill, "nightly": nightly, "run": final, "db": base / "warehouse.duckdb",
               "portal_years": sorted({r["year"] for r in portal.expected["reports"]})}


@pytest.fixture(scope="module")
def scheduled(prefect_api, served, tmp_path_factory):
    """`serve --cron '* * * * *'`: the first run the server's scheduler creates, to its end.
    Runs after `served` (one serve at a time registers the two deployments)."""
    api, procs = prefect_api["api"], [prefect_api["server"]]
    base = tmp_path_factory.mktemp("scheduled")
    t0 = time.monotonic()
    with start_sample_portal() as portal:
        serve = _serve(api, base, portal.registry_path, "--cron", "* * * * *", "--timezone", "UTC")
        try:
            nightly = _wait(lambda: (lambda d: d if d and _crons(d) == ["* * * * *"] else None)(
                _get(api, "/deployments/name/harvest/nightly")), 120, "the nightly deployment",
                procs + [serve])
            final = _wait(lambda: [r for r in _flow_runs(api, nightly["id"])
                                   if r["auto_scheduled"] and r["state_type"] in FINAL],
                          240, "a scheduled nightly flow run", procs + [serve])[0]
        finally:
            _stop(serve)
        yield {"nightly": nightly, "run": final, "db": base / "warehouse.duckdb",
               "seconds": time.monotonic() - t0,
               "portal_years": sorted({r["year"] for r in portal.expected["reports"]})}


def _crons(deployment: dict) -> list:
    return [s["schedule"].get("cron") for s in deployment.get("schedules") or []]


def test_backfill_deployment_is_registered(served):
    assert served["backfill"]["name"] == "backfill"


def test_nightly_deployment_runs_on_a_cron_schedule(served):
    assert _crons(served["nightly"]) == ["0 2 * * *"]


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


def test_scheduler_creates_a_nightly_run_that_completes(scheduled):
    assert scheduled["run"]["state_type"] == "COMPLETED", scheduled["run"]["state"]


def test_scheduled_run_loads_its_reports(scheduled):
    run = _query(scheduled["db"], "SELECT run_id, status FROM runs WHERE flow_run_id = "
                                  f"'{scheduled['run']['id']}'")
    years = {r["year"] for r in _query(scheduled["db"], "SELECT DISTINCT year FROM reports "
                                                        f"WHERE first_run_id = '{run[0]['run_id']}'")}
    assert (run[0]["status"], sorted(years)) == ("ok", scheduled["portal_years"])
