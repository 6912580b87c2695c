"""Validation of user-given options. Each check raises UsageError with a one-line reason."""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from urllib.parse import urlsplit

from transforms.years import BadYears, Years

FIRST_YEAR = 2000  # the disclosure regulations date from 2008; older years are typos


class UsageError(ValueError):
    """A user mistake: printed as one line on stderr, exit status 2, no traceback."""


def check_years(text: str | None) -> Years | None:
    """The user's --years as Years ('2019-2023', '2020', '2015-2016,2019'); None -> None.
    Refuses a year before FIRST_YEAR or after next year (a typo, not a report)."""
    try:
        years = Years.parse(text)
    except BadYears as e:
        raise UsageError(str(e)) from None
    if years is None:
        return None
    newest = _dt.date.today().year + 1
    for y in (years.first, years.last):
        if not FIRST_YEAR <= y <= newest:
            raise UsageError(f"bad year range {text!r}: {y} is outside {FIRST_YEAR}-{newest}")
    return years


def check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"bad start URL {url!r}: expected an http(s) address with a host")
    return url.strip()


def check_portals(ids: list[str], known: list[str]) -> list[str]:
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UsageError(f"unknown portal id {unknown[0]!r} (see `govreports portals`)")
    return ids


def check_db_for_reading(db: str | Path) -> Path:
    path = Path(db)
    if not path.is_file():
        raise UsageError(f"no warehouse at {path}: run `govreports harvest` or "
                         f"`govreports demo` first, or pass --db")
    return path


def check_writable_dir(path: str | Path, what: str) -> Path:
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{what} {path} exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create {what} {path}: {e.strerror}") from None
    return path
