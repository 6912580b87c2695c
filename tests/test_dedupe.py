"""Grouping copies into reports: mirrors merge, different reports sharing boilerplate do not.

Every document goes through the real parser (transforms.extract) first, as in the pipeline.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import opencc
import pytest

from transforms.dedupe.groups import DedupeItem, group_reports, is_government_host, same_report
from transforms.extract import extract
from transforms.dedupe.fingerprint import fingerprint
from transforms.dedupe.report_fields import HostRules

FIXTURES = Path(__file__).parent / "fixtures" / "warehouse"
S2T = opencc.OpenCC("s2t.json")
YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")


@pytest.fixture(scope="module")
def seeds(shared_dir):
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted((shared_dir / "seeds").glob("*.txt"))}


def item(text: str, url: str, fetched_at: str = "2024-01-01T00:00:00", own_host: bool = False,
         report_id=None) -> DedupeItem:
    doc = extract(text.encode("utf-8"), url, "text/plain; charset=utf-8")
    host = url.split("/")[2]
    return DedupeItem(doc_id=url, fingerprint=fingerprint(doc.text), year=doc.year,
                      publisher=doc.publisher, host=host, url=url, fetched_at=fetched_at,
                      own_host=own_host, government_host=is_government_host(host),
                      report_id=report_id, has_metrics=bool(doc.metrics))


def other_figures(text: str) -> str:
    """The same wording with every figure changed (years kept): another report's numbers."""
    def bump(m):
        n = m.group(0)
        return n if YEAR.fullmatch(n) else str(int(n) * 3 + 17)
    return re.sub(r"\d+", bump, text)


def next_year(text: str) -> str:
    """The publisher's report of the following year: years shifted, figures changed."""
    shifted = YEAR.sub(lambda m: str(int(m.group(0)) + 1), text)
    return other_figures(shifted)


def wrapped(text: str) -> str:
    head = (FIXTURES / "spam_head.txt").read_text(encoding="utf-8")
    tail = (FIXTURES / "spam_tail.txt").read_text(encoding="utf-8")
    return head + "\n" + text + "\n" + tail


def test_traditional_copy_is_the_same_report(seeds):
    a = item(seeds["000"], "http://www.a.gov.cn/1.html")
    b = item(S2T.convert(seeds["000"]), "http://mirror.example.com/1.html")
    assert same_report(a, b)


def test_spam_wrapped_copy_is_the_same_report(seeds):
    a = item(seeds["001"], "http://www.a.gov.cn/1.html")
    b = item(wrapped(seeds["001"]), "http://spam.example.com/x.html")
    assert same_report(a, b)


def test_copy_with_swapped_agency_name_is_the_same_report(seeds):
    a = item(seeds["002"], "http://www.a.gov.cn/1.html")
    b = item(seeds["002"].replace("人民政府", "政府办公室"), "http://mirror.example.com/2.html")
    assert same_report(a, b)


def test_small_edit_is_the_same_report(seeds):
    text = seeds["004"]
    edited = text.replace("。", ";", 5) + "\n(本文有删改)"
    assert same_report(item(text, "http://www.a.gov.cn/1.html"), item(edited, "http://b.example.com/1"))


def test_next_year_of_the_same_publisher_is_not_merged(seeds):
    a = item(seeds["000"], "http://www.a.gov.cn/2017.html")
    b = item(next_year(seeds["000"]), "http://www.a.gov.cn/2018.html")
    assert not same_report(a, b)


def test_same_template_filled_by_another_agency_is_not_merged(seeds):
    a = item(seeds["001"], "http://www.a.gov.cn/1.html")
    other = other_figures(seeds["001"]).replace("三元", "梅列")
    assert not same_report(a, item(other, "http://www.b.gov.cn/1.html"))


def test_same_wording_with_other_figures_is_not_merged_even_with_equal_names(seeds):
    a = item(seeds["002"], "http://www.a.gov.cn/1.html")
    assert not same_report(a, item(other_figures(seeds["002"]), "http://www.a.gov.cn/2.html"))


def test_different_seeds_are_different_reports(seeds):
    items = [item(t, f"http://www.s{k}.gov.cn/r.html") for k, t in seeds.items()]
    assert len(group_reports(items)) == len(items)


def test_repost_in_two_columns_is_one_report_with_two_copies(seeds):
    items = [item(seeds["000"], "http://www.a.gov.cn/col1/1.html", own_host=True),
             item(seeds["000"], "http://www.a.gov.cn/col2/9.html", own_host=True),
             item(seeds["001"], "http://www.a.gov.cn/col1/2.html", own_host=True)]
    assert sorted(g.copies for g in group_reports(items)) == [1, 2]


