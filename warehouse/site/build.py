"""Write the static report site: coverage, trends, one page per publisher and per report, the
metric dictionary. Plain HTML with inline SVG; every page forbids loading anything (a
Content-Security-Policy of its own), so the site works offline from file://.

    index.html              coverage matrix (publisher x year), grouped by province
    trends.html             charts by year over every report
    dictionary.html         metric_keys and the metric_series crosswalk
    publishers/<id>.html    one publisher's trends and reports
    reports/<report_id>.html  every figure with its evidence, checks, withheld values
    archive/<doc_id>.<ext>  the archived copy of each report (when the archive is at hand)
"""
from __future__ import annotations

import hashlib
import re
import shutil
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

from jinja2 import Environment, FileSystemLoader, select_autoescape

from transforms import rules
from transforms.classification.divisions import province_of

from warehouse.dictionary import metric_keys

from . import charts, coverage, queries

TEMPLATES = Path(__file__).with_name("templates")
MARKER = ".govreports-site"  # written in every site folder: only such a folder is rebuilt
SOURCES = {"text": "正文", "table": "表格"}
# Archived bodies: the extension a browser opens them by.
EXTENSIONS = [("html", ".html"), ("pdf", ".pdf"), ("officedocument.wordprocessingml", ".docx"),
              ("msword", ".doc"), ("text/plain", ".txt")]
# Put in front of an archived HTML page: it may not run scripts or load anything.
ARCHIVE_GUARD = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                 'style-src \'unsafe-inline\'; img-src data:">')

ArchivedBody = Callable[[str], Optional[bytes]]  # record_id of a fetch -> the body archived


class SiteError(RuntimeError):
    """The site cannot be written where asked (one-line reason)."""


def _number(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _slug(name: str) -> str:
    return "p" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]


