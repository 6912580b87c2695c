"""Trend charts: Altair specs rendered to SVG by vl-convert when the site is built (no script,
no CDN in the pages). Text is set in Noto Sans CJK (Debian's fonts-noto-cjk) so that the Chinese
labels are measured and drawn with a font that has them.
"""
from __future__ import annotations

import json
import multiprocessing
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

import altair as alt

FONT = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, WenQuanYi Micro Hei, sans-serif"
# The figures people follow, as series of the metric_series view, in chart groups.
GROUPS = [
    ("requests", "依申请公开：收到的申请及其处理结果",
     ["applications", "disclosed", "partly_disclosed", "not_disclosed", "unable_to_provide"]),
    ("reviews", "行政复议及其结果", ["reviews", "reviews_upheld", "reviews_corrected"]),
    ("lawsuits", "行政诉讼及其结果", ["lawsuits", "lawsuits_upheld", "lawsuits_corrected"]),
    ("proactive", "主动公开政府信息", ["proactive_total"]),
]
# Where the report template changed: between the statistical years around each rule.
TEMPLATE_CHANGES = [(2018.5, "2019年起：60号文模板"), (2020.5, "2021年起：30号文模板")]
PARALLEL_FROM = 10  # charts: below this, rendering here is quicker than starting a pool


def _config(chart):
    return (chart.configure(font=FONT)
            .configure_axis(labelFontSize=11, titleFontSize=12)
            .configure_legend(labelFontSize=12, titleFontSize=12, labelLimit=260, orient="bottom",
                              columns=3)
            .configure_title(fontSize=14, anchor="start")
            .configure_view(stroke="#ccc"))


