"""Write the static report site: coverage, trends, one page per publisher and per report, the
metric dictionary. Plain HTML with inline SVG; every page forbids loading anything (a
Content-Security-Policy of its own), so the site works offline from file://.

    index.html              coverage matrix (publisher x year), grouped by province
    trends.html             charts by year over every report
    trends/<province>.html  every publisher's trend, side by side
    dictionary.html         metric_keys and the metric_series crosswalk
    publishers/<id>.html    one publisher's trends and reports
    reports/<report_id>.html  every figure with its evidence, checks, withheld values
    archive/<doc_id>.<ext>  the archived copy of each report (when the archive is at hand)
"""
from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import re
import shutil
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
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


SUBFOLDERS = ("reports", "publishers", "archive", "trends")


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SiteError(f"{out} is not empty and holds no report site: choose another --out")
    for sub in SUBFOLDERS:
        (out / sub).mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by govreports report; rebuilt in place\n", encoding="utf-8")


def _sweep(out: Path, written: set[str]) -> None:
    """Remove what an earlier build wrote and this one did not (a report merged away...).
    Rebuilding in place rewrites the rest: cheaper than emptying the folder first."""
    for sub in SUBFOLDERS:
        for path in (out / sub).iterdir():
            if f"{sub}/{path.name}" not in written:
                shutil.rmtree(path) if path.is_dir() else path.unlink()


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


def _series_table(rows: list[dict]) -> dict:
    """{"years": [...], "rows": [{"label", "by_year": {year: value}}, ...]} of one publisher."""
    years = sorted({r["year"] for r in rows if r["year"] is not None})
    by_series: dict[str, dict] = {}
    for _gid, _title, series in charts.GROUPS:
        for name in series:
            for r in rows:
                if r["series"] == name and r["value"] is not None:
                    entry = by_series.setdefault(name, {"label": r["label_zh"], "by_year": {}})
                    entry["by_year"][r["year"]] = _number(r["value"])
    return {"years": years, "rows": list(by_series.values())}


class _Site:
    """The output folder, the templates, and what every page shares."""

    def __init__(self, out: Path, db_path, snap: queries.Snapshot):
        self.out, self.snap = out, snap
        _prepare(out)
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                               autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
        self.common = {"built": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                       "source": Path(db_path).name, "last_run": snap.last_run}
        self.keys = {k["key"]: k for k in snap.metric_keys}
        self.order = {e["key"]: i for i, e in enumerate(metric_keys())}  # the dictionary's order
        self.dims = _dimension_labels()
        self.dim_order = {d: i for i, d in enumerate(self.dims)}
        self.by_publisher: dict[str, list[dict]] = defaultdict(list)
        for r in snap.reports:
            if r["publisher"]:
                self.by_publisher[r["publisher"]].append(r)
        self.hrefs = {name: f"publishers/{_slug(name)}.html" for name in self.by_publisher}
        self.written: set[str] = set()  # paths under out, as "reports/r….html"

    def write(self, name: str, template: str, root: str, **ctx) -> None:
        html = self.env.get_template(template).render(root=root, **self.common, **ctx)
        (self.out / name).write_text(html, encoding="utf-8")
        self.written.add(name)

    def _label(self, key: str) -> str:
        return self.keys.get(key, {}).get("label_zh", key)

    def report_pages(self, archived_body: ArchivedBody | None, reports: list[dict]) -> set[str]:
        """One page per report (and its archived copy); returns the paths written."""
        before = set(self.written)
        for r in reports:
            link = self._archive(r, archived_body)
            metrics = [{**m, "label_zh": self._label(m["key"]),
                        "dimension_zh": self.dims.get(m["dimension"], m["dimension"] or ""),
                        "value_text": _number(m["value"])} for m in self.snap.metrics.get(r["report_id"], [])]
            # In the order of the forms: the dictionary's, then the applicant columns'.
            metrics.sort(key=lambda m: (self.order.get(m["key"], len(self.order)),
                                        self.dim_order.get(m["dimension"], -1)))
            withheld = [{**w, "label_zh": self._label(w["key"]),
                         "dimension_zh": self.dims.get(w["dimension"], w["dimension"] or ""),
                         "candidates": [{**c, "value_text": _number(c.get("value"))} for c in w["candidates"]]}
                        for w in self.snap.withheld.get(r["report_id"], [])]
            checks = self.snap.checks.get(r["report_id"], [])
            prov = province_of(r["region_code"])
            self.write(f"reports/{r['report_id']}.html", "report.html", "../", page="report", r=r,
                       publisher_href=("../" + self.hrefs[r["publisher"]]) if r["publisher"] in self.hrefs else None,
                       province=prov[1] if prov else None, copies=self.snap.copies.get(r["report_id"], []),
                       archived=f"../archive/{link}" if link else None, archived_name=link,
                       metrics=metrics, checks=checks, failed=sum(1 for c in checks if not c["ok"]),
                       withheld=withheld, has_withheld=self.snap.has["withheld"], sources=SOURCES)
        return self.written - before

    def _archive(self, report: dict, archived_body: ArchivedBody | None) -> Optional[str]:
        if not archived_body or not report["record_id"]:
            return None
        body = archived_body(report["record_id"])
        if body is None:
            return None
        name = _archive_name(report)
        (self.out / "archive" / name).write_bytes(_archived(report, body))
        self.written.add(f"archive/{name}")
        return name

    def dictionary_page(self) -> None:
        crosswalk: dict[str, dict] = {}
        for c in self.snap.crosswalk:
            e = crosswalk.setdefault(c["series"], {"series": c["series"], "label_zh": c["label_zh"],
                                                   "by_format": {}})
            e["by_format"].setdefault(c["format"], []).append(c["key"])
        self.write("dictionary.html", "dictionary.html", "", page="dictionary",
                   keys=sorted(self.snap.metric_keys, key=lambda k: self.order.get(k["key"], len(self.order))),
                   crosswalk=list(crosswalk.values()))