def _dimension_labels() -> dict[str, str]:
    dims = rules.load("template_2021.yaml")["applicant_dims"]
    return {key: labels[0] for key, labels in dims.items()}


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SiteError(f"{out} is not empty and holds no report site: choose another --out")
    for sub in ("reports", "publishers", "archive"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by govreports report; rebuilt in place\n", encoding="utf-8")


def _archive_name(report: dict) -> str:
    kind = (report.get("content_type") or "").lower()
    ext = next((e for k, e in EXTENSIONS if k in kind), ".bin")
    return f"{report['canonical_doc_id']}{ext}"


def _archived(report: dict, body: bytes) -> bytes:
    if not _archive_name(report).endswith(".html"):
        return body
    m = re.search(r"charset=([\w-]+)", report.get("content_type") or "", re.I)
    head = (f'<meta charset="{m.group(1)}">' if m else "") + ARCHIVE_GUARD
    return head.encode("ascii") + body


def build_site(db_path, out_dir, archived_body: ArchivedBody | None = None,
               workers: int | None = None) -> dict:
    """Write the site for the warehouse at db_path (its published snapshot) into out_dir."""
    t0 = time.perf_counter()
    snap = queries.read(db_path)
    out = Path(out_dir)
    _prepare(out)
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    common = {"built": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "source": Path(db_path).name, "last_run": snap.last_run}

    def write(name: str, template: str, root: str, **ctx) -> None:
        html = env.get_template(template).render(root=root, **common, **ctx)
        (out / name).write_text(html, encoding="utf-8")

    flagged = {rid for rid, cs in snap.checks.items() if any(not c["ok"] for c in cs)} | set(snap.withheld)
    matrix = coverage.build(snap.reports, flagged, snap.portals)
    by_publisher: dict[str, list[dict]] = defaultdict(list)
    for r in snap.reports:
        if r["publisher"]:
            by_publisher[r["publisher"]].append(r)
    series_by_publisher: dict[str, list[dict]] = defaultdict(list)
    for s in snap.series:
        series_by_publisher[s["publisher"]].append(s)
    hrefs = {name: f"publishers/{_slug(name)}.html" for name in by_publisher}

    # Every chart in one batch: the renderer's start-up is paid once per process.
    totals = charts.total_specs(snap.series)
    names = [n for n in sorted(by_publisher) if series_by_publisher.get(n)]
    pub_specs = [(n, charts.publisher_spec(series_by_publisher[n], n)) for n in names]
    pub_specs = [(n, s) for n, s in pub_specs if s is not None]
    svgs = charts.render([s for _, _, s in totals] + [s for _, s in pub_specs], workers)
    pub_svg = dict(zip([n for n, _ in pub_specs], svgs[len(totals):]))

    write("index.html", "index.html", "", page="coverage", m=matrix, states=coverage.STATES,
          publisher_pages=hrefs)
    per_year = sorted({r["year"] for r in snap.reports if r["year"] is not None})
    counts = defaultdict(int)
    for r in snap.reports:
        counts[r["year"]] += 1
    write("trends.html", "trends.html", "", page="trends",
          charts=[(gid, title, svg) for (gid, title, _), svg in zip(totals, svgs)],
          per_year=[(y, counts[y]) for y in per_year],
          publishers=[(n, hrefs[n], len(by_publisher[n])) for n in sorted(by_publisher)])
    crosswalk: dict[str, dict] = {}
    for c in snap.crosswalk:
        e = crosswalk.setdefault(c["series"], {"series": c["series"], "label_zh": c["label_zh"],
                                               "by_format": {}})
        e["by_format"].setdefault(c["format"], []).append(c["key"])
    keys = {k["key"]: k for k in snap.metric_keys}
    order = {e["key"]: i for i, e in enumerate(metric_keys())}  # the dictionary's own order
    write("dictionary.html", "dictionary.html", "", page="dictionary",
          keys=sorted(snap.metric_keys, key=lambda k: order.get(k["key"], len(order))),
          crosswalk=list(crosswalk.values()))
    for name, reports in by_publisher.items():
        prov = province_of(reports[0]["region_code"])
        write(hrefs[name], "publisher.html", "../", page="publisher", publisher=name,
              region_code=reports[0]["region_code"], province=prov[1] if prov else None,
              svg=pub_svg.get(name), reports=reports)

    dims = _dimension_labels()
    dim_order = {d: i for i, d in enumerate(dims)}
    archived = 0
    for r in snap.reports:
        link = None
        if archived_body and r["record_id"]:
            body = archived_body(r["record_id"])
            if body is not None:
                link = _archive_name(r)
                (out / "archive" / link).write_bytes(_archived(r, body))
                archived += 1
        metrics = [{**m, "label_zh": keys.get(m["key"], {}).get("label_zh", m["key"]),
                    "dimension_zh": dims.get(m["dimension"], m["dimension"] or ""),
                    "value_text": _number(m["value"])} for m in snap.metrics.get(r["report_id"], [])]
        # In the order of the forms: the dictionary's, then the applicant columns'.
        metrics.sort(key=lambda m: (order.get(m["key"], len(order)), dim_order.get(m["dimension"], -1)))
        withheld = [{**w, "label_zh": keys.get(w["key"], {}).get("label_zh", w["key"]),
                     "dimension_zh": dims.get(w["dimension"], w["dimension"] or ""),
                     "candidates": [{**c, "value_text": _number(c.get("value"))} for c in w["candidates"]]}
                    for w in snap.withheld.get(r["report_id"], [])]
        checks = snap.checks.get(r["report_id"], [])
        prov = province_of(r["region_code"])
        write(f"reports/{r['report_id']}.html", "report.html", "../", page="report", r=r,
              publisher_href=("../" + hrefs[r["publisher"]]) if r["publisher"] in hrefs else None,
              province=prov[1] if prov else None, copies=snap.copies.get(r["report_id"], []),
              archived=f"../archive/{link}" if link else None, archived_name=link,
              metrics=metrics, checks=checks, failed=sum(1 for c in checks if not c["ok"]),
              withheld=withheld, has_withheld=snap.has["withheld"], sources=SOURCES)
    return {"index": str((out / "index.html").resolve()), "reports": len(snap.reports),
            "publishers": len(by_publisher), "charts": len(svgs), "archived": archived,
            "seconds": round(time.perf_counter() - t0, 2)}
