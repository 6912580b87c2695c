"""Identities of the 2019/2021 tables: reported, with the numbers, never fixed."""
from __future__ import annotations

from transforms.metrics.checks_template import APPLICANT_DIMS, RESULT_ROWS, checks
from transforms.model import Metric


def _m(key, value, dim=None):
    return Metric(key=key, value=value, dimension=dim, source="table")


def _by_name(cs):
    return {c.check: c for c in cs}


def _column(dim, new, carried, results, forward):
    ms = [_m("applications_new", new, dim), _m("applications_carried_over", carried, dim),
          _m("result_total", sum(results), dim), _m("applications_carried_forward", forward, dim)]
    ms += [_m(k, v, dim) for k, v in zip(RESULT_ROWS, results)]
    return ms


def test_identity_holds():
    results = [5, 1] + [0] * (len(RESULT_ROWS) - 2)
    cs = _by_name(checks(_column("natural_person", 6, 1, results, 1)))
    assert cs["applications_identity[natural_person]"].ok


def test_identity_failure_reported_with_numbers():
    results = [5, 1] + [0] * (len(RESULT_ROWS) - 2)
    c = _by_name(checks(_column("natural_person", 9, 1, results, 1)))["applications_identity[natural_person]"]
    assert not c.ok and "10" in c.detail and "7" in c.detail


def test_values_are_not_changed():
    ms = _column("total", 9, 1, [5, 1] + [0] * (len(RESULT_ROWS) - 2), 1)
    before = [(m.key, m.value) for m in ms]
    checks(ms)
    assert [(m.key, m.value) for m in ms] == before


def test_result_rows_sum_to_total():
    ms = [_m(k, 1, "total") for k in RESULT_ROWS] + [_m("result_total", len(RESULT_ROWS) + 1, "total")]
    c = _by_name(checks(ms))["result_rows_sum[total]"]
    assert not c.ok and str(len(RESULT_ROWS)) in c.detail


def test_missing_term_gives_no_check():
    ms = [_m("applications_new", 3, "natural_person"), _m("result_total", 3, "natural_person")]
    assert "applications_identity[natural_person]" not in _by_name(checks(ms))


def test_applicant_columns_sum_to_total():
    ms = [_m("result_disclosed", v, d) for d, v in zip(APPLICANT_DIMS, [3, 1, 0, 0, 0, 0])]
    ok = checks(ms + [_m("result_disclosed", 4, "total")])
    bad = checks(ms + [_m("result_disclosed", 5, "total")])
    assert (_by_name(ok)["applicant_columns_sum[result_disclosed]"].ok,
            _by_name(bad)["applicant_columns_sum[result_disclosed]"].ok) == (True, False)


def test_review_block_sums():
    ms = [_m("reconsideration_upheld", 2), _m("reconsideration_corrected", 1), _m("reconsideration_other", 0),
          _m("reconsideration_pending", 1), _m("reconsideration_total", 5)]
    c = _by_name(checks(ms))["reconsideration_sum"]
    assert not c.ok and "4" in c.detail and "5" in c.detail


def test_litigation_blocks_checked_separately():
    ms = [_m(f"litigation_direct_{o}", 1) for o in ("upheld", "corrected", "other", "pending")]
    ms.append(_m("litigation_direct_total", 4))
    names = _by_name(checks(ms))
    assert names["litigation_direct_sum"].ok and "litigation_after_review_sum" not in names


def test_no_metrics_no_checks():
    assert checks([]) == []


def _synthetic_metrics(fmt, seed, edit=None):
    from sampleportal.template_reports import make_template_report, table_grid
    from transforms.metrics.template import template_metrics
    from transforms.model import Block, Classification, Page
    report, _ = make_template_report(fmt, 2023, "某县人民政府", seed)
    grids = [table_grid(t) for t in report.tables]
    if edit:
        edit(grids)
    page = Page(kind="html", blocks=[Block("t", table=g) for g in grids])
    return template_metrics(page, Classification(True, format=fmt))


def test_generated_reports_pass_every_check():
    for fmt in ("2019", "2021"):
        for seed in range(5):
            cs = checks(_synthetic_metrics(fmt, seed))
            assert len(cs) > 30 and all(c.ok for c in cs), [c for c in cs if not c.ok]


def test_a_misprinted_cell_fails_its_checks():
    def bump(grids):
        row = next(r for r in grids[1] if "（一）予以公开" in r)
        row[3] = str(int(row[3]) + 1)  # natural person, 予以公开
    failed = {c.check for c in checks(_synthetic_metrics("2021", 2, bump)) if not c.ok}
    assert failed == {"result_rows_sum[natural_person]", "applicant_columns_sum[result_disclosed]"}


def test_a_check_names_the_figures_it_compares():
    c = _by_name(checks(_column("natural_person", 9, 1, [5, 1] + [0] * (len(RESULT_ROWS) - 2), 1)))
    assert c["applications_identity[natural_person]"].terms == [
        ("applications_new", "natural_person"), ("applications_carried_over", "natural_person"),
        ("result_total", "natural_person"), ("applications_carried_forward", "natural_person")]


def test_an_applicant_row_check_names_every_column_of_the_row():
    ms = [_m("applications_new", 1, d) for d in APPLICANT_DIMS] + [_m("applications_new", 6, "total")]
    c = _by_name(checks(ms))["applicant_columns_sum[applications_new]"]
    assert c.terms == [("applications_new", d) for d in (*APPLICANT_DIMS, "total")]
