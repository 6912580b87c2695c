"""Identities of the pre-2019 statistical form."""
from transforms.metrics.checks_pre2019 import checks
from transforms.model import Metric


def _m(**kv):
    return [Metric(key=k, value=v) for k, v in kv.items()]


def _by_name(cs):
    return {c.check: c for c in cs}


def test_channels_adding_up_pass():
    c = _by_name(checks(_m(applications_received=29, applications_in_person=2, applications_online=11,
                            applications_letter=16, applications_fax=0)))
    assert c["applications_by_channel"].ok


def test_channels_exceeding_total_fail():
    c = _by_name(checks(_m(applications_received=26, applications_online=11, applications_letter=16)))
    assert not c["applications_by_channel"].ok


def test_partial_breakdown_below_total_is_not_a_failure():
    c = _by_name(checks(_m(applications_received=26, applications_online=11)))
    assert c["applications_by_channel"].ok


def test_reconsideration_outcomes_must_sum_to_total():
    c = _by_name(checks(_m(reconsideration_total=79, reconsideration_upheld=37, reconsideration_corrected=36,
                           reconsideration_other=5)))
    assert not c["reconsideration_outcomes"].ok and "79" in c["reconsideration_outcomes"].detail


def test_litigation_outcomes_sum():
    c = _by_name(checks(_m(litigation_total=22, litigation_upheld=12, litigation_corrected=5, litigation_other=5)))
    assert c["litigation_outcomes"].ok


def test_denied_reasons_sum_to_denied():
    c = _by_name(checks(_m(replies_denied=25, denied_state_secret=1, denied_commercial_secret=0,
                           denied_personal_privacy=0, denied_security_stability=0,
                           denied_not_government_info=22, denied_other_legal=2)))
    assert c["denied_reasons"].ok


def test_replies_breakdown_fails_when_off():
    c = _by_name(checks(_m(replies_total=10, replies_granted=4, replies_partially_granted=1, replies_denied=1,
                           replies_already_public=1, replies_not_this_agency=1, replies_not_exist=1,
                           replies_clarify=0, replies_other_channel=0)))
    assert not c["replies_breakdown"].ok


def test_proactive_channels_are_never_summed():
    cs = checks(_m(proactive_total=100, proactive_via_website=90, proactive_via_weibo=80))
    assert cs == []


def test_values_are_not_changed():
    ms = _m(litigation_total=2, litigation_upheld=3)
    checks(ms)
    assert [m.value for m in ms] == [2, 3]


def test_a_check_names_the_figures_it_compares():
    c = _by_name(checks(_m(reconsideration_total=3, reconsideration_upheld=2, reconsideration_corrected=1)))
    assert c["reconsideration_outcomes"].terms == [
        ("reconsideration_total", None), ("reconsideration_upheld", None), ("reconsideration_corrected", None)]
