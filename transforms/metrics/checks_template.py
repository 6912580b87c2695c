"""The identities the 2019/2021 template tables print, checked on the metrics found.

A failed identity is reported (ok=False with the numbers), never fixed: the report may be wrong,
or our reading of it; either way a reader should see it. An identity with a missing term is
not checked.
"""
from __future__ import annotations

from typing import Optional

from transforms.model import Check, Metric

APPLICANT_DIMS = ("natural_person", "commercial_enterprise", "research_institution",
                  "social_welfare_org", "legal_service_org", "other_org")
TOTAL = "total"

# Result rows of table 三 that add up to （七）总计; （六）其他处理 counts once (in 2021 it is
# the sum of its printed sub-rows).
RESULT_ROWS = (
    "result_disclosed", "result_partially_disclosed",
    "result_not_disclosed_state_secret", "result_not_disclosed_prohibited_by_law",
    "result_not_disclosed_security_stability", "result_not_disclosed_third_party",
    "result_not_disclosed_internal_affairs", "result_not_disclosed_process_info",
    "result_not_disclosed_enforcement_file", "result_not_disclosed_administrative_query",
    "result_unable_not_held", "result_unable_needs_creation", "result_unable_unclear",
    "result_not_processed_petition", "result_not_processed_duplicate",
    "result_not_processed_publication", "result_not_processed_excessive",
    "result_not_processed_confirm", "result_other",
)
REQUEST_KEYS = ("applications_new", "applications_carried_over", *RESULT_ROWS,
                "result_other_no_correction", "result_other_unpaid_fee", "result_other_other",
                "result_total", "applications_carried_forward")
REVIEW_BLOCKS = ("reconsideration", "litigation_direct", "litigation_after_review")
OUTCOMES = ("upheld", "corrected", "other", "pending")


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _sum_check(name: str, parts: list[tuple[str, Optional[float]]], total: tuple[str, Optional[float]],
               rhs_extra: list[tuple[str, Optional[float]]] = (), dim: Optional[str] = None,
               terms: Optional[list[tuple[str, Optional[str]]]] = None) -> Optional[Check]:
    """sum(parts) == total (+ rhs_extra); None when a term is missing. `terms`: the (key,
    dimension) of each term, when they are not the term names with `dim`."""
    values = list(parts) + [total] + list(rhs_extra)
    if any(v is None for _, v in values):
        return None
    left = sum(v for _, v in parts)
    right = total[1] + sum(v for _, v in rhs_extra)
    ok = abs(left - right) < 1e-6
    lhs = " + ".join(f"{k} {_num(v)}" for k, v in parts)
    rhs = " + ".join(f"{k} {_num(v)}" for k, v in [total, *rhs_extra])
    detail = f"{lhs} = {_num(left)} {'==' if ok else '!='} {rhs} = {_num(right)}"
    return Check(name, ok, detail, terms if terms is not None else [(k, dim) for k, _ in values])


def checks(metrics: list[Metric]) -> list[Check]:
    by = {(m.key, m.dimension): m.value for m in metrics}
    out: list[Optional[Check]] = []
    dims = [*APPLICANT_DIMS, TOTAL]
    for dim in dims:
        g = lambda k: (k, by.get((k, dim)))  # noqa: E731 - a term of this column
        out.append(_sum_check(f"applications_identity[{dim}]",
                              [g("applications_new"), g("applications_carried_over")],
                              g("result_total"), [g("applications_carried_forward")], dim=dim))
        out.append(_sum_check(f"result_rows_sum[{dim}]", [g(k) for k in RESULT_ROWS], g("result_total"), dim=dim))
    for key in REQUEST_KEYS:
        if any((key, d) in by for d in dims):
            out.append(_sum_check(f"applicant_columns_sum[{key}]",
                                  [(d, by.get((key, d))) for d in APPLICANT_DIMS], (TOTAL, by.get((key, TOTAL))),
                                  terms=[(key, d) for d in dims]))
    for block in REVIEW_BLOCKS:
        g = lambda k: (k, by.get((k, None)))  # noqa: E731
        out.append(_sum_check(f"{block}_sum", [g(f"{block}_{o}") for o in OUTCOMES], g(f"{block}_total")))
    return [c for c in out if c is not None]