def _panel(gid: str, title: str | None, order: list[str], width: int, height: int):
    """A panel drawing the named datasets `values_<gid>` (series lines) and `changes_<gid>`
    (the template changes inside its years). Built once per layout (Altair validates as it
    builds, which is slow): each chart is that spec with its own datasets."""
    lines = alt.Chart(alt.NamedData(f"values_{gid}")).mark_line(point=True, strokeWidth=2).encode(
        x=alt.X("year:Q", title="统计年度", scale=alt.Scale(zero=False, nice=False, padding=16),
                axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y("value:Q", title="件 / 条"),
        color=alt.Color("label:N", title=None, sort=order),
    )
    marks = alt.Chart(alt.NamedData(f"changes_{gid}"))
    chart = alt.layer(
        lines,
        marks.mark_rule(strokeDash=[4, 3], color="#888").encode(x="x:Q"),
        marks.mark_text(align="left", baseline="top", dx=3, dy=2, fontSize=10, color="#555").encode(
            x="x:Q", y=alt.value(0), text="note:N"),
    ).properties(width=width, height=height)
    return chart.properties(title=title) if title else chart


def _values(rows: list[dict], series: list[str]) -> list[dict]:
    sums: dict[tuple, float] = defaultdict(float)
    labels = {}
    for r in rows:
        if r["series"] in series and r["value"] is not None and r["year"] is not None:
            labels[r["series"]] = r["label_zh"]
            sums[(r["series"], r["year"])] += r["value"]
    return [{"series": s, "label": labels[s], "year": y, "value": v} for (s, y), v in sorted(sums.items())]


def _changes(values: list[dict]) -> list[dict]:
    years = [v["year"] for v in values]
    return [{"x": x, "note": note} for x, note in TEMPLATE_CHANGES if min(years) < x < max(years)]


def _label_order(labels: dict[str, str], series: list[str]) -> list[str]:
    return [labels[s] for s in series if s in labels]


@lru_cache(maxsize=16)
def _total_layout(gid: str, order: tuple[str, ...]) -> str:
    """The spec (JSON text) of one group's chart, without its data."""
    return json.dumps(_config(_panel(gid, None, list(order), 620, 260)).to_dict(), ensure_ascii=False)


def series_labels(series_rows: list[dict]) -> dict[str, str]:
    return {r["series"]: r["label_zh"] for r in series_rows}


def total_specs(series_rows: list[dict]) -> list[tuple[str, str, dict]]:
    """(group id, title, spec) for each group with data: sums over every report of a year."""
    labels = series_labels(series_rows)
    out = []
    for gid, title, series in GROUPS:
        values = _values(series_rows, series)
        if values:  # the page's heading names the chart
            spec = json.loads(_total_layout(gid, tuple(_label_order(labels, series))))
            spec["datasets"] = {f"values_{gid}": values, f"changes_{gid}": _changes(values)}
            out.append((gid, title, spec))
    return out


# Each publisher's own panel, side by side (small multiples): one SVG draws many publishers,
# far quicker to render than one chart each, and their trends read side by side.
PUBLISHER_SERIES = ["applications", "disclosed", "reviews", "lawsuits"]
PANELS_PER_CHART = 40


@lru_cache(maxsize=8)
def _multiples_layout(order: tuple[str, ...], columns: int) -> str:
    data = alt.NamedData("values")
    lines = alt.Chart().transform_filter(alt.datum.kind == "value").mark_line(
        point=True, strokeWidth=1.5).encode(
        x=alt.X("year:Q", title=None, scale=alt.Scale(zero=False, nice=False, padding=10),
                axis=alt.Axis(format="d", tickMinStep=1, labelAngle=0)),
        y=alt.Y("value:Q", title=None),
        color=alt.Color("label:N", title=None, sort=list(order)))
    rules = alt.Chart().transform_filter(alt.datum.kind == "change").mark_rule(
        strokeDash=[4, 3], color="#888").encode(x="year:Q")
    chart = alt.layer(lines, rules, data=data).properties(width=190, height=110).facet(
        facet=alt.Facet("publisher:N", title=None, sort=alt.SortField("position"),
                        header=alt.Header(labelFontSize=12, labelLimit=240)),
        columns=columns).resolve_scale(y="independent", x="independent")
    return json.dumps(_config(chart).to_dict(), ensure_ascii=False)


def publisher_specs(series_rows: list[dict], publishers: list[str], labels: dict[str, str],
                    columns: int = 4) -> list[tuple[list[str], dict]]:
    """([publisher, ...], spec) per chart of at most PANELS_PER_CHART publishers, in the order
    given; a publisher without any of PUBLISHER_SERIES gets no panel."""
    by_pub: dict[str, list[dict]] = defaultdict(list)
    for r in series_rows:
        if r["series"] in PUBLISHER_SERIES and r["value"] is not None and r["year"] is not None:
            by_pub[r["publisher"]].append(r)
    drawn = [p for p in publishers if by_pub.get(p)]
    layout = _multiples_layout(tuple(_label_order(labels, PUBLISHER_SERIES)), columns)
    out = []
    for i in range(0, len(drawn), PANELS_PER_CHART):
        chunk = drawn[i:i + PANELS_PER_CHART]
        values = []
        for pos, pub in enumerate(chunk):
            rows = by_pub[pub]
            values += [{"kind": "value", "publisher": pub, "position": pos, "label": r["label_zh"],
                        "year": r["year"], "value": r["value"]} for r in rows]
            years = [r["year"] for r in rows]
            values += [{"kind": "change", "publisher": pub, "position": pos, "year": x}
                       for x, _note in TEMPLATE_CHANGES if min(years) < x < max(years)]
        spec = json.loads(layout)
        spec["datasets"] = {"values": values}
        out.append((chunk, spec))
    return out


def _svg(spec: dict) -> str:
    import vl_convert as vlc
    return vlc.vegalite_to_svg(spec)


class Rendering:
    """SVG text of each spec, in order, rendered in the background while the caller writes the
    other pages (`result()` waits); many charts are shared out over the CPUs."""

    def __init__(self, specs: list[dict], workers: int | None = None):
        workers = workers or min(4, os.cpu_count() or 1)
        self._pool = None
        if len(specs) < PARALLEL_FROM or workers < 2:
            self._svgs = [_svg(s) for s in specs]
            return
        # spawn: the renderer's own threads must not be inherited half-way by a fork
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        self._futures = [self._pool.submit(_svg, s) for s in specs]

    def result(self) -> list[str]:
        if self._pool is not None:
            try:
                self._svgs = [f.result() for f in self._futures]
            finally:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None
        return self._svgs


def render(specs: list[dict], workers: int | None = None) -> list[str]:
    return Rendering(specs, workers).result()
