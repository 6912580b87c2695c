"""--years: one parser and one text form, shared by the crawler and the flows."""
import pytest

from transforms.years import BadYears, Years, as_text


@pytest.mark.parametrize("text, years", [("2019-2021", {2019, 2020, 2021}), ("2020", {2020}),
                                         ("2015-2016, 2019", {2015, 2016, 2019})])
def test_years_parse(text, years):
    assert set(Years.parse(text)) == years


@pytest.mark.parametrize("text", ["2019-2021", "2020", "2015-2016,2019"])
def test_the_text_form_parses_back_to_the_same_years(text):
    years = Years.parse(text)
    assert str(years) == text and Years.parse(str(years)) == years


def test_consecutive_years_given_one_by_one_print_as_a_range():
    assert str(Years.parse("2021,2019,2020")) == "2019-2021"


@pytest.mark.parametrize("bad", ["2020-2010", "20x0", "2019-2020-2021", "", "2019,"])
def test_bad_years_are_refused(bad):
    with pytest.raises(BadYears):
        Years.parse(bad)


def test_none_is_every_year():
    assert Years.parse(None) is None and Years.of("") is None and as_text(None) is None


def test_years_hold_their_members_only():
    years = Years.of([2019, 2021])
    assert 2019 in years and 2020 not in years and (years.first, years.last) == (2019, 2021)
