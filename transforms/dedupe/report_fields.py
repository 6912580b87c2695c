"""A report's fields, chosen from its copies: which hosts are a portal's own or a government's,
the publisher, year, title... of the group (canonical copy first), and how many places it was
posted. Pure: the portal hosts come in as plain data, never from the crawler's registry.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from transforms.dedupe.groups import DedupeItem, ReportGroup, is_government_host
from transforms.hosts import host_matches

ITEM_FIELDS = ("publisher", "year")  # read from the dedupe item; the rest from the document


class HostRules:
    """Which hosts belong to a portal (canonical copies) and which are government hosts.
    `hosts_by_portal`: portal id -> the hosts its registry entry allows; `non_government`: ids
    of portals registered as not a government's (a known mirror): their hosts count for none."""

    def __init__(self, hosts_by_portal: Optional[Mapping[str, Sequence[str]]] = None,
                 non_government: Sequence[str] = ()):
        self.by_portal = {pid: list(hosts or ()) for pid, hosts in (hosts_by_portal or {}).items()}
        self.non_government = set(non_government)
        self.all_hosts = [h for pid, hosts in self.by_portal.items() if pid not in self.non_government
                          for h in hosts]

    def own(self, host, portal_id) -> bool:
        return bool(host) and host_matches(host, self.by_portal.get(portal_id, ()))

    def holder(self, host, portal_id) -> Optional[str]:
        """The portal a copy belongs to: the portal whose own host serves it (the fetching
        portal first, then the first id), else the portal whose crawl fetched it. One crawl
        fetches a page two portals link to once, for whichever asked first; this does not
        depend on which did."""
        if not host or self.own(host, portal_id):
            return portal_id
        owners = sorted(pid for pid, hosts in self.by_portal.items() if host_matches(host, hosts))
        return owners[0] if owners else portal_id

    def government(self, host, portal_id) -> bool:
        own = self.own(host, portal_id) and portal_id not in self.non_government
        return own or is_government_host(host or "", self.all_hosts)


@dataclass
class ReportDoc:
    """A report document as dedupe and the reports table need it: no text."""
    item: DedupeItem
    portal_id: Optional[str]
    region: Optional[str]
    region_code: Optional[str]
    format: Optional[str]
    title: Optional[str]
    published_date: Optional[str]


def first_value(docs: Sequence[ReportDoc], members: Sequence[int], attr: str):
    """The canonical copy's value, else the next copy's that has one."""
    for i in members:
        v = getattr(docs[i].item, attr, None) if attr in ITEM_FIELDS else getattr(docs[i], attr)
        if v not in (None, ""):
            return v
    return None


def report_title(docs: Sequence[ReportDoc], members: Sequence[int],
                 publisher: Optional[str]) -> Optional[str]:
    """The first title (canonical copy first) that names the publisher, else the canonical
    copy's: a page and its attached file are fetched in either order, and the file's own heading
    often leaves the publisher out, so the canonical copy alone would make the title vary."""
    clean = [i for i in members if not docs[i].item.spam_wrapped] or members
    if publisher:
        for i in clean:
            if publisher in (docs[i].title or ""):
                return docs[i].title
    return first_value(docs, members, "title")


def postings(docs: Sequence[ReportDoc], members: Sequence[int]) -> int:
    """Places a report was published: distinct URLs, not counting a file reached from another
    copy's page (a page and its attachment are one posting)."""
    urls = {docs[i].item.url for i in members}
    own = {docs[i].item.url for i in members if (docs[i].item.referer or "") not in urls - {docs[i].item.url}}
    return max(1, len(own))


def report_row(docs: Sequence[ReportDoc], g: ReportGroup) -> dict:
    """One row of the reports table: the group's fields, chosen from its copies."""
    c = docs[g.canonical]
    publisher = first_value(docs, g.members, "publisher")
    row = {"report_id": g.report_id, "publisher": publisher}
    for attr in ("region", "region_code", "year", "format"):
        row[attr] = first_value(docs, g.members, attr)
    row.update(title=report_title(docs, g.members, publisher),
               published_date=first_value(docs, g.members, "published_date"),
               canonical_url=c.item.url, canonical_doc_id=c.item.doc_id,
               copies=postings(docs, g.members), government_host=g.government_host,
               portal_id=c.portal_id)
    return row


def assignment_rows(docs: Sequence[ReportDoc], g: ReportGroup) -> list[dict]:
    """Which documents the group holds, and which is its canonical copy."""
    return [{"doc_id": docs[i].item.doc_id, "report_id": g.report_id, "is_canonical": i == g.canonical}
            for i in g.members]
