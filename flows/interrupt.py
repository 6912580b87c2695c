"""SIGINT and SIGTERM stop a run cleanly: its child processes are killed at once, and the main
thread gets an exception no library code catches (KeyboardInterrupt, Terminated). The run
then rolls back its load transaction if one is open, marks its row `aborted` and exits 130
(SIGINT) or 143 (SIGTERM). The next run loads everything the archive holds.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from flows import children

EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal, as shells report


class Terminated(BaseException):
    """SIGTERM: the run was asked to stop. A BaseException, like KeyboardInterrupt."""
    exit_status = EXIT_STATUS[signal.SIGTERM]


def is_stop(exc: BaseException) -> bool:
    """Whether an exception is a run being stopped by a signal."""
    return isinstance(exc, (KeyboardInterrupt, Terminated))


def retry_unless_stopping(task, task_run, state) -> bool:
    """A task's retry condition: a crawl killed because the run is stopping is not retried."""
    return not children.stopping()


def exit_status(exc: BaseException) -> int:
    return getattr(exc, "exit_status", EXIT_STATUS[signal.SIGINT])


@contextmanager
def stop_on_signals():
    """While a run writes: the first SIGINT or SIGTERM kills its children and raises in the
    main thread; a second one only kills again (the run is already winding down, and its
    bookkeeping must not be cut short). Elsewhere than the main thread: nothing to install."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = []

    def on_signal(signum, frame):
        children.stop_all()
        if raised:
            return
        raised.append(signum)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated()

    old = {s: signal.signal(s, on_signal) for s in EXIT_STATUS}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
