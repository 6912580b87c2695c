"""Metrics of the 2019/2021 template tables, from grids and from tables flattened to lines.

Property-style: many synthetic reports (sampleportal.template_reports) in each layout must give
exactly their truth; hand-written irregular fixtures and the real PDF must give their hand-checked
values; an ambiguous table gives nothing rather than something wrong. Precision/recall are
printed (pytest -s).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sampleportal.template_reports import (FORMATS, TEXT_KEYS, VARIANTS, make_template_report,
                                           render_flat_text, render_html_tables, render_row_text, table_grid)
from transforms.sources.html_body import html_to_rawpage
from transforms.metrics.template import template_metrics
from transforms.model import Block, Classification, Page

FIXTURES = Path(__file__).parent / "fixtures" / "templates"
DIMS = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
        "legal_service_org", "other_org", "total"]
SEEDS = range(12)


# ----------------------------------------------------------------------------- shared test code
def _flatten(truth: dict) -> dict:
    """{(key, dimension): value} of the table values (prose values are not this module's)."""
    out = {}
    for key, v in truth.items():
        if key in TEXT_KEYS:
            continue
        if isinstance(v, dict):
            out.update({(key, d): x for d, x in v.items()})
        else:
            out[(key, None)] = v
    return out


def _found(metrics) -> dict:
    """{(key, dimension): value}; a pair read with two values maps to "conflict"."""
    out: dict = {}
    for m in metrics:
        k = (m.key, m.dimension)
        out[k] = m.value if out.get(k, m.value) == m.value else "conflict"
    return out


def _score(truth: dict, metrics) -> tuple[int, int, int]:
    want, got = _flatten(truth), _found(metrics)
    tp = sum(1 for k, v in got.items() if k in want and v == want[k])
    return tp, len(got) - tp, len(want) - tp


def _pr(tp, fp, fn):
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def _grid_page(report) -> Page:
    blocks = []
    for part in report.parts:
        if isinstance(part, str):
            blocks.append(Block(part))
        else:
            grid = table_grid(part)
            blocks.append(Block("\n".join("\t".join(r) for r in grid), table=grid))
    return Page(kind="html", blocks=blocks)


def _flat_page(text: str) -> Page:
    return Page(kind="text", blocks=[Block(line) for line in text.splitlines() if line.strip()])


def _html_page(html: str) -> Page:
    raw = html_to_rawpage(html.encode("utf-8"))
    return Page(kind="html", blocks=raw.blocks, title=raw.title)


PAGES = {
    "grid": lambda r: _grid_page(r),
    "flat": lambda r: _flat_page(render_flat_text(r)),
    "html": lambda r: _html_page(render_html_tables(r)),
    "rows-tab": lambda r: _flat_page(render_row_text(r, "\t")),
    "rows-space": lambda r: _flat_page(render_row_text(r, " ")),
}


def _run(fmt, layout, variant=None, seeds=SEEDS):
    totals = [0, 0, 0]
    for seed in seeds:
        report, truth = make_template_report(fmt, 2020 if fmt == "2019" else 2023, "某市某区人民政府", seed, variant)
        metrics = template_metrics(PAGES[layout](report), Classification(True, format=fmt))
        totals = [a + b for a, b in zip(totals, _score(truth, metrics))]
    p, r = _pr(*totals)
    print(f"\n{fmt} {layout:<4} {variant or 'regular':<18} precision={p:.3f} recall={r:.3f} (tp={totals[0]})")
    return p, r


def _expected(name: str) -> dict:
    data = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    out = {(k, None): v for k, v in data["scalars"].items()}
    for key, values in data["by_applicant"].items():
        out.update({(key, d): v for d, v in zip(DIMS, values)})
    return out


# ----------------------------------------------------------------------------- synthetic reports
@pytest.mark.parametrize("layout", ["grid", "flat", "html", "rows-tab", "rows-space"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_regular_reports_exact(fmt, layout):
    assert _run(fmt, layout, seeds=SEEDS if layout != "html" else range(6)) == (1.0, 1.0)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_irregular_grids_exact(fmt, variant):
    assert _run(fmt, "grid", variant, seeds=range(6)) == (1.0, 1.0)


@pytest.mark.parametrize("layout", ["flat", "rows-space"])
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_irregular_flat_exact(fmt, variant, layout):
    assert _run(fmt, layout, variant, seeds=range(6)) == (1.0, 1.0)


# ----------------------------------------------------------------------------- hand-written fixtures
def test_irregular_2021_html_fixture():
    page = _html_page((FIXTURES / "irregular_2021.html").read_text(encoding="utf-8"))
    got = _found(template_metrics(page, Classification(True, format="2021")))
    assert got == _expected("irregular_2021.expected.yaml")


def test_irregular_2019_flat_fixture():
    page = _flat_page((FIXTURES / "irregular_2019.txt").read_text(encoding="utf-8"))
    got = _found(template_metrics(page, Classification(True, format="2019")))
    assert got == _expected("irregular_2019.expected.yaml")


# ----------------------------------------------------------------------------- the real PDF
def test_real_pdf_against_gold(shared_dir):
    from transforms.sources.pdf import pdf_to_rawpage
    raw = pdf_to_rawpage((shared_dir / "real" / "huaian-2024" / "report.pdf").read_bytes())
    metrics = template_metrics(Page(kind="pdf", blocks=raw.blocks), Classification(True, format="2021"))
    gold = yaml.safe_load((shared_dir / "gold" / "real.yaml").read_text(encoding="utf-8"))["huaian-2024/report.pdf"]
    want = _flatten(gold["expect"])
    accept = _flatten({k: v[0] for k, v in gold["accept_any"].items()})
    got = _found(metrics)
    tp = sum(1 for k, v in got.items() if k in want and want[k] == v)
    fp = sum(1 for k, v in got.items() if not (want.get(k, accept.get(k)) == v))
    p, r = tp / max(1, tp + fp), tp / len(want)
    print(f"\nreal PDF: precision={p:.3f} recall={r:.3f} (tp={tp} of {len(want)})")
    assert p == 1.0 and r >= 0.95


# ----------------------------------------------------------------------------- behaviours
T2_2021 = """第二十条第（八）项
信息内容
{head}
行政事业性收费
{cell}"""


def _t2(head, cell, fmt="2021"):
    page = _flat_page(T2_2021.format(head=head, cell=cell))
    return template_metrics(page, Classification(True, format=fmt))


def test_fee_in_wan_yuan_stored_in_yuan():
    (m,) = _t2("本年收费金额（单位：万元）", "96171.6")
    assert (m.key, m.value, m.unit, m.unit_printed) == ("fees_amount", 961716000, "元", "万元")


def test_fee_unit_printed_in_cell():
    (m,) = _t2("本年收费金额", "3.5万元")
    assert m.value == 35000


def test_fee_without_unit_gives_nothing():
    assert _t2("本年收费金额", "12.5") == []


@pytest.mark.parametrize("blank", ["/", "—", "-", "无"])
def test_blank_cell_is_no_value_not_zero(blank):
    assert _t2("本年收费金额（单位：万元）", blank) == []


def test_evidence_and_source():
    (m,) = _t2("本年收费金额（单位：万元）", "2")
    assert (m.source, m.evidence) == ("table", "行政事业性收费 | 本年收费金额（单位：万元）: 2")


def test_2021_table_read_as_2019_gives_only_shared_columns():
    # columns mean different things in the two templates: never fold one into the other
    report, _ = make_template_report("2021", 2023, "某县人民政府", 1)
    page = _grid_page(report)
    page.blocks = [b for b in page.blocks if b.table is None or "信息内容" in b.text]
    keys = {m.key for m in template_metrics(page, Classification(True, format="2019"))}
    # only the decisions columns mean the same in both templates
    assert keys == {"licensing_decisions", "punishment_decisions", "coercion_decisions"}


def test_pre2019_page_gives_nothing():
    report, _ = make_template_report("2021", 2023, "某县人民政府", 1)
    assert template_metrics(_grid_page(report), Classification(True, format="pre2019")) == []


def test_format_detected_when_not_classified():
    report, truth = make_template_report("2019", 2020, "某县人民政府", 2)
    metrics = template_metrics(_grid_page(report), Classification(True, format=None))
    assert _score(truth, metrics)[1:] == (0, 0)


def _request_grid(fmt="2021", seed=3):
    report, truth = make_template_report(fmt, 2023, "某县人民政府", seed)
    return [list(r) for r in table_grid(report.tables[1])], truth


def _metrics_of_grid(grid, fmt="2021"):
    page = Page(kind="html", blocks=[Block("t", table=grid)])
    return template_metrics(page, Classification(True, format=fmt))


def test_row_printed_twice_gives_nothing_for_it():
    grid, _ = _request_grid()
    dup = next(r for r in grid if "（一）予以公开" in r)
    grid.insert(grid.index(dup) + 1, list(dup[:3]) + [str(int(c) + 1) for c in dup[3:]])
    keys = {m.key for m in _metrics_of_grid(grid)}
    assert "result_disclosed" not in keys and "result_partially_disclosed" in keys


def test_row_with_text_in_value_column_gives_nothing_for_it():
    grid, _ = _request_grid()
    row = next(r for r in grid if "（一）予以公开" in r)
    row[5] = "见附件"
    assert "result_disclosed" not in {m.key for m in _metrics_of_grid(grid)}


def test_unknown_applicant_column_gives_nothing_for_the_table():
    # without all seven columns the sums that prove the columns were read right cannot be made
    grid, _ = _request_grid()
    for r in grid[:3]:
        r[3] = "个人"  # not an applicant type of the template
    assert [m for m in _metrics_of_grid(grid) if m.dimension] == []


def test_header_read_against_wrong_columns_gives_nothing():
    grid, _ = _request_grid()
    for r in grid[1:3]:
        r[3], r[9] = r[9], r[3]  # 自然人 and 总计 labels over each other's values
    assert [m for m in _metrics_of_grid(grid) if m.dimension] == []


def test_one_misprinted_row_does_not_drop_the_table():
    grid, truth = _request_grid()
    row = next(r for r in grid if "（一）予以公开" in r)
    row[3] = str(int(row[3]) + 1)
    found = _found(_metrics_of_grid(grid))
    assert found[("result_total", "total")] == truth["result_total"]["total"]


def _ragged(report) -> list[list[str]]:
    """A table as rows of printed cells (no spans), like a text or DOCX copy: padded, not aligned."""
    rows = [[c.text for c in row] for row in report.tables[1].rows]
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


@pytest.mark.parametrize("fmt", FORMATS)
def test_ragged_request_grid_read_cell_by_cell(fmt):
    report, truth = make_template_report(fmt, 2023, "某县人民政府", 6)
    tp, fp, fn = _score({k: v for k, v in truth.items() if isinstance(v, dict)},
                        _metrics_of_grid(_ragged(report), fmt))
    assert (fp, fn) == (0, 0)


def test_2021_result_other_is_computed_with_evidence():
    grid, truth = _request_grid()
    ms = {(m.key, m.dimension): m for m in _metrics_of_grid(grid)}
    m = ms[("result_other", "total")]
    assert (m.value, m.evidence.startswith("computed:")) == (truth["result_other"]["total"], True)


def test_litigation_total_is_sum_of_both_blocks():
    report, truth = make_template_report("2019", 2020, "某县人民政府", 5)
    grid = table_grid(report.tables[2])
    (m,) = [m for m in _metrics_of_grid(grid, "2019") if m.key == "litigation_total"]
    assert m.value == truth["litigation_direct_total"] + truth["litigation_after_review_total"]


def test_review_table_with_two_value_rows_reads_first_only():
    report, truth = make_template_report("2021", 2023, "某县人民政府", 5)
    grid = table_grid(report.tables[2])
    ms = {m.key: m.value for m in _metrics_of_grid(grid)}
    assert ms["reconsideration_total"] == truth["reconsideration_total"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_all_tables_in_one_grid(fmt):
    report, truth = make_template_report(fmt, 2021, "某县人民政府", 8)
    grids = [table_grid(t) for t in report.tables]
    width = max(len(g[0]) for g in grids)
    one = [row + [""] * (width - len(row)) for g in grids for row in g]
    assert _score(truth, _metrics_of_grid(one, fmt))[1:] == (0, 0)


def test_2021_other_rows_read_with_2019_rules_give_no_result_other():
    # （六）其他处理 + its first sub-row must not pass for the 2019 single row
    report, _ = make_template_report("2021", 2023, "某县人民政府", 3)
    for page in (_grid_page(report), _flat_page(render_flat_text(report))):
        keys = {m.key for m in template_metrics(page, Classification(True, format="2019"))}
        assert not any(k.startswith("result_other") for k in keys)


def test_prose_ending_with_numbers_is_not_a_row():
    text = "2024年，全市共受理政府信息公开申请 3119 件，答复 3050 件。\n行政许可 12 3"
    assert template_metrics(_flat_page(text), Classification(True, format="2021")) == []


def test_table2_header_without_xinxi_neirong():
    grid = [["类别", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "2", "0", "9"]]
    assert {m.key: m.value for m in _metrics_of_grid(grid)} == {
        "rules_issued": 2, "rules_repealed": 0, "rules_in_force": 9}


def test_review_table_one_cell_short_gives_nothing():
    report, _ = make_template_report("2021", 2023, "某县人民政府", 5)
    grid = table_grid(report.tables[2])
    values = grid[-1]
    grid[-1] = values[:3] + values[4:] + [""]  # a cell lost in the middle: the rest shifts left
    assert _metrics_of_grid(grid) == []


def test_count_with_wan_is_not_read_as_units():
    grid = [["信息内容", "本年处理决定数量"], ["行政许可", "3万"]]
    assert _metrics_of_grid(grid) == []


def test_count_with_unit_suffix():
    grid = [["信息内容", "本年处理决定数量"], ["行政许可", "12件"]]
    assert [m.value for m in _metrics_of_grid(grid)] == [12]


def test_flat_count_with_unit_suffix():
    page = _flat_page("第二十条第（五）项\n信息内容\n本年处理决定数量\n行政许可\n12件")
    assert [m.value for m in template_metrics(page, Classification(True, format="2021"))] == [12]


def test_procurement_in_yuan_cell():
    grid = [["信息内容", "采购项目数量", "采购总金额"], ["政府集中采购", "3", "1500元"]]
    got = {m.key: (m.value, m.unit_printed) for m in _metrics_of_grid(grid, "2019")}
    assert got == {"procurement_items": (3, "项"), "procurement_amount": (1500, "元")}


def test_two_request_tables_with_different_values_give_no_conflicting_value():
    # e.g. the whole city and one of its offices on one page: neither can be told to be the report's
    a, ta = make_template_report("2021", 2023, "某县人民政府", 1)
    b, tb = make_template_report("2021", 2023, "某县人民政府", 2)
    from transforms.metrics.settle import report_metrics
    text = render_flat_text(a) + render_flat_text(b)
    metrics, _, _, warnings = report_metrics(_flat_page(text), Classification(True, format="2021"))
    found = _found(metrics)
    differ = [(k, d) for k, v in ta.items() if isinstance(v, dict) for d in v if tb[k][d] != v[d]]
    assert differ and not any(k in found for k in differ) and any("conflicting" in w for w in warnings)


def test_same_table_twice_is_read_once():
    report, truth = make_template_report("2019", 2020, "某县人民政府", 4)
    page = _flat_page(render_flat_text(report) * 2)
    assert _score(truth, template_metrics(page, Classification(True, format="2019")))[1:] == (0, 0)


def test_row_line_with_first_value_glued_to_label():
    # spacing repair may glue "规章 1 0 11" into "规章1 0 11"
    page = _flat_page("第二十条第（一）项\n信息内容 本年制发件数 本年废止件数 现行有效件数\n规章1 0 11")
    got = {m.key: m.value for m in template_metrics(page, Classification(True, format="2021"))}
    assert got == {"rules_issued": 1, "rules_repealed": 0, "rules_in_force": 11}


# ----------------------------------------------------------------------------- copies of real layouts
def _extracted(name: str) -> dict:
    from transforms.extract import extract
    doc = extract((FIXTURES / name).read_bytes())
    return _found([m for m in doc.metrics if m.source == "table"])


def test_rows_joined_by_text_copy_2021_fixture():
    assert _extracted("joined_rows_2021.txt") == _expected("joined_rows_2021.expected.yaml")


def test_label_variants_2019_html_fixture():
    assert _extracted("label_variants_2019.html") == _expected("label_variants_2019.expected.yaml")


def test_single_value_glued_to_its_row_label():
    # "行政许可 3447" comes through spacing repair as "行政许可3447"
    page = _flat_page("第二十条第（五）项\n信息内容 本年处理决定数量\n行政许可3447")
    got = {m.key: m.value for m in template_metrics(page, Classification(True, format="2021"))}
    assert got == {"licensing_decisions": 3447}


def test_number_glued_to_unknown_word_is_not_a_row():
    page = _flat_page("第二十条第（五）项\n信息内容 本年处理决定数量\n全年办件3447")
    assert template_metrics(page, Classification(True, format="2021")) == []


def test_header_rows_joined_into_one_line_are_cut_back_into_labels():
    from transforms.metrics.template import RULES, _split_row_line
    line = "申请人情况自然人 法人或其他组织 总计商业企业 科研机构"
    assert _split_row_line(line, RULES["2021"]["known_labels"]) == [
        "申请人情况", "自然人", "法人或其他组织", "总计", "商业企业", "科研机构"]


def test_prose_line_is_not_cut_into_labels():
    from transforms.metrics.template import RULES, _split_row_line
    line = "自然人商业企业 申请数量较上年增长明显"
    assert _split_row_line(line, RULES["2021"]["known_labels"]) == [line]


def test_value_glued_after_a_closing_quote():
    from transforms.metrics.template import RULES, _split_row_line
    got = _split_row_line("3.危及“三安全一稳定”0 2 1", RULES["2021"]["known_labels"])
    assert got == ["3.危及“三安全一稳定”", "0", "2", "1"]


def test_qita_spelled_with_other_character_matches():
    from transforms.cells import norm
    assert norm("法人或其它组织") == norm("法人或其他组织")


def test_corner_quotes_fold_like_curly_quotes():
    from transforms.cells import norm
    assert norm("危及「三安全一稳定」") == norm("危及“三安全一稳定”")


def test_rows_with_merged_cells_repeated_2021_fixture():
    assert _extracted("spanned_rows_2021.txt") == _expected("spanned_rows_2021.expected.yaml")


def test_generic_item_glued_to_its_group_label_is_not_read_as_the_group():
    # "（六）其他处理 3.其他" with the space lost: 3.其他 is result_other_other, not （六）其他处理
    head = ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） 申请人情况\n"
            "自然人 法人或其他组织 总计\n商业企业 科研机构 社会公益组织 法律服务机构 其他\n")
    page = _flat_page(head + "三、本年度办理结果 （六）其他处理3.其他 1 2 0 0 0 1 4\n"
                      "（七）总计 1 2 0 0 0 1 4")
    got = {(m.key, m.dimension): m.value for m in template_metrics(page, Classification(True, format="2021"))}
    assert (got.get(("result_other_other", "total")), ("result_other", "total") in got) == (4, False)


def test_one_row_with_a_lost_span_does_not_hide_the_item_column():
    # an editor dropped colspan="2" from （一）予以公开: that row's values start one column left;
    # it gives nothing, and the other rows still read their item from the third label column
    grid, truth = _request_grid()
    row = next(r for r in grid if "（一）予以公开" in r)
    row[:] = row[:2] + row[3:] + [""]
    found = _found(_metrics_of_grid(grid))
    assert (("result_disclosed", "total") in found,
            found.get(("result_not_disclosed_state_secret", "total"))) == (
        False, truth["result_not_disclosed_state_secret"]["total"])


def test_rows_printed_with_bars_between_cells():
    # a markdown-like copy: "| 规章 | 3 | 0 | 12 |"
    page = _flat_page("第二十条第（一）项\n| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n"
                      "| 规章 | 3 | 0 | 12 |\n第二十条第（五）项\n信息内容 | 本年处理决定数量\n行政许可 | 57")
    got = {m.key: m.value for m in template_metrics(page, Classification(True, format="2021"))}
    assert got == {"rules_issued": 3, "rules_repealed": 0, "rules_in_force": 12, "licensing_decisions": 57}


def test_circled_item_number_under_its_group_on_one_line():
    # "（六）其他处理 ③其他": ③ is a numbering, so the item is 其他 under （六）, never （六）itself
    head = ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） 申请人情况\n"
            "自然人 法人或其他组织 总计\n商业企业 科研机构 社会公益组织 法律服务机构 其他\n")
    page = _flat_page(head + "三、本年度办理结果 （六）其他处理 ③其他 1 2 0 0 0 1 4\n"
                      "（七）总计 1 2 0 0 0 1 4")
    got = {(m.key, m.dimension): m.value for m in template_metrics(page, Classification(True, format="2021"))}
    assert (got.get(("result_other_other", "total")), ("result_other", "total") in got) == (4, False)


def test_circled_number_is_stripped_as_numbering():
    from transforms.cells import norm, strip_numbering
    assert strip_numbering(norm("③其他")) == "其他"


# ----------------------------------------------------------------------------- a table that contradicts itself
def test_review_block_that_does_not_add_up_is_withheld():
    report, _ = make_template_report("2021", 2023, "某县人民政府", 5)
    grid = table_grid(report.tables[2])
    grid[-1] = ["10", "1", "0", "0", "0"] + grid[-1][5:]  # 维持 10 + 纠正 1, 总计 0
    ms = [m for m in _metrics_of_grid(grid) if m.key.startswith("reconsideration_")]
    assert {m.key for m in ms if m.withheld} == {f"reconsideration_{o}" for o in
                                                ("upheld", "corrected", "other", "pending", "total")}


def test_other_review_blocks_load_beside_one_that_does_not_add_up():
    report, truth = make_template_report("2021", 2023, "某县人民政府", 5)
    grid = table_grid(report.tables[2])
    grid[-1] = ["10", "1", "0", "0", "0"] + grid[-1][5:]
    loaded = {m.key: m.value for m in _metrics_of_grid(grid) if not m.withheld}
    assert loaded["litigation_direct_total"] == truth["litigation_direct_total"]


def test_request_row_that_does_not_add_up_is_withheld_with_its_reason():
    grid, _ = _request_grid()
    row = next(r for r in grid if "（一）予以公开" in r)
    row[-1] = str(int(row[-1]) + 1)
    ms = [m for m in _metrics_of_grid(grid) if m.key == "result_disclosed"]
    assert all(m.withheld and "does not add up" in m.withheld for m in ms) and len(ms) == 7
