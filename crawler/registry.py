"""The portal registry: which government sites to crawl, where their report columns are."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union
from urllib.parse import urlsplit

import yaml

from transforms.hosts import host_allowed

DEFAULT_REGISTRY = Path(__file__).with_name("portals.yaml")
LEVELS = ("province", "city", "county", "department")


class RegistryError(ValueError):
    """The registry file is missing or malformed (message says which entry and why)."""


@dataclass
class Portal:
    id: str
    name: str
    region: str
    region_code: Optional[str]
    level: str
    start_urls: list[str]
    allowed_hosts: list[str]
    link_hosts: list[str] = field(default_factory=list)  # other hosts its report/file links may reach
    verified: bool = False
    government: bool = True  # False: a known mirror or copy site, never a government's copy
    expected_years: Optional[list[int]] = None
    notes: Optional[str] = None

    def allows(self, url: str) -> bool:
        return host_allowed(url, self.allowed_hosts)


def _years(value) -> Optional[list[int]]:
    if value is None:
        return None
    if isinstance(value, str) and "-" in value:
        a, b = value.split("-", 1)
        return list(range(int(a), int(b) + 1))
    return [int(y) for y in value]


def _portal(entry: dict, where: str) -> Portal:
    missing = [k for k in ("id", "name", "level", "start_urls") if not entry.get(k)]
    if missing:
        raise RegistryError(f"{where}: missing {', '.join(missing)}")
    if entry["level"] not in LEVELS:
        raise RegistryError(f"{where}: level must be one of {', '.join(LEVELS)}")
    starts = entry["start_urls"]
    starts = [starts] if isinstance(starts, str) else list(starts)
    hosts = entry.get("allowed_hosts") or sorted({urlsplit(u).netloc for u in starts})
    outside = [u for u in starts if not host_allowed(u, list(hosts))]
    if outside:
        raise RegistryError(f"{where}: start URL {outside[0]} is not on an allowed host")
    unknown = sorted(set(entry) - set(Portal.__dataclass_fields__))
    if unknown:  # a key nothing reads (a typo, or a hint no code follows) would mislead silently
        raise RegistryError(f"{where}: unknown key {', '.join(map(str, unknown))} "
                            "(see crawler/README.md for the registry's keys)")
    return Portal(
        id=str(entry["id"]), name=entry["name"], region=entry.get("region") or entry["name"],
        region_code=str(entry["region_code"]) if entry.get("region_code") else None,
        level=entry["level"], start_urls=starts, allowed_hosts=list(hosts),
        link_hosts=[str(h) for h in (entry.get("link_hosts") or [])],
        verified=bool(entry.get("verified", False)),
        government=entry.get("government", True) is not False,
        expected_years=_years(entry.get("expected_years")), notes=entry.get("notes"),
    )


def registry_path(path: Union[str, Path, None] = None) -> Path:
    """The registry to use: `path`, else $GOVREPORTS_REGISTRY, else crawler/portals.yaml."""
    return Path(path or os.environ.get("GOVREPORTS_REGISTRY") or DEFAULT_REGISTRY)


def load_portals(path: Union[str, Path, None] = None) -> list[Portal]:
    """Portals of a registry YAML (default: see registry_path)."""
    path = registry_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise RegistryError(f"cannot read registry {path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise RegistryError(f"registry {path} is not valid YAML: {e}") from None
    entries = data.get("portals") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise RegistryError(f"registry {path}: expected a list under 'portals'")
    portals = [_portal(e, f"{path.name} entry {i + 1}") for i, e in enumerate(entries)]
    ids = [p.id for p in portals]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RegistryError(f"registry {path}: duplicate ids {', '.join(dupes)}")
    return portals


def missing_years(portal: Portal, found_years) -> list[int]:
    """Years the registry expects for a portal that were not found: to report, not to hide."""
    if not portal.expected_years:
        return []
    found = {int(y) for y in found_years if y is not None}
    return [y for y in portal.expected_years if y not in found]


def get_portal(portal_id: str, path: Union[str, Path, None] = None) -> Portal:
    for p in load_portals(path):
        if p.id == portal_id:
            return p
    raise RegistryError(f"unknown portal id {portal_id!r}")
