"""The pre-2019 statistics appendix read from text that lost its layout
(transforms/metrics/appendix_stream.py): this year's column only, never the cumulative."""
from __future__ import annotations

from pathlib import Path

import pytest

from transforms.metrics.appendix import appendix_metrics
from transforms.metrics.appendix_stream import stream_metrics
from transforms.model import Block, Classification, Page

FIXTURES = Path(__file__).parent / "fixtures" / "streams"
HEADER = "附件：统计表 指标名称计量单位2012年度历年累计"
ZEROS = "收到申请数件00行政复议数量件00行政诉讼数量件00"


def _read(name: str, year: int = 2012):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    page = Page(kind="text", blocks=[Block(line) for line in text.splitlines() if line.strip()])
    return appendix_metrics(page, Classification(True, year=year, format="pre2019"))


def _loaded(metrics) -> dict:
    return {m.key: m.value for m in metrics if not m.withheld}


@pytest.fixture(scope="module")
def spaced():
    return _read("appendix_spaced.txt")


@pytest.fixture(scope="module")
def run_together():
    return _read("appendix_run_together.txt")


def test_spaced_cells_read_this_years_column(spaced):
    assert _loaded(spaced) == {"proactive_total": 612, "proactive_via_website": 598, "proactive_via_gazette": 14,
                               "applications_received": 3, "applications_in_person": 1, "applications_online": 2,
                               "reconsideration_total": 0, "litigation_total": 0}


def test_cumulative_column_is_never_loaded(spaced):
    assert not {1906, 1890, 16, 15, 6, 9} & {m.value for m in spaced}


def test_run_together_total_is_split_by_the_tables_bounds(run_together):
    assert (_loaded(run_together)["proactive_total"], _loaded(run_together)["proactive_via_website"]) == (612, 598)


def test_evidence_names_the_bounds_that_split_it(run_together):
    m = next(m for m in run_together if m.key == "proactive_total")
    assert "'6121906' split 612|1906 by 历年累计 is at least 2012年度 and a row under a total is at most the total" \
        in m.evidence


def test_run_with_two_readings_is_withheld(run_together):
    assert {m.value for m in run_together if m.key == "proactive_via_gazette" and m.withheld} == {1, 14}


def test_withheld_candidates_are_never_cumulative(run_together):
    assert not {416, 16} & {m.value for m in run_together if m.withheld}


def test_all_zero_rows_read_one_way(run_together):
    assert _loaded(run_together)["reconsideration_total"] == 0


def test_a_row_with_too_few_figures_shows_blank_cells_leave_no_trace():
    text = HEADER + "主动公开政府信息数条6121906其中：1.政府网站公开数条5981890收到申请数件3" + ZEROS
    assert "proactive_total" not in {m.key for m in stream_metrics([text], 2012)}


def test_spaces_that_are_not_cell_boundaries_read_nothing():
    text = "指标名称 单位 统计数 历年累计 主动公开政府信息数 条 3 410 52 300 " + ZEROS
    assert stream_metrics([text], 2016) == []


def test_another_years_table_reads_nothing():
    assert stream_metrics([HEADER + "主动公开政府信息数条6121906" + ZEROS], 2013) == []


def test_row_covering_two_kinds_printing_zero_is_zero_for_each():
    text = HEADER + "信函、传真申请数件00" + ZEROS
    got = _loaded(stream_metrics([text], 2012))
    assert (got["applications_letter"], got["applications_fax"]) == (0, 0)


def test_row_covering_every_refusal_printing_zero_is_zero_refusals():
    assert _loaded(stream_metrics([HEADER + "否决公开答复数件00" + ZEROS], 2012))["replies_denied"] == 0


def test_row_covering_every_refusal_printing_a_count_gives_nothing():
    assert "replies_denied" not in {m.key for m in stream_metrics([HEADER + "否决公开答复数件3 5" + ZEROS], 2012)}


FORM_2016 = {
    "proactive_total": 1235, "proactive_normative_docs": 46, "normative_docs_issued_total": 52,
    "proactive_via_gazette": 46, "proactive_via_website": 1180, "proactive_via_weibo": 320, "proactive_via_wechat": 210,
    "proactive_via_other": 90, "responses_public_concern": 12, "press_conferences": 6, "press_conferences_leader": 2,
    "online_interviews": 4, "online_interviews_leader": 1, "policy_interpretations": 35, "responses_weibo_wechat": 8,
    "responses_other": 3, "applications_received": 28, "applications_in_person": 5, "applications_fax": 0,
    "applications_online": 20, "applications_letter": 3, "applications_completed": 28,
    "applications_completed_on_time": 27, "applications_completed_extended": 1, "replies_total": 28,
    "replies_already_public": 6, "replies_granted": 12, "replies_partially_granted": 2, "replies_denied": 1,
    "denied_state_secret": 0, "denied_commercial_secret": 0, "denied_personal_privacy": 1,
    "denied_security_stability": 0, "denied_not_government_info": 0, "denied_other_legal": 0,
    "replies_not_this_agency": 4, "replies_not_exist": 2, "replies_clarify": 0, "replies_other_channel": 1,
    "reconsideration_total": 2, "reconsideration_upheld": 1, "reconsideration_corrected": 0, "reconsideration_other": 1,
    "litigation_total": 1, "litigation_upheld": 1, "litigation_corrected": 0, "litigation_other": 0, "complaints": 0,
    "fees_collected": 0, "offices": 1, "reading_points": 3, "staff_total": 5, "staff_fulltime": 2, "staff_parttime": 3,
    "budget": 100000, "meetings": 2, "trainings": 3, "trainees": 120}


def test_one_column_form_run_together_reads_every_row():
    # section titles glued to the first row under them, remarks with numbers in them, numbering
    # glued to the value before it and restarting under each item
    assert _loaded(_read("appendix_2016_form_one_column.txt", 2016)) == FORM_2016
