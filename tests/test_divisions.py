"""Division codes come from the packages' data: current codes, abolished divisions' last codes."""
from transforms.classification.divisions import divisions, name_of, province_of


def _codes(name: str, parent: str) -> list[str]:
    return [d["code"] for d in divisions() if d["name"] == name and d["parent"] == parent]


def test_divisions_created_since_2021_are_there():
    assert _codes("临平区", "杭州市") == ["330113"]


def test_abolished_division_keeps_its_last_code():
    assert _codes("江干区", "杭州市") == ["330104"]


def test_division_in_force_has_only_its_current_code():
    assert _codes("三元区", "三明市") == ["350404"]


def test_same_name_under_two_prefectures_is_two_divisions():
    assert sorted(d["parent"] for d in divisions() if d["name"] == "西湖区") == ["南昌市", "杭州市"]


def test_province_of_a_county_code():
    assert province_of("330106") == ("330000", "浙江省")


def test_placeholder_rows_are_not_divisions():
    assert name_of("110100") is None
