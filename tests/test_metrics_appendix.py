"""The pre-2019 statistical appendix: grids and tables flattened to one cell per line."""
from pathlib import Path

import pytest
import yaml

from transforms.metrics.appendix import appendix_metrics, flattened_grids, norm_label
from transforms.model import Block, Classification, Page

FIX = Path(__file__).parent / "fixtures" / "pre2019"
GRIDS = yaml.safe_load((FIX / "appendix_grids.yaml").read_text(encoding="utf-8"))
FLAT = (FIX / "flattened_appendix.txt").read_text(encoding="utf-8")


def _grid_page(grid):
    grid = [[str(c) for c in row] for row in grid]
    return Page(kind="html", blocks=[Block("\n".join("\t".join(r) for r in grid), table=grid)])


@pytest.mark.parametrize("name", list(GRIDS))
def test_grid_values(name):
    case = GRIDS[name]
    ms = appendix_metrics(_grid_page(case["grid"]), Classification(True, year=case["year"], format="pre2019"))
    assert {m.key: m.value for m in ms} == case["expect"]


def test_grid_metric_shape():
    case = GRIDS["with_cumulative"]
    ms = appendix_metrics(_grid_page(case["grid"]), Classification(True, year=case["year"], format="pre2019"))
    m = next(m for m in ms if m.key == "applications_received")
    assert (m.source, m.unit, m.evidence) == ("table", "件", "(一)收到申请数 | 统计数: 54")


def test_fee_in_wan_yuan_stored_in_yuan():
    case = GRIDS["with_cumulative"]
    ms = appendix_metrics(_grid_page(case["grid"]), Classification(True, year=case["year"], format="pre2019"))
    m = next(m for m in ms if m.key == "fees_collected")
    assert (m.value, m.unit, m.unit_printed) == (200, "元", "万元")


def _flat_page():
    return Page(kind="text", blocks=[Block(line) for line in FLAT.splitlines() if line.strip()])


def test_flattened_table_reads_the_year_column():
    ms = appendix_metrics(_flat_page(), Classification(True, year=2016, format="pre2019"))
    assert {m.key: m.value for m in ms} == {
        "proactive_total": 1520, "proactive_via_website": 1320, "proactive_via_gazette": 45,
        "applications_received": 12, "applications_in_person": 3, "applications_online": 9,
        "reconsideration_total": 1, "litigation_total": 0, "fees_collected": 0,
        "applications_letter": 0, "applications_fax": 0}


def test_flattened_table_in_one_block():
    page = Page(kind="text", blocks=[Block(FLAT)])
    ms = appendix_metrics(page, Classification(True, year=2016, format="pre2019"))
    assert {m.key: m.value for m in ms}["proactive_total"] == 1520


def test_combined_label_printing_zero_is_zero_for_each():
    grid = flattened_grids(FLAT.splitlines())[0]
    assert any("信函、传真" in r[0] for r in grid)
    ms = appendix_metrics(_flat_page(), Classification(True, year=2016, format="pre2019"))
    assert {m.key: m.value for m in ms if "信函" in m.evidence} == {"applications_letter": 0, "applications_fax": 0}


def test_combined_label_printing_a_count_is_skipped():
    page = Page(kind="text", blocks=[Block(FLAT.replace("传真申请数\n件\n0", "传真申请数\n件\n4"))])
    ms = appendix_metrics(page, Classification(True, year=2016, format="pre2019"))
    assert not {"applications_letter", "applications_fax"} & {m.key for m in ms}


def test_wrong_year_reads_nothing():
    assert appendix_metrics(_flat_page(), Classification(True, year=2017, format="pre2019")) == []


def test_template_reports_are_not_read_here():
    assert appendix_metrics(_flat_page(), Classification(True, year=2016, format="2021")) == []


@pytest.mark.parametrize("raw,label", [
    ("(一)主动公开政府信息数(不同渠道和方式公开相同信息计1条)", "主动公开政府信息数"),
    ("其中:1.当面申请数", "当面申请数"), ("四、行政复议数量", "行政复议数量"), ("（三）其他情形数", "其他情形数"),
])
def test_label_normalisation(raw, label):
    assert norm_label(raw) == label


def test_row_per_line_table():
    text = (FIX / "row_per_line_appendix.txt").read_text(encoding="utf-8")
    page = Page(kind="pdf", blocks=[Block(line) for line in text.splitlines()])
    ms = appendix_metrics(page, Classification(True, year=2016, format="pre2019"))
    # "3 410 52 300" cannot be split into two cells for sure: those rows are skipped.
    assert {m.key: m.value for m in ms} == {
        "applications_received": 26, "applications_in_person": 4, "applications_online": 22,
        "reconsideration_total": 1, "litigation_total": 0}


def _without_units(grid):
    unit = [str(c) for c in grid[0]].index("单位")
    return [[c for i, c in enumerate(row) if i != unit] for row in grid]


def test_money_without_a_printed_unit_is_not_loaded():
    case = GRIDS["with_cumulative"]
    ms = appendix_metrics(_grid_page(_without_units(case["grid"])),
                          Classification(True, year=case["year"], format="pre2019"))
    assert [m.key for m in ms if m.key in ("fees_collected", "budget")] == []


def test_money_with_its_unit_in_the_label_is_loaded():
    case = GRIDS["with_cumulative"]
    grid = [[c + "（万元）" if "费用" in c else c for c in row] for row in _without_units(case["grid"])]
    ms = appendix_metrics(_grid_page(grid), Classification(True, year=case["year"], format="pre2019"))
    assert [(m.key, m.value) for m in ms if m.key == "fees_collected"] == [("fees_collected", 200)]
