"""Gather the metrics of one report from text and tables, settle overlaps, run the checks.

Rules: a table value beats a text value for the same (key, dimension), with a warning when they
differ; two different values from the same source for one (key, dimension) cannot both be right,
so neither is kept (prefer no value to a wrong one) and a warning says so.
"""
from __future__ import annotations

from transforms.metrics import checks_pre2019
from transforms.metrics import checks_template
from transforms.metrics import appendix as metrics_appendix
from transforms.metrics import template as metrics_template
from transforms.metrics import text as metrics_text
from transforms.model import Check, Classification, Metric, Page, Withheld


def _same(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) < 1e-6


def _settle(found: list[Metric]) -> tuple[list[Metric], list[Withheld], list[str]]:
    by_kd: dict[tuple, list[Metric]] = {}
    for m in found:
        by_kd.setdefault((m.key, m.dimension), []).append(m)
    kept, withheld, warnings = [], [], []
    for (key, dim), ms in by_kd.items():
        label = key + (f"/{dim}" if dim else "")
        refused = [m for m in ms if m.withheld]
        if refused:
            withheld.append(Withheld(key, dim, "; ".join(dict.fromkeys(m.withheld for m in refused)), ms))
            continue
        tables = [m for m in ms if m.source == "table"]
        texts = [m for m in ms if m.source != "table"]
        pool = tables or texts
        values = {round(float(m.value), 6) for m in pool}
        if len(values) > 1:
            reason = f"conflicting {pool[0].source} values: {sorted(values)}"
            warnings.append(f"{reason} for {label}; none loaded")
            withheld.append(Withheld(key, dim, reason, ms))
            continue
        chosen = pool[0]
        if tables and texts and any(not _same(t.value, chosen.value) for t in texts):
            warnings.append(f"text says {texts[0].value} but table says {chosen.value} for {label}; "
                            "table kept")
        kept.append(chosen)
    return kept, withheld, warnings


def report_metrics(page: Page, cls: Classification
                   ) -> tuple[list[Metric], list[Check], list[Withheld], list[str]]:
    found = (metrics_template.template_metrics(page, cls)
             + metrics_appendix.appendix_metrics(page, cls)
             + metrics_text.text_metrics(page, cls))
    metrics, withheld, warnings = _settle(found)
    if cls.format == "pre2019":
        checks = checks_pre2019.checks(metrics)
    else:
        checks = checks_template.checks(metrics)
    return metrics, checks, withheld, warnings
