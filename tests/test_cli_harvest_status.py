"""`govreports harvest` tells cron what happened: every portal down is exit 1 with one line per
failed portal and no traceback; some down is status `partial` (exit 3), the others loaded.
Real CLI processes, real crawls of the sample portal and of loopback ports nothing listens on."""
from __future__ import annotations

import os
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import CLI
from sampleportal.server import start_sample_portal

PREFECT_HOME = Path(tempfile.gettempdir()) / "govreports-test-prefect-cli"


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(PREFECT_HOME)
    return env


def _dead_urls(n: int) -> list[str]:
    """Loopback ports nothing listens on (bound, then released)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [f"http://127.0.0.1:{s.getsockname()[1]}/" for s in socks]
    finally:
        for s in socks:
            s.close()


def _harvest(base: Path, *args: str):
    proc = subprocess.run([str(CLI), "harvest", *args, "--db", str(base / "w.duckdb"),
                           "--archive", str(base / "archive"), "--fast"],
                          capture_output=True, timeout=300, cwd=base, env=_env())
    return {"code": proc.returncode, "out": proc.stdout.decode(), "err": proc.stderr.decode()}


def _failed_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.strip().startswith("portal failed:")]


@pytest.fixture(scope="module")
def all_down(tmp_path_factory):
    dead = _dead_urls(2)
    base = tmp_path_factory.mktemp("all-down")
    return {"dead": dead, **_harvest(base, "--start-url", dead[0], "--start-url", dead[1])}


@pytest.fixture(scope="module")
def some_down(tmp_path_factory):
    [dead] = _dead_urls(1)
    base = tmp_path_factory.mktemp("some-down")
    with start_sample_portal() as portal:
        good = portal.expected["portals"]["sample-xihu"]["start_urls"][0]
        return {"dead": dead, **_harvest(base, "--start-url", good, "--start-url", dead)}


def test_every_portal_down_exits_1(all_down):
    assert all_down["code"] == 1, all_down["err"][-2000:]


def test_every_portal_down_says_failed(all_down):
    assert "status: failed" in all_down["out"]


def test_each_down_portal_is_one_line(all_down):
    lines = _failed_lines(all_down["out"])
    assert sorted(d for d in all_down["dead"] if any(d in line for line in lines)) == \
        sorted(all_down["dead"]) and len(lines) == 2


def test_a_network_failure_prints_no_traceback(all_down):
    assert "Traceback" not in all_down["err"] + all_down["out"]


def test_a_network_failure_is_a_few_lines_of_progress(all_down):
    assert len(all_down["err"].splitlines()) < 15, all_down["err"]


def test_some_portals_down_is_partial_with_exit_3(some_down):
    assert (some_down["code"], "status: partial" in some_down["out"]) == (3, True), \
        some_down["err"][-2000:]


def test_partial_run_names_only_the_down_portal(some_down):
    [line] = _failed_lines(some_down["out"])
    assert some_down["dead"] in line
