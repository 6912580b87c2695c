"""What the report site is made of, without a browser: the coverage matrix, the metric
dictionary, and the metric_series crosswalk on a real warehouse."""
from __future__ import annotations

import yaml

from warehouse.dictionary import metric_keys
from warehouse.site import coverage


def _report(rid, publisher, year, code="330106", gov=True):
    return {"report_id": rid, "publisher": publisher, "year": year, "region_code": code,
            "government_host": gov}


def _states(matrix) -> dict:
    return {(row.publisher, y): c.state for g in matrix.groups for row in g.rows for y, c in row.cells.items()}


def test_registry_year_without_a_report_is_missing_in_the_government_row():
    m = coverage.build([_report("a", "杭州市西湖区人民政府", 2020)], set(),
                       [{"portal_id": "p", "name": "西湖区政府网", "region_code": "330106",
                         "level": "county", "expected_years": [2020, 2021]}])
    assert _states(m) == {("杭州市西湖区人民政府", 2020): "found", ("杭州市西湖区人民政府", 2021): "missing"}


def test_report_seen_only_on_other_sites_is_marked_so():
    m = coverage.build([_report("a", "杭州市西湖区人民政府", 2020, gov=False)], set(), [])
    assert _states(m) == {("杭州市西湖区人民政府", 2020): "nongov"}


def test_report_with_a_failed_check_is_flagged_and_counted_once_per_flag():
    m = coverage.build([_report("a", "杭州市西湖区人民政府", 2020, gov=False)], {"a"}, [])
    assert (_states(m), dict(m.counts)) == ({("杭州市西湖区人民政府", 2020): "flagged"},
                                           {"flagged": 1, "nongov": 1})


def test_rows_are_grouped_by_province_with_unknown_codes_last():
    m = coverage.build([_report("a", "淮安市人民政府", 2020, "320800"),
                        _report("b", "某某镇人民政府", 2020, None),
                        _report("c", "浙江省人民政府", 2020, "330000")], set(), [])
    assert [g.name for g in m.groups] == ["江苏省", "浙江省", coverage.UNKNOWN_PROVINCE]


def test_department_portal_without_a_region_gets_a_row_of_its_own():
    m = coverage.build([], set(), [{"portal_id": "d", "name": "某某局", "region_code": None,
                                    "level": "department", "expected_years": [2019]}])
    assert _states(m) == {("某某局", 2019): "missing"}


# ---------------------------------------------------------------- the metric dictionary
def test_metric_dictionary_has_every_key_of_the_vocabulary_with_its_unit_and_formats(shared_dir):
    spec = yaml.safe_load((shared_dir / "spec" / "metrics.yaml").read_text(encoding="utf-8"))["metrics"]
    want = {m["key"]: (m["unit"], sorted(str(f) for f in m["formats"])) for m in spec}
    got = {e["key"]: (e["unit"], sorted(e["formats"])) for e in metric_keys()}
    assert got == want


def test_template_keys_name_the_table_and_row_they_are_read_from():
    entry = {e["key"]: e for e in metric_keys()}["result_not_disclosed_third_party"]
    assert (entry["table_name"].startswith("表三"), entry["row_label"]) == (True, "不予公开：保护第三方合法权益")
