"""Identities the pre-2019 statistical form defines, checked on the loaded figures.

Only what the form makes additive is checked: proactive channels are not (one item can be
published on several channels), so they are never summed against proactive_total. A check runs
when the total and at least one part are present; a missing part counts as unknown, so the
check then only fails when the parts present already exceed the total. Values are never changed.
"""
from __future__ import annotations

from typing import Optional

from transforms.model import Check, Metric

IDENTITIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("applications_by_channel", "applications_received",
     ("applications_in_person", "applications_fax", "applications_online", "applications_letter",
      "applications_email", "applications_other")),
    ("replies_breakdown", "replies_total",
     ("replies_already_public", "replies_granted", "replies_partially_granted", "replies_denied",
      "replies_not_this_agency", "replies_not_exist", "replies_clarify", "replies_other_channel")),
    ("denied_reasons", "replies_denied",
     ("denied_state_secret", "denied_commercial_secret", "denied_personal_privacy",
      "denied_security_stability", "denied_not_government_info", "denied_other_legal")),
    ("applications_completed_split", "applications_completed",
     ("applications_completed_on_time", "applications_completed_extended")),
    ("reconsideration_outcomes", "reconsideration_total",
     ("reconsideration_upheld", "reconsideration_corrected", "reconsideration_other")),
    ("litigation_outcomes", "litigation_total",
     ("litigation_upheld", "litigation_corrected", "litigation_other")),
    ("staff_split", "staff_total", ("staff_fulltime", "staff_parttime")),
)
# The 2008-2013 forms had e-mail and "other" channels; later forms dropped them. The reply
# breakdown's withdrawn requests are not part of the form's answers, so they are not listed.


def _by_key(metrics: list[Metric]) -> dict[str, float]:
    return {m.key: float(m.value) for m in metrics if m.dimension in (None, "total")}


def _dims(metrics: list[Metric]) -> dict[str, Optional[str]]:
    return {m.key: m.dimension for m in metrics if m.dimension in (None, "total")}


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def check_identity(name: str, total_key: str, part_keys: tuple[str, ...], values: dict[str, float]) -> Check | None:
    if total_key not in values:
        return None
    present = {k: values[k] for k in part_keys if k in values}
    if not present:
        return None
    total, s = values[total_key], sum(present.values())
    missing = [k for k in part_keys if k not in values]
    parts = " + ".join(f"{k}={_fmt(v)}" for k, v in present.items())
    if missing:
        ok = s <= total + 1e-9
        detail = f"{parts} = {_fmt(s)} vs {total_key}={_fmt(total)} (not printed: {', '.join(missing)})"
    else:
        ok = abs(s - total) < 1e-6
        detail = f"{parts} = {_fmt(s)} vs {total_key}={_fmt(total)}"
    return Check(check=name, ok=ok, detail=detail, terms=[(total_key, None)] + [(k, None) for k in present])


def checks(metrics: list[Metric]) -> list[Check]:
    values, dims = _by_key(metrics), _dims(metrics)
    out = []
    for name, total_key, part_keys in IDENTITIES:
        c = check_identity(name, total_key, part_keys, values)
        if c is not None:
            c.terms = [(k, dims[k]) for k, _ in c.terms]
            out.append(c)
    return out