def build_site(db_path, out_dir, archived_body: ArchivedBody | None = None,
               workers: int | None = None) -> dict:
    """Write the site for the warehouse at db_path (its published snapshot) into out_dir."""
    clock = _Clock()
    snap = queries.read(db_path)
    site = _Site(Path(out_dir), db_path, snap)
    flagged = {rid for rid, cs in snap.checks.items() if any(not c["ok"] for c in cs)} | set(snap.withheld)
    matrix = coverage.build(snap.reports, flagged, snap.portals)
    clock.lap("read")

    # Charts render in other processes while this one writes the report pages. Publishers are
    # drawn side by side, province by province, in the coverage matrix's order.
    totals = charts.total_specs(snap.series)
    labels = charts.series_labels(snap.series)
    multiples = []  # (group, [publisher, ...], spec)
    for g in matrix.groups:
        names = [row.publisher for row in g.rows]
        multiples += [(g, chunk, spec) for chunk, spec in charts.publisher_specs(snap.series, names, labels)]
    rendering = charts.Rendering([s for _, _, s in totals] + [s for _, _, s in multiples], workers)
    clock.lap("charts_started")

    site.written |= _report_pages(site, archived_body, workers)
    site.dictionary_page()
    clock.lap("report_pages")
    svgs = rendering.result()
    clock.lap("charts_wait")
    _overview_pages(site, matrix, totals, multiples, svgs)
    _sweep(site.out, site.written)
    clock.lap("overview_pages")
    return {"index": str((site.out / "index.html").resolve()), "reports": len(snap.reports),
            "publishers": len(site.by_publisher), "charts": len(svgs),
            "archived": sum(1 for p in site.written if p.startswith("archive/")),
            "seconds": round(clock.total(), 2), "timings": clock.laps}


PAGES_PARALLEL_FROM = 300  # reports: below this, one process writes their pages quicker
_FORKED: Optional[tuple] = None  # (site, archived_body) for the page writers forked from here


def _pages_of_slice(bounds: tuple[int, int]) -> set[str]:
    site, archived_body = _FORKED
    return site.report_pages(archived_body, site.snap.reports[bounds[0]:bounds[1]])


def _report_pages(site: _Site, archived_body: ArchivedBody | None, workers: int | None) -> set[str]:
    """The report pages, shared out over the CPUs for a large warehouse: forked writers inherit
    the snapshot already read, so nothing is sent to them but the bounds of their slice."""
    global _FORKED
    reports = site.snap.reports
    workers = workers or min(4, os.cpu_count() or 1)
    if workers < 2 or len(reports) < PAGES_PARALLEL_FROM:
        return site.report_pages(archived_body, reports)
    step = math.ceil(len(reports) / (workers * 4))
    _FORKED = (site, archived_body)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return set().union(*pool.map(_pages_of_slice, [(i, i + step) for i in range(0, len(reports), step)]))
    finally:
        _FORKED = None


class _Clock:
    """Seconds per step of a build (for the benchmark)."""

    def __init__(self):
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 2)
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.start


def _overview_pages(site: _Site, matrix: coverage.Matrix, totals: list, multiples: list,
                    svgs: list[str]) -> None:
    """Coverage, trends (in all and per province) and the publishers' pages."""
    trend_page = {g.code: f"trends/{g.code or 'unknown'}.html" for g in matrix.groups}
    drawn_on = {name: trend_page[g.code] for g, chunk, _ in multiples for name in chunk}
    site.write("index.html", "index.html", "", page="coverage", m=matrix, states=coverage.STATES,
               publisher_pages=site.hrefs)
    counts: dict[int, int] = defaultdict(int)
    for r in site.snap.reports:
        if r["year"] is not None:
            counts[r["year"]] += 1
    provinces = [(g.name, trend_page[g.code], sum(1 for row in g.rows if row.publisher in drawn_on))
                 for g in matrix.groups]
    site.write("trends.html", "trends.html", "", page="trends",
               charts=[(gid, title, svg) for (gid, title, _), svg in zip(totals, svgs)],
               per_year=sorted(counts.items()), provinces=[p for p in provinces if p[2]])
    drawn = list(zip(multiples, svgs[len(totals):]))
    for g in matrix.groups:
        group_svgs = [(chunk, svg) for (gg, chunk, _), svg in drawn if gg is g]
        if group_svgs:
            site.write(trend_page[g.code], "province_trends.html", "../", page="trends", group=g,
                       charts=group_svgs, hrefs=site.hrefs)
    series_by_publisher: dict[str, list[dict]] = defaultdict(list)
    for row in site.snap.series:
        series_by_publisher[row["publisher"]].append(row)
    for name, reports in site.by_publisher.items():
        prov = province_of(reports[0]["region_code"])
        site.write(site.hrefs[name], "publisher.html", "../", page="publisher", publisher=name,
                   region_code=reports[0]["region_code"], province=prov[1] if prov else None,
                   trends=drawn_on.get(name), reports=reports,
                   table=_series_table(series_by_publisher.get(name, [])))
