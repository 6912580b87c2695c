"""`govreports extract`: parse pages without crawling, print JSON or a short summary."""
from __future__ import annotations

import json
import os
import signal
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from transforms.errors import ExtractError
from transforms.extract import MAX_BYTES, extract

PER_SOURCE_SECONDS = 120  # bound the work on one source: never hang


class _Timeout(Exception):
    pass


@contextmanager
def _time_limit(seconds: int):
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def read_source(source: str) -> tuple[bytes, str | None, str | None]:
    """Return (bytes, url, content_type) for a file path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        req = urllib.request.Request(source, headers={"User-Agent": "govreports/0.1 (+extract)"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read(MAX_BYTES + 1)
                return raw, resp.geturl(), resp.headers.get("Content-Type")
        except OSError as e:
            raise ExtractError(f"cannot fetch {source}: {e}") from None
    if "://" in source:
        raise ExtractError(f"unsupported URL scheme: {source}")
    path = Path(source)
    if not path.exists():
        raise ExtractError(f"no such file: {source}")
    if not path.is_file():
        raise ExtractError(f"not a file: {source}")
    if path.stat().st_size > MAX_BYTES:
        raise ExtractError(f"source too large ({path.stat().st_size // (1024 * 1024)} MB; "
                           f"limit {MAX_BYTES // (1024 * 1024)} MB)")
    try:
        return path.read_bytes(), None, None
    except OSError as e:
        raise ExtractError(f"cannot read {source}: {e.strerror}") from None


def extract_one(source: str, url: str | None = None) -> dict:
    raw, fetched_url, content_type = read_source(source)
    try:
        with _time_limit(PER_SOURCE_SECONDS):
            doc = extract(raw, url or fetched_url, content_type)
    except _Timeout:
        raise ExtractError(f"gave up after {PER_SOURCE_SECONDS}s") from None
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
