"""The synthetic 2019/2021 report generator: realistic layout, truth consistent with the identities."""
from __future__ import annotations

import re

import pytest

from sampleportal.template_reports import (DIMS, FORMATS, TEXT_KEYS, VARIANTS, make_template_report,
                                           render_flat_text, render_html_tables, result_leaf_keys, table_grid)

SEEDS = range(25)


def _report(fmt="2021", seed=1, variant=None):
    return make_template_report(fmt, 2022, "某县人民政府", seed, variant)


def test_same_seed_same_report():
    a, ta = _report(seed=7)
    b, tb = _report(seed=7)
    assert (render_html_tables(a), ta) == (render_html_tables(b), tb)


def test_different_seeds_differ():
    assert _report(seed=1)[1] != _report(seed=2)[1]


def test_unknown_format_rejected():
    with pytest.raises(ValueError):
        make_template_report("2018", 2018, "某县人民政府", 1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_truth_identities_hold(fmt):
    for seed in SEEDS:
        _, t = _report(fmt, seed)
        for dim in DIMS + ("total",):
            assert (t["applications_new"][dim] + t["applications_carried_over"][dim]
                    == t["result_total"][dim] + t["applications_carried_forward"][dim])
            assert sum(t[k][dim] for k in result_leaf_keys(fmt)) == t["result_total"][dim]
        assert t["litigation_total"] == t["litigation_direct_total"] + t["litigation_after_review_total"]


def test_total_column_is_sum_of_applicants():
    _, t = _report("2019", 3)
    assert all(v["total"] == sum(v[d] for d in DIMS) for v in t.values() if isinstance(v, dict))


def test_2021_result_other_is_sum_of_subrows():
    _, t = _report("2021", 4)
    subs = ("result_other_no_correction", "result_other_unpaid_fee", "result_other_other")
    assert t["result_other"]["total"] == sum(t[k]["total"] for k in subs)


def test_2019_and_2021_keys_differ():
    _, t19 = _report("2019", 1)
    _, t21 = _report("2021", 1)
    assert ("rules_made" in t19, "rules_made" in t21, "rules_issued" in t21) == (True, False, True)


def test_money_in_yuan():
    _, t = _report("2021", 5)
    assert isinstance(t["fees_amount"], int)


def test_html_has_template_merged_cells():
    html = render_html_tables(_report()[0])
    assert 'colspan="7"' in html and 'rowspan="3"' in html and 'colspan="10"' in html


def test_grids_are_rectangular():
    for variant in (None,) + VARIANTS:
        report, _ = _report("2021", 2, variant)
        for table in report.tables:
            grid = table_grid(table)
            assert len({len(r) for r in grid}) == 1, variant


def test_request_table_is_ten_columns_wide():
    report, _ = _report("2019", 2)
    assert len(table_grid(report.tables[1])[0]) == 10


def test_flat_text_has_one_cell_per_line():
    report, t = _report("2021", 6)
    lines = render_flat_text(report).splitlines()
    i = lines.index("一、本年新收政府信息公开申请数量")
    assert lines[i + 1:i + 8] == [str(t["applications_new"][d]) for d in DIMS + ("total",)]


def test_blank_marks_leave_no_truth():
    report, t = _report("2019", 11, "blank_marks")
    slashes = render_flat_text(report).splitlines().count("/")
    table2_keys = [k for k, v in t.items() if not isinstance(v, dict) and not k.startswith(("recon", "litig"))
                   and k not in TEXT_KEYS]
    assert slashes > 0 and len(table2_keys) == 22 - slashes


def test_missing_row_not_printed_nor_in_truth():
    report, t = _report("2021", 1, "missing_row")
    missing = [k for k in result_leaf_keys("2021") if k not in t]
    assert len(missing) == 1


def test_other_order_changes_header_order():
    report, _ = _report("2021", 1, "other_order")
    header = table_grid(report.tables[1])[2][4:9]
    assert header != ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]


def test_broken_labels_use_line_breaks():
    html = render_html_tables(_report("2021", 1, "broken_labels")[0])
    assert re.search(r"结果<br/>维持", html)


def test_2021_prose_states_processing_fees():
    report, t = _report("2021", 9)
    fee = t["processing_fees"]
    text = render_flat_text(report)
    assert (f"信息处理费{fee}元" in text) if fee else ("未收取政府信息公开信息处理费" in text)


def test_2019_has_no_processing_fees():
    assert "processing_fees" not in _report("2019", 9)[1]


def _pairs(truth: dict) -> dict:
    out = {}
    for key, v in truth.items():
        out.update({(key, d): x for d, x in v.items()} if isinstance(v, dict) else {(key, None): v})
    return out


@pytest.mark.parametrize("fmt,render", [("2019", "html"), ("2021", "html"), ("2019", "rows"), ("2021", "rows"),
                                        ("2021", "flat")])
def test_whole_extract_gives_the_truth(fmt, render):
    from sampleportal.template_reports import render_row_text
    from transforms.extract import extract
    renderers = {"html": render_html_tables, "rows": render_row_text, "flat": render_flat_text}
    for seed in range(2):
        report, truth = _report(fmt, seed)
        doc = extract(renderers[render](report).encode("utf-8"))
        got = {(m.key, m.dimension): m.value for m in doc.metrics}
        assert (doc.format, doc.year, got) == (fmt, 2022, _pairs(truth))
