"""The fetch policy (where a report or attachment link may lead) and trap detection by link
structure: pure functions, tested on URLs."""
from __future__ import annotations

import socket

import pytest

from crawler.discover import trap_reason
from crawler.policy import address_refusal, link_refusal, registrable_domain
from crawler.registry import Portal


def portal(hosts=("hzxh.gov.cn",), link_hosts=()):
    return Portal(id="p", name="p", region="p", region_code=None, level="county",
                  start_urls=[f"http://www.{hosts[0]}/"], allowed_hosts=list(hosts),
                  link_hosts=list(link_hosts))


@pytest.mark.parametrize("url", [
    "http://www.hzxh.gov.cn/a.pdf",           # the portal's own
    "http://xxgk.hzxh.gov.cn/a.pdf",          # its subdomain
    "http://www.hangzhou.gov.cn/a.pdf",       # a government domain
])
def test_allowed_links(url):
    assert link_refusal(url, portal()) is None


def test_same_registrable_domain_allowed_for_a_portal_not_under_gov_cn():
    assert link_refusal("http://files.example.com.cn/a.pdf", portal(("www.example.com.cn",))) is None


def test_host_listed_by_the_registry_allowed():
    assert link_refusal("http://cdn.example.net/a.pdf", portal(link_hosts=["cdn.example.net"])) is None


@pytest.mark.parametrize("url,why", [
    ("http://169.254.169.254/latest/x.pdf", "169.254.169.254 is a link-local address the portal is not on"),
    ("http://10.1.2.3/x.pdf", "10.1.2.3 is a private address the portal is not on"),
    ("http://127.0.0.1:6379/x.pdf", "127.0.0.1 is a loopback address the portal is not on"),
    ("http://[::1]/x.pdf", "::1 is a loopback address the portal is not on"),
    ("http://100.100.100.200/x.pdf", "100.100.100.200 is a non-public address the portal is not on"),
    ("http://8.8.8.8/x.pdf", "8.8.8.8 is an IP address the portal is not on"),
])
def test_ip_literals_not_the_portals_are_refused(url, why):
    assert link_refusal(url, portal()) == why


def test_foreign_domain_refused_with_the_policy_named():
    assert link_refusal("http://evil.example.com/x.pdf", portal()).startswith(
        "evil.example.com is not the portal's domain, a government domain (.gov.cn)")


def test_ip_literal_of_the_portal_itself_allowed():
    assert link_refusal("http://127.0.0.1:8080/x.pdf", portal(("127.0.0.1:8080",))) is None


def test_other_port_of_the_portals_address_refused():
    assert link_refusal("http://127.0.0.1:9090/x.pdf", portal(("127.0.0.1:8080",))) is not None


def test_name_resolving_to_metadata_address_refused():
    assert address_refusal("x.gov.cn", "169.254.169.254", portal_private=False) == \
        "x.gov.cn resolves to 169.254.169.254, a link-local address the portal is not on"


def test_name_resolving_to_private_address_allowed_when_the_portal_lives_there():
    assert address_refusal("files.intranet.gov.cn", "10.0.0.5", portal_private=True) is None


def test_public_address_allowed():
    assert address_refusal("x.gov.cn", "61.1.2.3", portal_private=False) is None


def test_registrable_domain_from_the_bundled_list_without_network(monkeypatch):
    def no_network(*a, **k):
        raise AssertionError("the public suffix list must not be fetched")
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert [registrable_domain(h) for h in ("xxgk.hzxh.gov.cn", "a.b.example.com.cn", "u1.github.io",
                                            "127.0.0.1")] == \
        ["hzxh.gov.cn", "example.com.cn", "u1.github.io", None]


# ----------------------------------------------------------------------------- traps
def test_column_chain_without_reports_is_a_trap():
    assert trap_reason("http://x.gov.cn/lm/a/b/c/d/e/", barren=5, growth=0) == "barren-columns"


def test_real_nesting_hub_column_department_is_not_a_trap():
    assert trap_reason("http://x.gov.cn/col/list.jsp?catid=12", barren=4, growth=0) is None


def test_path_that_keeps_growing_is_a_trap():
    assert trap_reason("http://x.gov.cn/a/b/c/d/e/f/g/", barren=0, growth=7) == "growing-path"


def test_path_too_long_is_a_trap():
    assert trap_reason("http://x.gov.cn/" + "a/b/c/" * 5, barren=0, growth=0) == "long-path"


def test_path_repeating_a_segment_is_a_trap():
    assert trap_reason("http://x.gov.cn/x/cal/x/cal/x/", barren=0, growth=0) == "repeating-path"
