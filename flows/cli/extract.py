"""`govreports extract`: parse pages without crawling, print JSON or a short summary."""
from __future__ import annotations

import http.client
import json
import os
import sys
import time
import urllib.request
from pathlib import Path

from flows.limits import configured, time_limit
from transforms.errors import ExtractError, TimeLimit
from transforms.extract import extract
from transforms.limits import Limits, size

IDLE_SECONDS = 30  # a server silent this long is given up on (the whole download has fetch_seconds)
_CHUNK = 64 * 1024


def fetch(url: str, limits: Limits) -> tuple[bytes, str, str | None]:
    """(body, final URL, content type) of an http(s) URL within a total deadline.

    The socket timeout only bounds silence: a server sending one byte every few seconds would
    hold it for ever. Every chunk is checked against the deadline, and the timer stops a read
    that blocks past it."""
    deadline = time.monotonic() + limits.fetch_seconds
    req = urllib.request.Request(url, headers={"User-Agent": "govreports/0.1 (+extract)"})
    try:
        with time_limit(limits.fetch_seconds):
            with urllib.request.urlopen(req, timeout=min(IDLE_SECONDS, limits.fetch_seconds)) as resp:
                chunks, got = [], 0
                while got <= limits.max_source_bytes:
                    if time.monotonic() > deadline:
                        raise TimeLimit(limits.fetch_seconds)
                    chunk = resp.read1(_CHUNK)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    got += len(chunk)
                return b"".join(chunks), resp.geturl(), resp.headers.get("Content-Type")
    except TimeLimit:
        raise ExtractError(f"cannot fetch {url}: no complete answer within {limits.fetch_seconds:g}s "
                           f"(limit fetch_seconds)") from None
    except (OSError, http.client.HTTPException, ValueError) as e:
        raise ExtractError(f"cannot fetch {url}: {type(e).__name__}: {e}".rstrip(": ")) from None


def read_source(source: str, limits: Limits | None = None) -> tuple[bytes, str | None, str | None]:
    """Return (bytes, url, content_type) for a file path or an http(s) URL."""
    limits = limits or configured()
    if source.startswith(("http://", "https://")):
        return fetch(source, limits)
    if "://" in source:
        raise ExtractError(f"unsupported URL scheme: {source}")
    path = Path(source)
    if not path.exists():
        raise ExtractError(f"no such file: {source}")
    if not path.is_file():
        raise ExtractError(f"not a file: {source}")
    if path.stat().st_size > limits.max_source_bytes:
        raise ExtractError(f"source too large: {size(path.stat().st_size)} "
                           f"(limit max_source_bytes = {size(limits.max_source_bytes)})")
    try:
        return path.read_bytes(), None, None
    except OSError as e:
        raise ExtractError(f"cannot read {source}: {e.strerror}") from None


def extract_one(source: str, url: str | None = None) -> dict:
    limits = configured()
    raw, fetched_url, content_type = read_source(source, limits)
    try:
        with time_limit(limits.parse_seconds):
            doc = extract(raw, url or fetched_url, content_type, limits)
    except TimeLimit:
        raise ExtractError(f"gave up after {limits.parse_seconds:g}s (limit parse_seconds)") from None
    except ExtractError:
        raise
    except Exception as e:  # a parser bug must not become a traceback for the user
        if os.environ.get("GOVREPORTS_DEBUG"):
            raise
        raise ExtractError(f"cannot parse ({type(e).__name__}: {str(e)[:200]})") from None
    out = doc.to_json()
    if out["url"] is None and not source.startswith(("http://", "https://")):
        out["source"] = source
    return out


def _summary(d: dict) -> str:
    if not d.get("is_annual_report"):
        return f"{d.get('title') or '(untitled)'}: not an annual report"
    lines = [f"{d.get('title')}  year={d.get('year')} format={d.get('format')} "
             f"publisher={d.get('publisher')} metrics={len(d['metrics'])}"]
    for m in d["metrics"]:
        dim = f"[{m['dimension']}]" if m.get("dimension") else ""
        lines.append(f"  {m['key']}{dim} = {m['value']}{' (approx)' if m.get('approx') else ''}")
    failed = [c for c in d["checks"] if not c["ok"]]
    for c in failed:
        lines.append(f"  CHECK FAILED {c['check']}: {c['detail']}")
    for w in d.get("withheld", []):
        dim = f"[{w['dimension']}]" if w.get("dimension") else ""
        values = ", ".join(str(c["value"]) for c in w["candidates"])
        lines.append(f"  withheld {w['key']}{dim} ({values}): {w['reason']}")
    for w in d.get("warnings", []):
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def run(sources: list[str], url: str | None, as_json: bool) -> int:
    if url and len(sources) > 1:
        print("govreports extract: --url goes with a single SOURCE", file=sys.stderr)
        return 2
    failures = 0
    for src in sources:
        try:
            d = extract_one(src, url)
        except ExtractError as e:
            failures += 1
            print(f"govreports extract: {src}: {e}", file=sys.stderr)
            if as_json and len(sources) > 1:
                print(json.dumps({"source": src, "error": str(e)}, ensure_ascii=False), flush=True)
            continue
        if as_json:
            print(json.dumps(d, ensure_ascii=False), flush=True)
        else:
            print(_summary(d), flush=True)
    return 1 if failures else 0