def test_canonical_copy_is_on_the_portal_host_even_if_fetched_later(seeds):
    mirror = item(seeds["000"], "http://mirror.example.com/1.html", fetched_at="2024-01-01T00:00:00")
    own = item(seeds["000"], "http://www.a.gov.cn/1.html", fetched_at="2024-02-01T00:00:00", own_host=True)
    [group] = group_reports([mirror, own])
    assert group.canonical == 1


def test_canonical_copy_without_portal_host_is_the_earliest(seeds):
    late = item(seeds["000"], "http://m1.example.com/1.html", fetched_at="2024-03-01T00:00:00")
    early = item(seeds["000"], "http://m2.example.com/1.html", fetched_at="2024-01-01T00:00:00")
    [group] = group_reports([late, early])
    assert group.canonical == 1


def test_report_seen_only_off_government_hosts_is_marked(seeds):
    [group] = group_reports([item(seeds["003"], "http://spam.example.com/1.html")])
    assert group.government_host is False


def test_report_id_is_kept_when_the_group_grows(seeds):
    first = item(seeds["000"], "http://www.a.gov.cn/1.html", report_id="r-existing")
    mirror = item(S2T.convert(seeds["000"]), "http://mirror.example.com/1.html")
    [group] = group_reports([mirror, first])
    assert (group.report_id, group.new) == ("r-existing", False)


def test_new_report_id_is_derived_from_content(seeds):
    a = group_reports([item(seeds["004"], "http://www.a.gov.cn/1.html")])[0].report_id
    b = group_reports([item(seeds["004"], "http://www.a.gov.cn/1.html")])[0].report_id
    assert a == b


def test_government_host_by_domain_suffix_or_registry():
    assert [is_government_host("www.hangzhou.gov.cn"), is_government_host("127.0.0.1", ["127.0.0.1"]),
            is_government_host("gov.cn.example.com")] == [True, True, False]


def test_registry_host_with_port_must_match_port():
    assert [is_government_host("127.0.0.1:8765", ["127.0.0.1:8765"]),
            is_government_host("127.0.0.1:9999", ["127.0.0.1:8765"]),
            is_government_host("127.0.0.1:9999", ["127.0.0.1"])] == [True, False, True]


def test_settled_groups_stand_and_newcomers_join_them(seeds):
    # Two earlier reports stay apart; a new mirror of the first joins it, not the second.
    a = item(seeds["000"], "http://www.a.gov.cn/1.html", report_id="r-a")
    b = item(seeds["001"], "http://www.b.gov.cn/1.html", report_id="r-b")
    a.settled = b.settled = True
    mirror = item(S2T.convert(seeds["000"]), "http://mirror.example.com/1.html")
    groups = {g.report_id: g.copies for g in group_reports([a, b, mirror])}
    assert groups == {"r-a": 2, "r-b": 1}


def linked(seeds, stub_year=2017, stub_publisher="甲区人民政府"):
    """A short page announcing the report, and the report attached to it."""
    stub_text = f"甲区人民政府{stub_year}年政府信息公开工作年度报告(全文见附件)。附件:年度报告.pdf"
    stub = DedupeItem(doc_id="stub", fingerprint=fingerprint(stub_text), year=stub_year,
                      publisher=stub_publisher, host="www.a.gov.cn", url="http://www.a.gov.cn/ndbg/1.html",
                      fetched_at="2024-01-01T00:00:00", own_host=True, government_host=True)
    report = DedupeItem(doc_id="pdf", fingerprint=fingerprint(seeds["000"]), year=2017,
                        publisher="甲区人民政府", host="www.a.gov.cn", url="http://www.a.gov.cn/files/1.pdf",
                        fetched_at="2024-01-01T00:01:00", own_host=True, government_host=True,
                        referer=stub.url, has_metrics=True)
    return stub, report


def test_page_and_its_attached_report_are_one_report(seeds):
    assert len(group_reports(linked(seeds))) == 1


def test_attached_report_is_canonical_over_the_page_pointing_to_it(seeds):
    [group] = group_reports(list(linked(seeds)))
    assert group.canonical == 1


def test_attachment_of_another_year_is_not_merged(seeds):
    assert len(group_reports(linked(seeds, stub_year=2018))) == 2


def test_attachment_of_another_publisher_is_not_merged(seeds):
    assert len(group_reports(linked(seeds, stub_publisher="乙区人民政府"))) == 2


def test_attached_report_on_a_file_host_is_canonical_over_the_portal_page(seeds):
    stub, report = linked(seeds)
    report.own_host, report.host = False, "files.example.com"
    [group] = group_reports([stub, report])
    assert group.canonical == 1


def test_new_version_of_a_page_is_the_same_report_and_canonical(seeds):
    old = item(seeds["000"], "http://www.a.gov.cn/1.html", fetched_at="2024-01-01T00:00:00", own_host=True)
    new = item(other_figures(seeds["000"]), "http://www.a.gov.cn/1.html", fetched_at="2024-06-01T00:00:00",
               own_host=True)
    [group] = group_reports([old, new])
    assert (group.copies, group.canonical) == (2, 1)


