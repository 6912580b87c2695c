"""Host matching against a list of allowed hosts: the crawler's fetch rules and the grouping's
own-host test share it. An entry with a port pins that host:port; one without admits the host,
any port, and its subdomains."""
from __future__ import annotations

from typing import Iterable
from urllib.parse import urlsplit

from transforms.rules import load

GOVERNMENT_SUFFIXES = tuple(s.lower().strip(".") for s in load("hosts.yaml")["government_suffixes"])


def split_port(netloc: str) -> tuple[str, str]:
    """('host', 'host:port') from a netloc that may carry a port (and user info)."""
    netloc = (netloc or "").lower().strip().rstrip(".")
    host = netloc.rsplit("@", 1)[-1]
    if host.startswith("["):  # IPv6 literal
        return host.split("]")[0] + "]", host
    return host.split(":")[0], host


def host_matches(host: str, allowed: Iterable[str]) -> bool:
    """host (a netloc, port optional) is one of allowed, or a subdomain of one."""
    name, full = split_port(host)
    for a in allowed:
        a = (a or "").lower().strip().rstrip(".")
        if not a:
            continue
        if ":" in a and not a.startswith("["):
            if full == a:
                return True
        elif name == a or name.endswith("." + a):
            return True
    return False


def host_allowed(url: str, allowed: Iterable[str]) -> bool:
    """The URL's host matches one of allowed (see host_matches)."""
    return host_matches(urlsplit(url).netloc, allowed)


def under_government_domain(host: str) -> bool:
    """host (a netloc, port optional) is one of the government suffixes or below one."""
    name, _ = split_port(host)
    return any(name == s or name.endswith("." + s) for s in GOVERNMENT_SUFFIXES)
