"""The 2019/2021 template tables read from text that lost their layout
(transforms/metrics/template_stream.py).

Hand-made copies show one behaviour each; synthetic reports printed with every row run together
(or with spaces and bars between the cells) must never give a wrong value. Recall is printed
(pytest -s).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from sampleportal.template_reports import FORMATS, VARIANTS, make_template_report, render_row_text
from transforms.metrics import settle
from transforms.metrics.template import RULES, template_metrics
from transforms.metrics.template_stream import stream_metrics
from transforms.model import Block, Classification, Page

FIXTURES = Path(__file__).parent / "fixtures" / "streams"
DIMS = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
        "legal_service_org", "other_org", "total"]


def _page(name: str) -> Page:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return Page(kind="text", blocks=[Block(line) for line in text.splitlines() if line.strip()])


def _read(name: str, fmt: str):
    return template_metrics(_page(name), Classification(True, format=fmt))


def _loaded(metrics) -> dict:
    return {(m.key, m.dimension): m.value for m in metrics if not m.withheld}


def _row(metrics, key) -> list:
    got = _loaded(metrics)
    return [got.get((key, d)) for d in DIMS]


@pytest.fixture(scope="module")
def run_together():
    return _read("template_2021_run_together.txt", "2021")


@pytest.fixture(scope="module")
def two_readings():
    page = _page("template_2021_two_readings.txt")
    return settle.report_metrics(page, Classification(True, year=2021, format="2021"))


# ----------------------------------------------------------------------------- table 三
def test_row_run_together_splits_by_its_sum(run_together):
    assert _row(run_together, "applications_new") == [52, 3, 0, 2, 1, 2, 60]


def test_row_with_two_readings_is_settled_by_the_column_totals(run_together):
    assert _row(run_together, "result_disclosed") == [27, 0, 0, 2, 0, 1, 30]


def test_evidence_says_how_the_run_was_split(run_together):
    m = next(m for m in run_together if m.key == "result_disclosed" and m.dimension == "natural_person")
    assert "'270020130' split 27|0|0|2|0|1|30 by the row sum and the column totals" in m.evidence


def test_every_request_value_is_read(run_together):
    assert len({(m.key, m.dimension) for m in run_together if m.dimension and not m.withheld}) == 26 * 7


def test_readings_that_can_swap_between_rows_load_neither(two_readings):
    metrics, _checks, _withheld, _warnings = two_readings
    assert not {m.key for m in metrics} & {"result_disclosed", "result_partially_disclosed"}


def test_two_readings_are_withheld_with_both_candidates(two_readings):
    _metrics, _checks, withheld, _warnings = two_readings
    w = next(w for w in withheld if (w.key, w.dimension) == ("result_disclosed", "natural_person"))
    assert ({c.value for c in w.candidates}, w.reason.startswith("ambiguous split")) == ({2, 27}, True)


def test_rows_that_read_one_way_still_load_beside_an_ambiguous_one(two_readings):
    metrics, *_ = two_readings
    assert _row(metrics, "result_total") == [29, 7, 0, 2, 20, 2, 60]


# ----------------------------------------------------------------------------- table 四
def test_review_table_run_together_splits_by_its_block_sums(run_together):
    got = _loaded(run_together)
    assert [got[(f"litigation_direct_{o}", None)] for o in ("upheld", "corrected", "other", "pending", "total")] \
        == [5, 0, 1, 1, 7]


# ----------------------------------------------------------------------------- table 二
def test_all_zero_run_reads_one_way(run_together):
    got = _loaded(run_together)
    assert [got[(k, None)] for k in ("rules_issued", "rules_repealed", "rules_in_force")] == [0, 0, 0]


def test_run_with_several_readings_is_withheld(run_together):
    assert {m.value for m in run_together if m.key == "normative_docs_issued" and m.withheld} == {1, 12, 123}


def test_single_column_rows_read_as_printed(run_together):
    got = _loaded(run_together)
    assert (got[("licensing_decisions", None)], got[("fees_amount", None)]) == (1530, 355000)


def test_a_run_that_may_hide_a_blank_cell_is_withheld():
    text = "第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章159行政规范性文件000"
    found = stream_metrics([text], RULES["2021"])
    assert {m.key for m in found if m.withheld} == {"rules_issued", "rules_repealed", "rules_in_force"}


# ----------------------------------------------------------------------------- spacing and OCR noise
@pytest.fixture(scope="module")
def spaced():
    return _read("template_2019_spaced_ocr.txt", "2019")


def test_spaced_copy_with_noisy_labels_reads_every_request_value(spaced):
    assert len({(m.key, m.dimension) for m in spaced if m.dimension and not m.withheld}) == 23 * 7


def test_full_width_digits_are_read(spaced):
    assert _row(spaced, "applications_new") == [15, 2, 0, 0, 0, 1, 18]


def test_cells_partly_run_together_are_split_by_the_row_sum(spaced):
    assert _row(spaced, "result_disclosed") == [9, 1, 0, 0, 0, 1, 11]


def test_a_row_broken_over_lines_is_one_row(spaced):
    assert _row(spaced, "result_total") == [16, 2, 0, 0, 0, 1, 19]


def test_nothing_is_withheld_in_a_copy_that_reads_one_way(spaced):
    assert not [m for m in spaced if m.withheld]


# ----------------------------------------------------------------------------- synthetic reports
def _truth_pairs(truth: dict) -> dict:
    out = {}
    for key, v in truth.items():
        if isinstance(v, dict):
            out.update({(key, d): x for d, x in v.items()})
        else:
            out[(key, None)] = v
    return out


def _score(sep: str, join: str) -> tuple[int, int, int]:
    tp = fp = n = 0
    for fmt in FORMATS:
        for variant in (None,) + VARIANTS:
            for seed in range(4):
                report, truth = make_template_report(fmt, int(fmt), "某县人民政府", seed, variant=variant)
                text = render_row_text(report, sep=sep).replace("\n", join)
                want = _truth_pairs(truth)
                got = _loaded(stream_metrics([text], RULES[fmt]))
                tp += sum(1 for k, v in got.items() if want.get(k) == v)
                fp += sum(1 for k, v in got.items() if k in want and want[k] != v)
                n += len(want)
    return tp, fp, n


@pytest.mark.parametrize("sep,join", [("", ""), ("", "\n")], ids=["one-line", "row-per-line"])
def test_synthetic_tables_run_together_give_no_wrong_value(sep, join):
    tp, fp, n = _score(sep, join)
    print(f"run together ({sep!r}, {join!r}): {tp}/{n} read, {fp} wrong")
    assert fp == 0 and tp >= 0.85 * n


@pytest.mark.parametrize("sep,join", [(" ", " "), (" | ", "\n"), ("\t", ""), (" ", "")])
def test_synthetic_tables_with_separators_read_whole(sep, join):
    tp, fp, n = _score(sep, join)
    assert fp == 0 and tp >= 0.99 * n


# ----------------------------------------------------------------------------- grids from text
def test_markdown_copies_give_the_truth():
    from sampleportal.template_reports import render_markdown
    from test_template_reports import _pairs
    from transforms.extract import extract
    for fmt in FORMATS:
        report, truth = make_template_report(fmt, int(fmt), "某县人民政府", 3)
        doc = extract(render_markdown(report).encode("utf-8"), "http://x.gov.cn/a.txt", "text/plain")
        assert {(m.key, m.dimension): m.value for m in doc.metrics} == _pairs(truth)


def test_grid_cell_holding_a_whole_run_of_values_is_split():
    grid = [["申请人情况", "自然人 法人或其他组织 总计 商业企业 科研机构 社会公益组织 法律服务机构 其他"],
            ["一、本年新收政府信息公开申请数量", "801000081"], ["二、上年结转政府信息公开申请数量", "0000000"]]
    page = Page(kind="text", blocks=[Block("", table=grid)])
    assert _row(template_metrics(page, Classification(True, format="2021")), "applications_new") == \
        [80, 1, 0, 0, 0, 0, 81]


def test_count_followed_by_a_magnitude_is_not_read():
    text = "第二十条第（五）项信息内容本年处理决定数量行政许可3万第二十条"
    assert stream_metrics([text], RULES["2021"]) == []


def _values_before_labels(text: str, every: int) -> str:
    """PDF text of a table with centred cells: the values of some rows printed on the line above
    their label (every `every`-th row of table 三 from the 3rd on)."""
    out, k = [], 0
    for line in text.splitlines():
        words = line.split(" ")
        n = next((i for i in range(len(words)) if all(w.isdigit() for w in words[i:])), len(words))
        if len(words) - n == 7 and n > 0:
            k += 1
            if k >= 3 and k % every == 0:
                out += [" ".join(words[n:]), " ".join(words[:n])]
                continue
        out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("every", [1, 2, 5])
def test_values_printed_before_their_labels_are_never_given_to_another_row(every):
    wrong = 0
    for fmt in FORMATS:
        for seed in range(6):
            report, truth = make_template_report(fmt, int(fmt), "某县人民政府", seed)
            text = _values_before_labels(render_row_text(report, sep=" "), every)
            want = _truth_pairs(truth)
            got = _loaded(stream_metrics(text.splitlines(), RULES[fmt]))
            wrong += sum(1 for k, v in got.items() if k in want and want[k] != v)
    assert wrong == 0


def test_values_printed_between_the_lines_of_a_wrapped_label_belong_to_it():
    text = (FIXTURES / "template_2019_spaced_ocr.txt").read_text(encoding="utf-8").replace(
        "5.要求行政机关确认或重新出具已获取信息 0 0 0 0 0 0 0", "5.要求行政机关确认或重新出\n0 0 0 0 0 0 0\n具已获取信息")
    got = _loaded(stream_metrics(text.splitlines(), RULES["2019"]))
    assert (got[("result_not_processed_confirm", "total")], got[("result_total", "total")]) == (0, 19)


def test_the_note_among_the_header_labels_is_passed_over():
    text = ("申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
            "一、本年新收政府信息公开申请数量801000081二、上年结转政府信息公开申请数量0000000")
    assert _row(stream_metrics([text], RULES["2021"]), "applications_new") == [80, 1, 0, 0, 0, 0, 81]


def _spaced_2019(old: str, new: str) -> dict:
    text = (FIXTURES / "template_2019_spaced_ocr.txt").read_text(encoding="utf-8").replace(old, new)
    return _loaded(stream_metrics(text.splitlines(), RULES["2019"]))


def test_a_misprinted_row_label_gives_its_values_to_no_other_row():
    got = _spaced_2019("2.其他法律行政法规禁止公开 0000000 3.危及“三安全一稳定” 1 0 0 0 0 0 1",
                       "2.其他法律行政止公开 0 0 0 0 0 0 0\n3.危及“三安全一稳定” 1 0 0 0 0 0 1")
    assert got.get(("result_not_disclosed_security_stability", "total")) in (None, 1)


def test_values_printed_inside_a_wrapped_remark_belong_to_the_row():
    got = _spaced_2019("（二）部分公开（区分处理的，只计这一情形，不计其他情形） 2 0 0 0 0 0 2",
                       "（二）部分公开（区分处理的，只计这一情\n2 0 0 0 0 0 2\n形，不计其他情形）")
    assert got[("result_partially_disclosed", "total")] == 2
