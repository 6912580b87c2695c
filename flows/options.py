"""Validation of user-given options. Each check raises UsageError with a one-line reason."""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from urllib.parse import urlsplit

FIRST_YEAR = 2000  # the disclosure regulations date from 2008; older years are typos


class UsageError(ValueError):
    """A user mistake: printed as one line on stderr, exit status 2, no traceback."""


def parse_years(text: str | None) -> tuple[int, int] | None:
    """'2019-2021' -> (2019, 2021); '2020' -> (2020, 2020); None -> None."""
    if text is None:
        return None
    parts = text.strip().split("-")
    if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
        raise UsageError(f"bad year range {text!r}: expected Y1-Y2, e.g. 2019-2023")
    first, last = int(parts[0]), int(parts[-1])
    if first > last:
        raise UsageError(f"bad year range {text!r}: {first} is after {last}")
    newest = _dt.date.today().year + 1
    for y in (first, last):
        if not FIRST_YEAR <= y <= newest:
            raise UsageError(f"bad year range {text!r}: {y} is outside {FIRST_YEAR}-{newest}")
    return first, last


def years_arg(years: tuple[int, int] | None) -> str | None:
    """The crawler's --years form of a parsed range."""
    return None if years is None else f"{years[0]}-{years[1]}"


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
