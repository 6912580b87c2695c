"""The portal registry."""
from __future__ import annotations

import pytest

from crawler.registry import RegistryError, load_portals
from transforms.hosts import host_allowed


def test_shipped_registry_has_the_named_portals():
    names = {p.region for p in load_portals()}
    assert {"西湖区", "三元区", "浙江省", "富阳区", "拱墅区", "淮安市"} <= names


def test_shipped_portals_are_unverified():
    assert not any(p.verified for p in load_portals())


def test_every_portal_has_start_urls_inside_its_hosts():
    assert all(p.allows(u) for p in load_portals() for u in p.start_urls)


def test_expected_years_range_expanded():
    p = next(p for p in load_portals() if p.region == "淮安市")
    assert p.expected_years == list(range(2019, 2025))


def one_portal(tmp_path, level: str = "city", extra: str = ""):
    """A registry file of one portal x (start URL http://x.gov.cn/), with `extra` keys."""
    f = tmp_path / "r.yaml"
    f.write_text(f"portals:\n  - {{id: x, name: X, level: {level}, start_urls: [http://x.gov.cn/]"
                 f"{', ' + extra if extra else ''}}}\n", encoding="utf-8")
    return f


def test_bad_level_rejected(tmp_path):
    with pytest.raises(RegistryError, match="level"):
        load_portals(one_portal(tmp_path, level="planet"))


def test_missing_file_is_registry_error(tmp_path):
    with pytest.raises(RegistryError):
        load_portals(tmp_path / "none.yaml")


def test_host_with_port_must_match_port():
    assert not host_allowed("http://127.0.0.1:9000/a", ["127.0.0.1:9001"])


def test_host_without_port_admits_subdomain():
    assert host_allowed("https://xxgk.example.gov.cn/a", ["example.gov.cn"])


def test_lookalike_host_not_admitted():
    assert not host_allowed("https://badexample.gov.cn/a", ["example.gov.cn"])


def test_missing_years_reported():
    from crawler.registry import missing_years
    p = next(p for p in load_portals() if p.region == "淮安市")
    assert missing_years(p, [2019, 2020, 2022, 2023, 2024]) == [2021]


def test_registry_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVREPORTS_REGISTRY", str(one_portal(tmp_path)))
    assert [p.id for p in load_portals()] == ["x"]


def test_start_url_off_its_hosts_rejected(tmp_path):
    with pytest.raises(RegistryError, match="allowed host"):
        load_portals(one_portal(tmp_path, extra="allowed_hosts: [y.gov.cn]"))


def test_a_key_nothing_reads_is_refused(tmp_path):
    with pytest.raises(RegistryError, match="unknown key body_selector"):
        load_portals(one_portal(tmp_path, extra="body_selector: '#zoom'"))
