"""Gather every candidate of one report for each key, then decide once per (key, dimension).

Candidates come from the template tables, the pre-2019 appendix and the prose; a reader may
refuse one (`Metric.withheld`: an ambiguous split, a cumulative column, a sentence about one
office). The decision, in order:
  1. table values a reader accepted: loaded when they agree, else none (a conflict);
  2. a table value the reader refused, with no accepted table value: none (what the table says
     is unknown, and prose does not stand in for it), unless the table's cells admit several
     readings and a whole-year sentence states one of them (the two reconcile);
  3. prose values a reader accepted (sentences about the publisher's whole year): loaded when
     they agree, else none;
  4. nothing loadable: none.
Then the checks: when a table's figures of one identity disagree (its parts against its
total), the document contradicts itself and every figure of that identity is withheld, with
what was computed from them. Nothing not loaded is lost: each value left out is kept in `withheld` with
its candidates and the reason.
"""
from __future__ import annotations

from typing import Optional

from transforms import rules
from transforms.metrics import checks_pre2019
from transforms.metrics import checks_template
from transforms.metrics import appendix as metrics_appendix
from transforms.metrics import template as metrics_template
from transforms.metrics import text as metrics_text
from transforms.model import Check, Classification, Metric, Page, Withheld

_RULES = rules.load("settle.yaml")
_DERIVED = {k: tuple(v) for k, v in _RULES["derived"].items()}
COMPUTED = "computed:"  # evidence of a figure a reader computed from others


def _same(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) < 1e-6


def _label(key: str, dim: Optional[str]) -> str:
    return key + (f"/{dim}" if dim else "")


def _distinct(ms: list[Metric]) -> list[float]:
    return sorted({round(float(m.value), 6) for m in ms})


def _decide(key: str, dim: Optional[str], ms: list[Metric]
            ) -> tuple[Optional[Metric], list[Withheld], list[str]]:
    """(the metric loaded or None, what is withheld, warnings) for one (key, dimension)."""
    tables = [m for m in ms if m.source == "table" and not m.withheld]
    tables_refused = [m for m in ms if m.source == "table" and m.withheld]
    texts = [m for m in ms if m.source != "table" and not m.withheld]
    refused = [m for m in ms if m.withheld]
    withheld, warnings = [], []
    chosen = None
    if tables:
        if len(_distinct(tables)) > 1:
            reason = f"conflicting table values: {_distinct(tables)}"
            warnings.append(f"{reason} for {_label(key, dim)}; none loaded")
            return None, [Withheld(key, dim, reason, ms)], warnings
        chosen = tables[0]
        if any(not _same(t.value, chosen.value) for t in texts):
            warnings.append(f"text says {_distinct(texts)} but table says {chosen.value} for "
                            f"{_label(key, dim)}; table kept")
            withheld.append(Withheld(key, dim, "the report's table says otherwise",
                                     [t for t in texts if not _same(t.value, chosen.value)], chosen.value))
    elif tables_refused:
        reason = "; ".join(dict.fromkeys(m.withheld for m in tables_refused))
        readings = _distinct(tables_refused)
        if len(readings) > 1 and texts and len(_distinct(texts)) == 1 and round(float(texts[0].value), 6) in readings:
            # The table's cells admit several readings and a whole-year sentence states one of them.
            warnings.append(f"text value {texts[0].value} is one of the table's readings {readings} for "
                            f"{_label(key, dim)}; loaded")
            return texts[0], [Withheld(key, dim, reason, tables_refused, texts[0].value)], warnings
        return None, [Withheld(key, dim, reason, ms)], warnings
    elif texts:
        if len(_distinct(texts)) > 1:
            reason = f"conflicting text values: {_distinct(texts)}"
            warnings.append(f"{reason} for {_label(key, dim)}; none loaded")
            return None, [Withheld(key, dim, reason, ms)], warnings
        chosen = texts[0]
    # Refused candidates beside the decision: kept, grouped by reason.
    loaded = chosen.value if chosen is not None else None
    by_reason: dict[str, list[Metric]] = {}
    for m in refused:
        by_reason.setdefault(m.withheld, []).append(m)
    withheld += [Withheld(key, dim, reason, cands, loaded) for reason, cands in by_reason.items()]
    return chosen, withheld, warnings


def _settle(found: list[Metric]) -> tuple[list[Metric], list[Withheld], list[str]]:
    by_kd: dict[tuple, list[Metric]] = {}
    for m in found:
        by_kd.setdefault((m.key, m.dimension), []).append(m)
    kept, withheld, warnings = [], [], []
    for (key, dim), ms in by_kd.items():
        chosen, w, warn = _decide(key, dim, ms)
        if chosen is not None:
            kept.append(chosen)
        withheld += w
        warnings += warn
    return kept, withheld, warnings


def _run_checks(fmt: Optional[str], metrics: list[Metric]) -> list[Check]:
    return (checks_pre2019 if fmt == "pre2019" else checks_template).checks(metrics)


def _contradictions(metrics: list[Metric], checks: list[Check]
                    ) -> tuple[list[Metric], list[Withheld], list[str]]:
    """Withhold every figure of a failed identity among a table's figures, and what was computed
    from them. Prose that does not add up is only reported: a report's sentences round and
    leave things out ("网络申请11件,信函申请16件" beside 26 received) more often than they err."""
    source = {(m.key, m.dimension): m.source for m in metrics}
    bad: dict[tuple, str] = {}
    for c in checks:
        if not c.ok and all(source.get(tuple(t)) == "table" for t in c.terms):
            for term in c.terms:
                bad.setdefault(tuple(term), f"the report's figures disagree ({c.check}: {c.detail})")
    if not bad:
        return metrics, [], []
    for m in metrics:  # a figure computed from a withheld one goes with it
        parts = _DERIVED.get(m.key, ())
        if m.evidence.startswith(COMPUTED) and (m.key, m.dimension) not in bad:
            hit = next((bad[(p, m.dimension)] for p in parts if (p, m.dimension) in bad), None)
            if hit:
                bad[(m.key, m.dimension)] = hit
    kept, withheld = [], []
    for m in metrics:
        reason = bad.get((m.key, m.dimension))
        if reason is None:
            kept.append(m)
        else:
            withheld.append(Withheld(m.key, m.dimension, reason, [m]))
    names = sorted({r.split("(", 1)[1].split(":", 1)[0] for r in set(bad.values())})
    warnings = [f"{len(withheld)} figures withheld: the report's own figures disagree ({', '.join(names)})"]
    return kept, withheld, warnings


def settle(found: list[Metric], fmt: Optional[str]
           ) -> tuple[list[Metric], list[Check], list[Withheld], list[str]]:
    """Every candidate of a report in, (metrics loaded, checks, withheld, warnings) out."""
    metrics, withheld, warnings = _settle(found)
    checks = _run_checks(fmt, metrics)
    metrics, contradicted, warn = _contradictions(metrics, checks)
    gone = {(w.key, w.dimension) for w in contradicted}
    for w in withheld:  # what was loaded beside them is withheld now
        if (w.key, w.dimension) in gone:
            w.loaded = None
    return metrics, checks, withheld + contradicted, warnings + warn


def report_metrics(page: Page, cls: Classification
                   ) -> tuple[list[Metric], list[Check], list[Withheld], list[str]]:
    found = (metrics_template.template_metrics(page, cls)
             + metrics_appendix.appendix_metrics(page, cls)
             + metrics_text.text_metrics(page, cls))
    return settle(found, cls.format)