def test_page_linking_several_reports_merges_none_of_them(seeds):
    stub, report = linked(seeds)
    other = DedupeItem(doc_id="pdf2", fingerprint=fingerprint(seeds["001"]), year=2017, publisher=None,
                       host="www.a.gov.cn", url="http://www.a.gov.cn/files/2.pdf",
                       fetched_at="2024-01-01T00:02:00", referer=stub.url, has_metrics=True)
    report.publisher = None
    assert len(group_reports([stub, report, other])) == 3


def test_own_host_copy_outranks_an_earlier_mirror_with_figures(seeds):
    mirror = item(seeds["000"], "http://shop.example.com/p/1.html", fetched_at="2023-01-01T00:00:00")
    own = item(seeds["000"], "http://www.a.gov.cn/ndbg/1.html", fetched_at="2024-01-01T00:00:00", own_host=True)
    own.has_metrics = False
    [group] = group_reports([mirror, own])
    assert group.canonical == 1


def test_attachment_on_a_non_government_file_host_beats_the_page_pointing_to_it(seeds):
    stub, report = linked(seeds)
    report.own_host, report.government_host, report.host = False, False, "cdn.example.com"
    [group] = group_reports([stub, report])
    assert group.canonical == 1


def test_clean_copy_outranks_an_earlier_spam_wrapped_copy_on_a_start_url_host(seeds):
    mirror = item(seeds["000"], "http://127.0.0.9:8000/p/1.html", fetched_at="2023-01-01T00:00:00", own_host=True)
    mirror.spam_wrapped = True
    clean = item(seeds["000"], "http://127.0.0.2:8000/ndbg/1.html", fetched_at="2024-01-01T00:00:00", own_host=True)
    [group] = group_reports([mirror, clean])
    assert group.canonical == 1


def test_two_settled_copies_kept_apart_by_an_earlier_run_stay_apart(seeds):
    # An earlier run's grouping is not re-decided: only newcomers are compared.
    a = item(seeds["000"], "http://www.a.gov.cn/1.html", report_id="r-a")
    b = item(S2T.convert(seeds["000"]), "http://mirror.example.com/1.html", report_id="r-b")
    a.settled = b.settled = True
    assert sorted(g.report_id for g in group_reports([a, b])) == ["r-a", "r-b"]


def test_newcomer_joining_two_settled_groups_by_exact_text_merges_them(seeds):
    a = item(seeds["000"], "http://www.a.gov.cn/1.html", report_id="r-a")
    b = item(seeds["000"], "http://www.a.gov.cn/2.html", report_id="r-b")
    a.settled = b.settled = True
    c = item(seeds["000"], "http://www.a.gov.cn/3.html")
    assert [g.copies for g in group_reports([a, b, c])] == [3]


def test_signature_of_another_length_matches_only_by_exact_text(seeds):
    # A fingerprint from an older num_perm setting: not comparable by MinHash, not an error.
    a = item(seeds["000"], "http://www.a.gov.cn/1.html")
    b = item(wrapped(seeds["000"]), "http://mirror.example.com/1.html")
    assert same_report(a, b)  # comparable, it would join
    b.fingerprint = replace(b.fingerprint, minhash=b.fingerprint.minhash[:64])
    c = item(seeds["000"], "http://www.a.gov.cn/2.html")
    c.fingerprint = replace(c.fingerprint, minhash=c.fingerprint.minhash[:64])
    assert sorted(g.copies for g in group_reports([a, b, c])) == [1, 2]


def test_spam_string_on_the_publishers_own_host_keeps_the_report_on_a_government_host(seeds):
    own = item(seeds["000"], "http://www.a.gov.cn/1.html", own_host=True)
    own.spam_wrapped = True  # an SEO string injected into the portal's own page
    [group] = group_reports([own])
    assert group.government_host is True


def test_spam_wrapped_copy_on_another_government_host_is_a_mirror(seeds):
    other = item(seeds["000"], "http://www.b.gov.cn/1.html")
    other.spam_wrapped = True
    [group] = group_reports([other])
    assert group.government_host is False


HOSTS = HostRules({"city": ["www.city.gov.cn"], "district": ["qu.city.gov.cn"],
                   "mirror": ["mirror.example.com"]}, non_government=["mirror"])


def test_a_copy_on_another_portals_host_belongs_to_that_portal():
    assert HOSTS.holder("mirror.example.com", "city") == "mirror"


def test_a_copy_on_the_fetching_portals_host_stays_its_own():
    assert HOSTS.holder("www.city.gov.cn", "city") == "city"


def test_a_copy_on_no_portals_host_belongs_to_the_portal_that_fetched_it():
    assert HOSTS.holder("files.example.org", "district") == "district"
