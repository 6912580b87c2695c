"""Which crawler process crawls what: portals and start URLs cut into a few groups, and a
failed group cut back into single portals."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CrawlTarget:
    """What one crawler process gets: some registry portals, or some start URLs."""
    label: str
    portals: list[str] = field(default_factory=list)
    start_urls: list[str] = field(default_factory=list)


def plan_targets(portals: list[str], start_urls: list[str], processes: int) -> list[CrawlTarget]:
    """Split the work into at most `processes` crawler processes of similar size.

    One process per portal would pay Scrapy's start-up hundreds of times on a big registry;
    groups keep that cost fixed, and a group that fails is re-run one portal at a time
    (see split_target) so one bad portal cannot take the others down.
    """
    units = [CrawlTarget(p, portals=[p]) for p in portals]
    units += [CrawlTarget(u, start_urls=[u]) for u in start_urls]
    if not units:
        return []
    size = max(1, math.ceil(len(units) / max(1, processes)))
    targets = []
    for i in range(0, len(units), size):
        chunk = units[i:i + size]
        label = chunk[0].label if len(chunk) == 1 else f"{chunk[0].label} +{len(chunk) - 1}"
        targets.append(CrawlTarget(label, [p for c in chunk for p in c.portals],
                                   [u for c in chunk for u in c.start_urls]))
    return targets


def target_portal_ids(target: CrawlTarget, registry: str | Path | None = None) -> list[str]:
    """The portal ids the crawler gives a target: its registry ids, and for a start URL the
    registry portal that allows it or else its host (as crawler.spiders.reports does)."""
    from urllib.parse import urlsplit

    from crawler.registry import load_portals
    known = load_portals(registry) if target.start_urls else []
    ids = list(target.portals)
    for url in target.start_urls:
        owner = next((p.id for p in known if p.allows(url)), None)
        ids.append(owner or urlsplit(url).netloc or url)
    return ids


def split_target(target: CrawlTarget) -> list[CrawlTarget]:
    return ([CrawlTarget(p, portals=[p]) for p in target.portals]
            + [CrawlTarget(u, start_urls=[u]) for u in target.start_urls])
