"""One decision per key: every candidate gathered, a table that passes its checks wins, prose
loads only about the publisher's whole year, and nothing left out is lost."""
from __future__ import annotations

import pytest

from transforms.metrics.settle import settle
from transforms.model import Metric

OFFICE = "the figure of one office or department, not of the publisher's whole (县政府公开办)"


def table(key, value, dim=None, withheld=None, evidence=None):
    return Metric(key, value, dimension=dim, source="table", evidence=evidence or f"{key} | 本年: {value}",
                  withheld=withheld)


def text(key, value, withheld=None):
    return Metric(key, value, source="text", evidence=f"全年{key} {value}。", withheld=withheld)


def loaded(metrics):
    return {(m.key, m.dimension): m.value for m in metrics}


def test_table_value_wins_over_a_sentence_about_one_office():
    metrics, _c, withheld, _w = settle([table("proactive_total", 425), text("proactive_total", 62, OFFICE)], "pre2019")
    assert loaded(metrics) == {("proactive_total", None): 425}


def test_the_office_figure_beside_a_loaded_value_is_kept_with_its_reason():
    _m, _c, withheld, _w = settle([table("proactive_total", 425), text("proactive_total", 62, OFFICE)], "pre2019")
    assert [(w.key, w.reason, [c.value for c in w.candidates], w.loaded) for w in withheld] == \
        [("proactive_total", OFFICE, [62], 425)]


def test_whole_year_prose_loads_without_a_table():
    metrics, _c, withheld, _w = settle([text("proactive_total", 510), text("proactive_total", 71, OFFICE)], "pre2019")
    assert (loaded(metrics), [w.loaded for w in withheld]) == ({("proactive_total", None): 510}, [510])


def test_prose_out_of_scope_alone_loads_nothing_and_is_kept():
    metrics, _c, withheld, _w = settle([text("applications_completed", 171, "approvals (审批事项)")], "pre2019")
    assert (metrics, [(w.key, w.loaded) for w in withheld]) == ([], [("applications_completed", None)])


def test_prose_that_cannot_be_reconciled_loads_nothing():
    metrics, _c, withheld, warnings = settle([text("applications_received", 12), text("applications_received", 15)],
                                             "pre2019")
    assert (metrics, [sorted(c.value for c in w.candidates) for w in withheld]) == ([], [[12, 15]])


def test_two_table_values_for_one_key_load_nothing():
    metrics, _c, withheld, _w = settle([table("rules_issued", 1), table("rules_issued", 2)], "2021")
    assert (metrics, withheld[0].reason) == ([], "conflicting table values: [1.0, 2.0]")


def test_prose_differing_from_the_table_is_kept_beside_it():
    _m, _c, withheld, warnings = settle([table("proactive_total", 425), text("proactive_total", 430)], "pre2019")
    assert [(w.reason, w.loaded) for w in withheld] == [("the report's table says otherwise", 425)]


def test_a_table_cell_its_reader_refused_is_not_replaced_by_prose():
    found = [table("applications_received", 80, withheld="two splits of 8010: 80|10, 801|0"),
             text("applications_received", 80)]
    metrics, _c, withheld, _w = settle(found, "pre2019")
    assert (metrics, withheld[0].reason) == ([], "two splits of 8010: 80|10, 801|0")


# ---------------------------------------------------------------- a document that contradicts itself
def _table4(upheld, corrected, other, pending, total, block="reconsideration"):
    return [table(f"{block}_upheld", upheld), table(f"{block}_corrected", corrected),
            table(f"{block}_other", other), table(f"{block}_pending", pending), table(f"{block}_total", total)]


def test_table_figures_that_disagree_are_withheld():
    found = _table4(10, 1, 0, 0, 0) + [table("rules_issued", 0)]
    metrics, _c, withheld, _w = settle(found, "2021")
    assert (loaded(metrics), sorted(w.key for w in withheld)) == (
        {("rules_issued", None): 0},
        ["reconsideration_corrected", "reconsideration_other", "reconsideration_pending", "reconsideration_total",
         "reconsideration_upheld"])


def test_withheld_contradiction_says_which_check_failed():
    _m, checks, withheld, _w = settle(_table4(10, 1, 0, 0, 0), "2021")
    assert all("reconsideration_sum" in w.reason for w in withheld) and not checks[0].ok


def test_a_figure_computed_from_withheld_ones_goes_with_them():
    found = (_table4(5, 0, 0, 0, 0, "litigation_after_review") + _table4(0, 0, 0, 0, 0, "litigation_direct")
             + [table("litigation_total", 0, evidence="computed: 未经复议直接起诉 总计 0 + 复议后起诉 总计 0 = 0")])
    metrics, _c, withheld, _w = settle(found, "2021")
    assert ("litigation_total" in {w.key for w in withheld}, ("litigation_direct_total", None) in loaded(metrics)) \
        == (True, True)


def test_request_table_column_that_does_not_add_up_is_withheld_in_that_column_only():
    dims = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
            "legal_service_org", "other_org"]
    found = [table("applications_new", v, d) for d, v in zip(dims + ["total"], [5, 1, 0, 0, 0, 0, 7])]
    found += [table("applications_carried_over", 0, d) for d in dims + ["total"]]
    metrics, _c, withheld, _w = settle(found, "2021")
    assert ({w.key for w in withheld}, len(loaded(metrics))) == ({"applications_new"}, 7)


def test_prose_that_does_not_add_up_is_reported_not_withheld():
    found = [text("applications_received", 26), text("applications_online", 11), text("applications_letter", 16)]
    metrics, checks, withheld, _w = settle(found, "pre2019")
    assert (len(metrics), withheld, [c.ok for c in checks]) == (3, [], [False])


# ---------------------------------------------------------------- a real county PDF (no gold)
@pytest.fixture(scope="module")
def hongze_2023(shared_dir):
    from transforms.extract import extract

    path = shared_dir / "real" / "hongze" / "2023.pdf"
    if not path.is_file():
        pytest.skip("hongze PDF not found")
    return extract(path.read_bytes())


def test_real_table_four_that_contradicts_itself_is_withheld(hongze_2023):
    assert {m.key for m in hongze_2023.metrics} & {"reconsideration_upheld", "reconsideration_corrected",
                                                   "reconsideration_total"} == set()


def test_real_table_four_figures_are_kept_for_review(hongze_2023):
    got = {w.key: [c.value for c in w.candidates] for w in hongze_2023.withheld}
    assert (got["reconsideration_upheld"], got["reconsideration_corrected"], got["reconsideration_total"]) == \
        ([10], [1], [0])


def test_a_sentence_stating_one_reading_of_an_ambiguous_table_cell_reconciles_them():
    why = "ambiguous split: '346085376' reads as 34|6085376 or 3460|85376"
    found = [table("proactive_total", 34, withheld=why), table("proactive_total", 3460, withheld=why),
             text("proactive_total", 3460)]
    metrics, _c, withheld, _w = settle(found, "pre2019")
    assert (loaded(metrics), [(w.reason, w.loaded) for w in withheld]) == (
        {("proactive_total", None): 3460}, [(why, 3460)])


def test_a_sentence_stating_no_reading_of_an_ambiguous_table_cell_loads_nothing():
    why = "ambiguous split"
    found = [table("proactive_total", 34, withheld=why), table("proactive_total", 3460, withheld=why),
             text("proactive_total", 346)]
    assert settle(found, "pre2019")[0] == []
