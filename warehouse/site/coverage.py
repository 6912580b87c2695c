"""The coverage matrix: one row per publisher, one column per statistical year.

A cell is one of (see STATES): a report found on a government host; found, but with a failed
check or a withheld value; found only on non-government copies; expected by the registry and
not found. A registry portal is the row of the government publisher of its region (same
division code, a name ending in 人民政府), else of a publisher of its exact name, else a row of
its own with only missing years. Rows are grouped by province when the division code is known.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Optional

from transforms.classification.divisions import province_of

STATES = {
    "found": "已找到",
    "flagged": "有未通过的校验或暂不采用的数值",
    "nongov": "仅见于非政府网站的副本",
    "missing": "登记册预期但未找到",
}
UNKNOWN_PROVINCE = "地区代码未知"


@dataclass
class Cell:
    state: str                      # a key of STATES
    reports: list[dict] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)   # every state that applies (nongov and flagged)


@dataclass
class Row:
    publisher: str
    region_code: Optional[str]
    cells: dict[int, Cell] = field(default_factory=dict)
    portal_ids: list[str] = field(default_factory=list)


@dataclass
class Group:
    code: Optional[str]
    name: str
    rows: list[Row]
    counts: Counter


@dataclass
class Matrix:
    years: list[int]
    groups: list[Group]
    counts: Counter                 # cells per state
    reports: int
    publishers: int
    has_registry: bool


def _report_state(report: dict, flagged: bool) -> list[str]:
    flags = []
    if not report["government_host"]:
        flags.append("nongov")
    if flagged:
        flags.append("flagged")
    return flags or ["found"]


def _primary(flags: list[str]) -> str:
    for state in ("flagged", "nongov", "found"):
        if state in flags:
            return state
    return "missing"


def _portal_row(portal: dict, rows: dict[str, Row]) -> Row:
    code, name = portal.get("region_code"), portal["name"]
    if code and portal.get("level") != "department":
        governments = [r for r in rows.values() if r.region_code == code and r.publisher.endswith("人民政府")]
        if governments:
            return max(governments, key=lambda r: len(r.cells))
    if name in rows:
        return rows[name]
    return rows.setdefault(name, Row(publisher=name, region_code=code))


def build(reports: list[dict], flagged_ids: set[str], portals: list[dict]) -> Matrix:
    rows: dict[str, Row] = {}
    for rep in reports:
        if rep["year"] is None:
            continue
        name = rep["publisher"] or "（发布机关未识别）"
        row = rows.setdefault(name, Row(publisher=name, region_code=rep["region_code"]))
        row.region_code = row.region_code or rep["region_code"]
        cell = row.cells.setdefault(rep["year"], Cell(state="found"))
        cell.reports.append(rep)
        cell.flags = sorted(set(cell.flags) | set(_report_state(rep, rep["report_id"] in flagged_ids)))
        if len(cell.flags) > 1 and "found" in cell.flags:
            cell.flags.remove("found")
        cell.state = _primary(cell.flags)
    for portal in portals:
        row = _portal_row(portal, rows)
        row.portal_ids.append(portal["portal_id"])
        for year in portal.get("expected_years") or ():
            row.cells.setdefault(int(year), Cell(state="missing", flags=["missing"]))
    years = sorted({y for r in rows.values() for y in r.cells})
    by_province: dict[Optional[str], list[Row]] = defaultdict(list)
    names: dict[Optional[str], str] = {None: UNKNOWN_PROVINCE}
    for row in rows.values():
        prov = province_of(row.region_code)
        key = prov[0] if prov else None
        if prov:
            names[key] = prov[1]
        by_province[key].append(row)
    groups, total = [], Counter()
    for key in sorted(by_province, key=lambda k: (k is None, k or "")):
        members = sorted(by_province[key], key=lambda r: (r.region_code or "", r.publisher))
        counts = Counter(flag for r in members for c in r.cells.values() for flag in c.flags)
        total.update(counts)
        groups.append(Group(code=key, name=names[key], rows=members, counts=counts))
    return Matrix(years=years, groups=groups, counts=total,
                  reports=sum(1 for r in reports if r["year"] is not None),
                  publishers=len(rows), has_registry=bool(portals))
