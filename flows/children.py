"""Child processes of a run (crawlers, parse workers, the temporary Prefect API) die with it,
even when it is killed with SIGKILL, and stop at once when the run is interrupted.

Linux sends a child a chosen signal when its parent dies (prctl PR_SET_PDEATHSIG). The kernel
ties that to the parent *thread* that forked the child, and flows fork from short-lived worker
threads (Prefect's task runner), so every child is forked by one thread that lives as long as
the process (`_spawner`). A child whose parent died before its prctl ran exits at once.

Every child started here is tracked, so `stop_all` (the run's SIGINT/SIGTERM handler) can end
them, and none starts once the run is stopping.
"""
from __future__ import annotations

import ctypes
import os
import queue
import signal
import subprocess
import threading
import time
import weakref
from typing import Any, Callable

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)  # resolved here: a forked child must not dlopen
_prctl = _libc.prctl
_prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


class Stopping(RuntimeError):
    """The run is being stopped (SIGINT/SIGTERM): no new child process starts."""


def die_with_parent(parent_pid: int) -> None:
    """In a child right after fork: SIGKILL when the parent (thread) dies; exit now if it has."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


# ----------------------------------------------------------------------------- the spawner
_requests: "queue.Queue[tuple[Callable[[], Any], queue.Queue]]" = queue.Queue()
_spawner_lock = threading.Lock()
_spawner: threading.Thread | None = None
_spawner_pid = 0  # the process the spawner thread belongs to (a fork has none)


def _serve() -> None:
    while True:
        fn, reply = _requests.get()
        try:
            reply.put((True, fn()))
        except BaseException as exc:  # handed back to the caller's thread
            reply.put((False, exc))


def on_spawner(fn: Callable[[], Any]) -> Any:
    """fn() on the long-lived thread that forks every child (see the module docstring)."""
    if threading.current_thread() is _spawner:
        return fn()
    with _spawner_lock:
        if _spawner is None or not _spawner.is_alive() or _spawner_pid != os.getpid():
            _start_spawner()
    reply: queue.Queue = queue.Queue(maxsize=1)
    _requests.put((fn, reply))
    ok, value = reply.get()
    if not ok:
        raise value
    return value


def _start_spawner() -> None:
    global _spawner, _spawner_pid
    _spawner = threading.Thread(target=_serve, name="govreports-spawner", daemon=True)
    _spawner.start()
    _spawner_pid = os.getpid()


# ----------------------------------------------------------------------------- tracking
_live: "weakref.WeakSet[Any]" = weakref.WeakSet()
_stopping = threading.Event()


def popen(*args, track: bool = True, **kwargs) -> subprocess.Popen:
    """subprocess.Popen whose child dies with this process (PR_SET_PDEATHSIG = SIGKILL);
    tracked (killed by stop_all) unless track=False."""
    if track and _stopping.is_set():
        raise Stopping("the run is stopping: no new process")
    parent = os.getpid()
    user_preexec = kwargs.pop("preexec_fn", None)

    def preexec() -> None:
        die_with_parent(parent)
        if user_preexec:
            user_preexec()

    proc = on_spawner(lambda: subprocess.Popen(*args, preexec_fn=preexec, **kwargs))
    if track:
        _live.add(proc)
    return proc


def start_process(proc) -> None:
    """Start a multiprocessing.Process (fork) from the spawner thread and track it; its target
    must call die_with_parent(os.getppid() at creation) first."""
    if _stopping.is_set():
        raise Stopping("the run is stopping: no new process")
    on_spawner(proc.start)
    _live.add(proc)


class Forked:
    """A child made by os.fork, with what the parse pool uses of a multiprocessing.Process
    (pid, sentinel, is_alive, kill, join, exitcode): for a daemonic process, a Dask worker,
    which multiprocessing forbids to start children."""

    def __init__(self, pid: int):
        self.pid, self.exitcode = pid, None
        self.sentinel = os.pidfd_open(pid)  # readable once the child has exited
        weakref.finalize(self, os.close, self.sentinel)

    def _reap(self, flags: int) -> None:
        if self.exitcode is None:
            done, status = os.waitpid(self.pid, flags)
            if done:
                self.exitcode = os.waitstatus_to_exitcode(status)

    def is_alive(self) -> bool:
        self._reap(os.WNOHANG)
        return self.exitcode is None

    def kill(self) -> None:
        if self.exitcode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def join(self, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.is_alive() and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.01)


def fork(target: Callable[..., Any], *args) -> Forked:
    """target(*args) in a child forked from the spawner thread, tracked like start_process's;
    the child leaves with os._exit (status 1 if target raised), never running this process's
    exit code. target must call die_with_parent(os.getpid() of this process) first."""
    if _stopping.is_set():
        raise Stopping("the run is stopping: no new process")

    def start() -> Forked:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                target(*args)
            except BaseException:  # noqa: BLE001 - the parent reads the exit status
                code = 1
            finally:
                os._exit(code)
        return Forked(pid)

    proc = on_spawner(start)
    _live.add(proc)
    return proc


def stopping() -> bool:
    return _stopping.is_set()


def stop_all() -> None:
    """Kill every live child started here (the run is stopping) and refuse new ones. SIGKILL:
    each child's work is crash-safe (the archive is flushed per record, the warehouse is only
    written by this process), and a graceful Scrapy shutdown could take minutes."""
    _stopping.set()
    for proc in list(_live):
        try:
            proc.kill()
        except (OSError, ValueError, AttributeError):
            pass
