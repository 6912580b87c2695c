"""Prefect settings for our runs. Call `configure()` BEFORE anything imports prefect.

Without PREFECT_API_URL, Prefect starts a temporary ("ephemeral") API server in the background
for the length of the process; that is how `harvest`, `demo` and the tests run. Its SQLite
database lives in PREFECT_HOME. We keep that home beside the warehouse (so the second start is
fast: no migrations) and fall back to a private temp dir when another process holds it, so two
runs never share one SQLite file. That server is a child of ours that dies with us, even on
SIGKILL (see `_guard_temporary_api`).
"""
from __future__ import annotations

import atexit
import fcntl
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

# Defaults only: a variable the user set in the environment always wins.
DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS": "false",
    "DO_NOT_TRACK": "1",
    # A fresh ephemeral server runs its migrations first: ~20 s on a busy 2-core machine.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    "PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED": "false",
}

_lock_handle = None  # keeps the PREFECT_HOME lock for the life of the process


def configure(home: str | Path | None = None, verbose: bool = False) -> str:
    """Set Prefect's environment for this process; returns the PREFECT_HOME in use."""
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    if not verbose:
        # Our own progress lines say what failed, in one line; Prefect's flow/task loggers
        # would print a traceback for every user error (a busy warehouse, say).
        os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL", "CRITICAL")
    if "PREFECT_HOME" not in os.environ:
        os.environ["PREFECT_HOME"] = _claim_home(Path(home) if home else None)
    quiet_loggers(verbose)
    if not os.environ.get("PREFECT_API_URL"):
        _guard_temporary_api()
    return os.environ["PREFECT_HOME"]


class _GuardedSubprocess:
    """The `subprocess` module as Prefect's temporary-server code sees it: its Popen starts the
    uvicorn child through flows.children, so the server dies with this process (Prefect stops
    it at exit, which a SIGKILL never reaches: a leaked ~200 MB server per killed run)."""

    def __getattr__(self, name):
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args, **kwargs):
        from flows.children import popen
        # The run's own API: stopped by Prefect last, and out of the terminal's process group,
        # so a Ctrl-C reaches the run (which then stops cleanly, reporting to it) but not it.
        return popen(*args, track=False, start_new_session=True, **kwargs)


def _guard_temporary_api() -> None:
    """Route the temporary API server's start (prefect.server.api.server, Prefect 3.8) through
    _GuardedSubprocess. Settings are in the environment already, so importing Prefect is safe."""
    from prefect.server.api import server
    if not isinstance(server.subprocess, _GuardedSubprocess):
        server.subprocess = _GuardedSubprocess()


def _claim_home(preferred: Path | None) -> str:
    """The preferred dir if no other process uses it, else a temp dir removed at exit."""
    global _lock_handle
    if preferred is not None:
        try:
            preferred.mkdir(parents=True, exist_ok=True)
            handle = open(preferred / ".govreports.lock", "w")
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _lock_handle = handle
            return str(preferred)
        except OSError:
            pass
    tmp = tempfile.mkdtemp(prefix="govreports-prefect-")
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    return tmp


def quiet_loggers(verbose: bool) -> None:
    """Third-party chatter (HTTP clients, the API server, alembic) stays out of the console."""
    level = logging.INFO if verbose else logging.WARNING
    for name in ("httpx", "httpcore", "uvicorn", "uvicorn.access", "alembic", "docket",
                 "prefect.server", "prefect._internal"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))


def start_prefect(db: str, verbose: bool, crawl_detail: bool | None = None) -> None:
    """Prefect's settings for this process; crawl_detail (default: verbose) lets the crawlers'
    own logs, tracebacks included, through to stderr."""
    from flows.progress import set_verbose
    set_verbose(verbose if crawl_detail is None else crawl_detail)
    configure(home=Path(db).parent / ".prefect", verbose=verbose)
