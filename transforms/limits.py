"""Hard limits on one source (sizes, ratios, pages, time), as one small settings object.

The defaults are data (rules/limits.yaml). Callers pass a `Limits` in; transforms never reads
the environment. `Limits.with_overrides("pdf_max_pages=300,zip_max_ratio=500")` gives a copy
with some values changed (flows/ reads GOVREPORTS_LIMITS that way).
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

from transforms import rules
from transforms.errors import ExtractError

_DEFAULTS = rules.load("limits.yaml")


@dataclass(frozen=True)
class Limits:
    max_source_bytes: int = _DEFAULTS["max_source_bytes"]
    zip_max_entries: int = _DEFAULTS["zip_max_entries"]
    zip_max_part_bytes: int = _DEFAULTS["zip_max_part_bytes"]
    zip_max_total_bytes: int = _DEFAULTS["zip_max_total_bytes"]
    zip_max_ratio: float = _DEFAULTS["zip_max_ratio"]
    zip_ratio_from_bytes: int = _DEFAULTS["zip_ratio_from_bytes"]
    pdf_max_pages: int = _DEFAULTS["pdf_max_pages"]
    pdf_max_stream_bytes: int = _DEFAULTS["pdf_max_stream_bytes"]
    pdf_max_decoded_bytes: int = _DEFAULTS["pdf_max_decoded_bytes"]
    pdf_max_page_objects: int = _DEFAULTS["pdf_max_page_objects"]
    doc_max_stream_bytes: int = _DEFAULTS["doc_max_stream_bytes"]
    doc_max_chars: int = _DEFAULTS["doc_max_chars"]
    html_max_tags: int = _DEFAULTS["html_max_tags"]
    text_max_lines: int = _DEFAULTS["text_max_lines"]
    parse_seconds: float = _DEFAULTS["parse_seconds"]
    parse_memory_bytes: int = _DEFAULTS["parse_memory_bytes"]
    fetch_seconds: float = _DEFAULTS["fetch_seconds"]

    def with_overrides(self, spec: str) -> "Limits":
        """A copy with `name=value[,name=value...]` applied; a bad name or value raises
        ExtractError naming it (values: numbers, with an optional K/M/G suffix for bytes)."""
        known = {f.name: f.type for f in fields(self)}
        changes = {}
        for item in (spec or "").split(","):
            if not item.strip():
                continue
            name, sep, value = item.partition("=")
            name = name.strip()
            if not sep or name not in known:
                raise ExtractError(f"unknown limit {name!r} (known: {', '.join(known)})")
            changes[name] = _number(name, value.strip())
        return replace(self, **changes)


_SUFFIX = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}


def _number(name: str, text: str) -> float:
    scale = _SUFFIX.get(text[-1:].lower(), 1)
    digits = text[:-1] if scale != 1 else text
    try:
        value = float(digits) * scale
    except ValueError:
        raise ExtractError(f"limit {name} needs a number, not {text!r}") from None
    if value <= 0:
        raise ExtractError(f"limit {name} must be positive, not {text!r}")
    return int(value) if value.is_integer() else value


def size(n: float) -> str:
    """Bytes for a message: '32 MB', '1.1 GB', '512 KB'."""
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= scale:
            v = n / scale
            return f"{v:.1f} {unit}" if v < 10 and not float(v).is_integer() else f"{v:.0f} {unit}"
    return f"{int(n)} bytes"


def over(what: str, value: str, name: str, limit: str) -> ExtractError:
    """The one-line refusal: what is over which limit."""
    return ExtractError(f"{what} {value} (limit {name} = {limit})")


DEFAULT = Limits()
