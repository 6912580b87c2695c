"""The sample portal server itself: real HTTP on 127.0.0.1."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from crawler.registry import load_portals
from sampleportal.server import start_sample_portal


@pytest.fixture(scope="module")
def portal():
    with start_sample_portal() as p:
        yield p


def get(url, headers=None, data=None):
    req = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_sites_on_distinct_loopback_hosts(portal):
    hosts = list(portal.expected["hosts"].values())
    assert len(set(hosts)) == len(hosts) and all(h.startswith("127.0.0.1:") for h in hosts)


def test_every_start_url_answers(portal):
    assert [get(u)[0] for u in portal.start_urls] == [200] * len(portal.start_urls)


def test_registry_loads_with_crawler_registry(portal):
    assert {p.id for p in load_portals(portal.registry_path)} == set(portal.portal_ids)


def test_registry_hosts_are_the_servers(portal):
    assert all(p.allows(u) for p in load_portals(portal.registry_path) for u in p.start_urls)


def test_every_expected_report_serves_200(portal):
    statuses = [get(r["url"])[0] for r in portal.expected["reports"]
                if r["url"] not in portal.expected["portals"]["sample-sanyuan"]["flaky"]]
    assert set(statuses) == {200}


def test_dead_link_is_404(portal):
    assert get(portal.expected["portals"]["sample-gongshu"]["dead_links"][0])[0] == 404


def test_etag_gives_304(portal):
    url = portal.expected["portals"]["sample-xihu"]["reports"][1]
    etag = get(url)[1]["ETag"]
    assert get(url, {"If-None-Match": etag})[0] == 304


def test_if_modified_since_gives_304(portal):
    url = portal.expected["portals"]["sample-gongshu"]["reports"][1]
    lm = get(url)[1]["Last-Modified"]
    assert get(url, {"If-Modified-Since": lm})[0] == 304


def test_modify_changes_etag_and_body(portal):
    url = portal.expected["portals"]["sample-gongshu"]["reports"][2]
    _, h1, b1 = get(url)
    portal.modify(url)
    _, h2, b2 = get(url, {"If-None-Match": h1["ETag"]})
    assert (h1["ETag"] != h2["ETag"], b1 != b2) == (True, True)


def test_hosts_without_validators_send_none(portal):
    url = portal.expected["portals"]["sample-sanyuan"]["reports"][0]
    assert "ETag" not in get(url)[1]


def test_gbk_page_declared_gb2312(portal):
    url = portal.expected["portals"]["sample-sanyuan"]["reports"][0]
    _, headers, body = get(url)
    assert headers["Content-Type"].endswith("gb2312") and "年度报告".encode("gbk") in body


def test_robots_disallows_private(portal):
    body = get(f"http://{portal.expected['portals']['sample-xihu']['host']}/robots.txt")[2]
    assert b"Disallow: /private/" in body


def test_dataproxy_pages_records(portal):
    base = f"http://{portal.expected['portals']['sample-sanyuan']['host']}/module/jpage/dataproxy.jsp"
    body = get(base + "?startrecord=6&endrecord=10&perpage=5", data=b"columnid=1229&unitid=4821")[2]
    assert body.count(b"<record>") == 5 and b"<totalrecord>" in body


def test_calendar_trap_is_endless(portal):
    trap = portal.expected["portals"]["sample-huaian"]["trap_prefix"]
    assert f"date={20240101 + 500}".encode() in get(f"{trap}?date={20240101 + 499}")[2]


def test_transient_503_then_200():
    with start_sample_portal() as p:
        url = p.expected["portals"]["sample-sanyuan"]["flaky"][0]
        assert [get(url)[0], get(url)[0]] == [503, 200]


def test_slow_page_is_slow(portal):
    url = portal.expected["portals"]["sample-sanyuan"]["slow"][0]
    t = time.monotonic()
    get(url)
    assert time.monotonic() - t >= 0.9


def test_pdf_attachment_is_a_pdf(portal):
    url = portal.expected["portals"]["sample-huaian"]["attachments"][0]
    _, headers, body = get(url)
    assert headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")


def test_docx_attachment_is_a_zip_on_the_file_host(portal):
    url = portal.expected["portals"]["sample-xihu"]["attachments"][0]
    assert urlsplit(url).netloc == portal.expected["attachment_hosts"][0] and get(url)[2][:2] == b"PK"


def test_truth_of_generated_reports_present(portal):
    generated = [r for r in portal.expected["reports"] if r["source"] == "template"]
    assert generated and all(r["truth"] and r["year"] >= 2019 for r in generated)


def test_every_report_but_the_benchmark_extras_has_its_truth(portal):
    """No report is served from a copy of real data: each is generated and knows its figures."""
    assert {r["source"] for r in portal.expected["reports"] if not r["truth"]} <= {"extra"}


def test_stop_frees_ports():
    p = start_sample_portal()
    url = p.start_urls[0]
    p.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)


def test_module_entry_point_serves_until_terminated():
    proc = subprocess.Popen([sys.executable, "-m", "sampleportal", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        status = get(info["start_urls"][0])[0]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert (status, proc.returncode) == (200, 0)
