"""Real processes for tests and benchmarks on loopback (a Prefect server, workers, moto's S3
server): free ports, started in their own session with their output in a log file, stopped with
their whole process group."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(argv: list, env: dict, log: Path, cwd=None) -> subprocess.Popen:
    """A process in its own session, its output in a log file (a pipe nobody reads fills up)."""
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(a) for a in argv], stdout=out, stderr=subprocess.STDOUT,
                                env=env, cwd=cwd, start_new_session=True)
    proc.log = log
    return proc


def tail(proc) -> str:
    return proc.log.read_text(errors="replace")[-2000:]


def stop(proc: subprocess.Popen) -> None:
    """SIGINT to the process group, SIGKILL after 20 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
