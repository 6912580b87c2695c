"""One run at a time: the archive's run lock, and a quick look at who holds a run's locks.

Locks are filelock's (flock underneath): the kernel drops one when its holder dies, so a
killed run never leaves a stale lock. The holder writes "pid N" into the lock file for the
message a second run prints.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

ARCHIVE_LOCK = ".run.lock"  # in the archive directory


class HarvestBusy(RuntimeError):
    """Another harvest, backfill or reprocess is using the same archive."""


def archive_lock_file(archive: str | Path) -> Path:
    return Path(archive) / ARCHIVE_LOCK


def warehouse_lock_file(db: str | Path) -> Path:
    """The warehouse writer's lock (taken by warehouse.store.Warehouse)."""
    return Path(str(db) + ".lock")


def _read_holder(lock_file: Path) -> str:
    try:
        return lock_file.read_text("utf-8", "replace")[:200].strip()
    except OSError:
        return ""


def _sign(fd: int) -> None:
    """The holder's name in its lock file (only the holder writes it: no contender truncates)."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)


@contextmanager
def archive_lock(archive: str | Path):
    """Exclusive use of an archive for one run; a second run is refused at once."""
    lock_file = archive_lock_file(archive)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_file, blocking=False, fallback_to_soft=False, preserve_lock_file=True,
                    on_acquired=_sign)
    try:
        lock.acquire()
    except Timeout:
        raise HarvestBusy(f"another run is using the archive {archive} "
                          f"({_read_holder(lock_file) or 'unknown'}); "
                          "try again when it has finished") from None
    try:
        yield
    finally:
        lock.release()


def holder_if_locked(lock_file: Path) -> str | None:
    """Who holds a lock file (its text), or None when nobody does. Keeps nothing."""
    if not lock_file.exists():
        return None
    probe = FileLock(lock_file, blocking=False, fallback_to_soft=False, preserve_lock_file=True)
    try:
        probe.acquire()
    except Timeout:
        return _read_holder(lock_file) or "another process"
    probe.release()
    return None


def ensure_idle(db: str | Path, archive: str | Path) -> None:
    """Refuse at once (before starting Prefect) when another run holds the archive or the
    warehouse; the flow takes the locks for real, this only gives a quick clear answer."""
    for lock_file, what in ((archive_lock_file(archive), f"the archive {archive}"),
                            (warehouse_lock_file(db), f"the warehouse {db}")):
        holder = holder_if_locked(lock_file)
        if holder:
            raise HarvestBusy(f"another harvest is running on {what} ({holder}); "
                              "try again when it has finished")
