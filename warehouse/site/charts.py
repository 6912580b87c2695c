"""Trend charts: Altair specs rendered to SVG by vl-convert when the site is built (no script,
no CDN in the pages). Text is set in Noto Sans CJK (Debian's fonts-noto-cjk) so that the Chinese
labels are measured and drawn with a font that has them.
"""
from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor

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
PARALLEL_FROM = 24  # charts: below this, rendering in this process is quicker than a pool


def _config(chart):
    return (chart.configure(font=FONT)
            .configure_axis(labelFontSize=11, titleFontSize=12)
            .configure_legend(labelFontSize=12, titleFontSize=12, labelLimit=260, orient="bottom",
                              columns=3)
            .configure_title(fontSize=14, anchor="start")
            .configure_view(stroke="#ccc"))


def _panel(values: list[dict], title: str, order: list[str], width: int, height: int):
    years = [v["year"] for v in values]
    lo, hi = min(years), max(years)
    base = alt.Chart(alt.Data(values=values))
    lines = base.mark_line(point=True, strokeWidth=2).encode(
        x=alt.X("year:Q", title="统计年度", scale=alt.Scale(domain=[lo - 0.5, hi + 0.5]),
                axis=alt.Axis(format="d", tickMinStep=1, values=list(range(lo, hi + 1)))),
        y=alt.Y("value:Q", title="件 / 条"),
        color=alt.Color("label:N", title=None, sort=order),
    )
    changes = [{"x": x, "note": note} for x, note in TEMPLATE_CHANGES if lo < x < hi]
    layers = [lines]
    if changes:
        marks = alt.Chart(alt.Data(values=changes))
        layers.append(marks.mark_rule(strokeDash=[4, 3], color="#888").encode(x="x:Q"))
        layers.append(marks.mark_text(align="left", baseline="top", dx=3, dy=2, fontSize=10,
                                      color="#555").encode(x="x:Q", y=alt.value(0), text="note:N"))
    chart = alt.layer(*layers).properties(width=width, height=height)
    return chart.properties(title=title) if title else chart


def _values(rows: list[dict], series: list[str]) -> tuple[list[dict], list[str]]:
    labels = {}
    sums: dict[tuple, float] = defaultdict(float)
    for r in rows:
        if r["series"] in series and r["value"] is not None and r["year"] is not None:
            labels[r["series"]] = r["label_zh"]
            sums[(r["series"], r["year"])] += r["value"]
    order = [labels[s] for s in series if s in labels]
    values = [{"series": s, "label": labels[s], "year": y, "value": v} for (s, y), v in sorted(sums.items())]
    return values, order


def total_specs(series_rows: list[dict]) -> list[tuple[str, str, dict]]:
    """(group id, title, spec) for each group with data: sums over every report of a year."""
    out = []
    for gid, title, series in GROUPS:
        values, order = _values(series_rows, series)
        if values:
            # the page's heading names the chart
            out.append((gid, title, _config(_panel(values, None, order, 620, 260)).to_dict()))
    return out


def publisher_spec(series_rows: list[dict], publisher: str) -> dict | None:
    """One chart for one publisher: a panel per group with data, stacked."""
    panels = []
    for _gid, title, series in GROUPS:
        values, order = _values(series_rows, series)
        if values:
            panels.append(_panel(values, title, order, 560, 180))
    if not panels:
        return None
    chart = alt.vconcat(*panels).resolve_scale(color="independent").properties(title=publisher)
    return _config(chart).to_dict()


def _svg(spec: dict) -> str:
    import vl_convert as vlc
    return vlc.vegalite_to_svg(spec)


def render(specs: list[dict], workers: int | None = None) -> list[str]:
    """SVG text of each spec, in order; many charts are shared out over the CPUs."""
    workers = workers or min(4, os.cpu_count() or 1)
    if len(specs) < PARALLEL_FROM or workers < 2:
        return [_svg(s) for s in specs]
    # spawn: the renderer's own threads must not be inherited half-way by a fork
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_svg, specs, chunksize=max(1, len(specs) // (workers * 4))))
