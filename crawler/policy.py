"""The fetch policy: where a report or attachment link may lead once it leaves a portal's hosts,
and which addresses are never fetched. Rules as data in rules.yaml and transforms/rules/hosts.yaml (`government_suffixes`);
the portal's registry entry adds `link_hosts`. Pure functions except `address_refusal`'s
input, which the downloader middleware resolves asynchronously.
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Optional
from urllib.parse import urlsplit

import tldextract

from crawler.registry import Portal
from transforms.hosts import GOVERNMENT_SUFFIXES, host_allowed, under_government_domain

# The public suffix list as bundled with tldextract: never fetched (no URLs), never cached on
# disk; private suffixes (github.io ...) count, so two users' sites are two domains.
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True,
                                  include_psl_private_domains=True)


def registrable_domain(host: str) -> Optional[str]:
    """'xxgk.hzxh.gov.cn' -> 'hzxh.gov.cn'; None for IP addresses, single labels, bare suffixes."""
    if not host or ip_address(host) is not None:
        return None
    found = _SUFFIXES(host.lower().rstrip("."))
    return found.top_domain_under_public_suffix or None


def ip_address(host: str):
    try:
        return ipaddress.ip_address((host or "").strip("[]"))
    except ValueError:
        return None


def address_kind(ip) -> Optional[str]:
    """What kind of non-public address `ip` is ('link-local', 'private', ...), None if public."""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "link_local", "private", "multicast", "unspecified", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-public"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


@lru_cache(maxsize=1024)
def _portal_domains(hosts: tuple[str, ...]) -> frozenset:
    return frozenset(d for d in (registrable_domain(h.rsplit(":", 1)[0] if h.count(":") == 1 else h)
                                 for h in hosts) if d)


def link_refusal(url: str, portal: Portal) -> Optional[str]:
    """Why a report or attachment link may not be fetched for `portal`, or None when it may."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"not an http(s) URL: {url[:80]}"
    if portal.allows(url) or host_allowed(url, portal.link_hosts):
        return None
    host = parts.hostname.lower()
    ip = ip_address(host)
    if ip is not None:
        kind = address_kind(ip)
        what = f"a {kind} address" if kind else "an IP address"
        return f"{host} is {what} the portal is not on"
    domain = registrable_domain(host)
    if domain and domain in _portal_domains(tuple(portal.allowed_hosts)):
        return None  # the portal's own domain (xxgk.X, file.X next to www.X)
    if under_government_domain(host):
        return None
    return (f"{host} is not the portal's domain, a government domain "
            f"({', '.join('.' + s for s in GOVERNMENT_SUFFIXES)}) or a host its registry entry lists")


def needs_address_check(url: str, portal: Portal) -> bool:
    """A link allowed by name to a host other than the portal's: its address is checked too."""
    host = _host(url)
    return bool(host) and ip_address(host) is None and not portal.allows(url)


def address_refusal(host: str, resolved: str, portal_private: bool) -> Optional[str]:
    """Why a host that resolved to `resolved` may not be fetched, or None."""
    ip = ip_address(resolved)
    if ip is None or portal_private:
        return None
    kind = address_kind(ip)
    return f"{host} resolves to {resolved}, a {kind} address the portal is not on" if kind else None
