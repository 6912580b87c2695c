"""The one generic spider: from report columns or home pages to every annual report and attachment.

It only discovers links (crawler.discover, crawler.cms); every response is archived by
crawler.middlewares.ArchiveMiddleware before it reaches a callback. Nothing is parsed here.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Iterable, Optional, Union
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import FormRequest, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.url import safe_url_string

from crawler import cms, policy
from crawler.archive import ArchiveError, known_urls, read_body
from crawler.discover import (Anchor, Link, anchors, links_to_follow, decode_page, hub_links, is_page_link,
                              listing_in_disguise, looks_like_listing_url, may_link_attachment,
                              notice_links, script_redirect, trap_reason, wants_hub)
from crawler.middlewares import FetchCutOff, FetchRefused, OffsiteRedirect
from crawler.registry import Portal, load_portals, missing_years
from transforms.years import Years

LISTING_PRIORITY = 10
_HTML_TYPES = ("text/html", "application/xhtml", "text/xml", "application/xml", "text/plain")


def _as_list(value: Union[None, str, Iterable[str]]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


def _extends(parent: str, child: str) -> bool:
    """Whether the child path goes deeper under the parent's directory (/a/b/ -> /a/b/c/)."""
    base = parent.rsplit("/", 1)[0] + "/"
    return child.startswith(base) and child.count("/") > parent.count("/")


def _start_hosts(netloc: str) -> list[str]:
    """Hosts a bare start URL allows: its own, and for www.X (no port) X with its subdomains,
    where portals keep their disclosure platform (xxgk.X) and file servers."""
    netloc = netloc.lower()
    if netloc.startswith("www.") and ":" not in netloc and netloc.count(".") >= 3:
        return [netloc, netloc[4:]]
    return [netloc]


def _failure_line(failure) -> str:
    """A fetch that failed for good, in one line: its URL and why."""
    url = (failure.request.meta.get("redirect_urls") or [failure.request.url])[0]
    if failure.check(HttpError):
        return f"{url}: HTTP {failure.value.response.status}"
    reason = " ".join(failure.getErrorMessage().split()) or failure.type.__name__
    return f"{url}: {failure.type.__name__}: {reason}"[:300]


class ReportsSpider(scrapy.Spider):
    name = "reports"

    def __init__(self, portal=None, start_url=None, years=None, max_pages=None, registry=None,
                 *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.years = Years.of(years)  # None: every year
        self.max_pages_arg = int(max_pages) if max_pages else None
        self.targets = self._targets(_as_list(portal), _as_list(start_url), registry)
        self.budget: Counter = Counter()
        self.query_variants: Counter = Counter()
        self.seen_reports: set[str] = set()
        self.scheduled: set[str] = set()  # request keys already yielded (budget counts each once)
        self.offsite_hosts: set[str] = set()  # hosts off the portals the fetch policy allowed
        self.years_linked: dict[str, set[int]] = {}  # report years seen in link text, per portal
        self.start_answered: set[str] = set()  # portals whose start page (one at least) answered
        self.first_error: dict[str, str] = {}  # per portal: the first fetch that failed for good

    # ------------------------------------------------------------------ set-up
    @staticmethod
    def _targets(portal_ids: list[str], start_urls: list[str], registry) -> list[tuple[Portal, list[str]]]:
        portals = load_portals(registry)
        by_id = {p.id: p for p in portals}
        unknown = [i for i in portal_ids if i not in by_id]
        if unknown:
            raise ValueError(f"unknown portal id(s): {', '.join(unknown)}")
        targets = [(by_id[i], list(by_id[i].start_urls)) for i in portal_ids]
        for url in start_urls:
            owner = next((p for p in portals if p.allows(url)), None)
            if owner is None:
                host = urlsplit(url).netloc
                owner = Portal(id=host, name=host, region=host, region_code=None, level="department",
                               start_urls=[url], allowed_hosts=_start_hosts(host))
            targets.append((owner, [url]))
        if not portal_ids and not start_urls:
            targets = [(p, list(p.start_urls)) for p in portals]
        merged: dict[str, tuple[Portal, list[str]]] = {}
        for p, urls in targets:
            entry = merged.setdefault(p.id, (p, []))
            entry[1].extend(u for u in urls if u not in entry[1])
        return list(merged.values())

    @property
    def portals(self) -> list[Portal]:
        return [p for p, _ in self.targets]

    def year_report(self) -> dict:
        """Years linked per portal, and the registry's expected years no link mentioned."""
        found = {p.id: sorted(self.years_linked.get(p.id, ())) for p in self.portals}
        missing = {p.id: missing_years(p, found[p.id]) for p in self.portals if p.expected_years}
        return {"years_linked": found, "years_missing": {k: v for k, v in missing.items() if v}}

    def portal_report(self) -> dict:
        """Each portal's outcome: failed when none of its start pages answered (the portal
        is down, unreachable or refuses us), with the first fetch that failed for good."""
        stats = self.crawler.stats
        out = {}
        for p in self.portals:
            ok = p.id in self.start_answered
            error = self.first_error.get(p.id)
            out[p.id] = {"status": "ok" if ok else "failed",
                         "pages_fetched": stats.get_value(f"crawl/pages_fetched/{p.id}", 0),
                         "errors": stats.get_value(f"crawl/errors/portal/{p.id}", 0),
                         "error": error if error or ok else "no start page was fetched "
                                                            "(robots.txt or host policy)"}
        return out

    async def start(self):
        archive = self.settings.get("ARCHIVE_DIR")
        self.known = known_urls(archive) if archive else {}
        self.recheck = timedelta(days=self.settings.getfloat("CRAWL_RECHECK_DAYS", 30))
        self.max_pages = self.max_pages_arg or self.settings.getint("CRAWL_MAX_PAGES", 5000)
        self.max_chain = self.settings.getint("CRAWL_MAX_CHAIN", 300)
        self.max_variants = self.settings.getint("CRAWL_MAX_QUERY_VARIANTS", 200)
        self.stale_limit = self.settings.getint("CRAWL_STALE_PAGES", 2)
        self.eager = self.years is None
        for portal, urls in self.targets:
            for url in urls:
                self.budget[portal.id] += 1
                self._first_time(url)
                meta = {"portal_id": portal.id, "kind": "listing", "chain": 0, "stale": 0,
                        "start": True}
                yield Request(url, callback=self.parse_listing, errback=self.on_error, dont_filter=True,
                              headers=self._conditional(url, meta), meta=meta)

    # ------------------------------------------------------------------ host policy
    def portal_for_url(self, url: str) -> Optional[str]:
        for p in self.portals:
            if p.allows(url):
                return p.id
        return None

    def portal_of(self, request: Request) -> Optional[Portal]:
        portal_id = request.meta.get("portal_id")
        return next((p for p in self.portals if p.id == portal_id), None)

    def request_refusal(self, request: Request) -> Optional[str]:
        """Why a request may not be sent (the fetch policy, crawler/policy.py), or None.

        Listings stay on the portal's hosts. A report or attachment link may leave them under
        the policy (its domain, a government domain, a host the registry lists); then that
        host's robots.txt, which Scrapy asks for first, may be fetched too."""
        if any(p.allows(request.url) for p in self.portals):
            return None
        if self._adopt_start_redirect(request):
            return None
        parts = urlsplit(request.url)
        netloc = parts.netloc.lower()
        portal = self.portal_of(request)
        if request.meta.get("kind") in ("detail", "attachment") and portal is not None:
            refusal = policy.link_refusal(request.url, portal)
            if refusal is None:
                self.offsite_hosts.add(netloc)
            return refusal
        if parts.path == "/robots.txt" and netloc in self.offsite_hosts:
            return None
        return f"{netloc} is not one of the portal's hosts"

    def _adopt_start_redirect(self, request: Request) -> bool:
        """A start URL redirected to another host (a portal that moved to a new name): the
        host it lands on is the portal's from now on. Only a start request's own redirect
        chain counts; a link that redirects off the portal is still refused."""
        meta = request.meta
        if not (meta.get("start") and meta.get("redirect_urls")):
            return False
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        portal = self._portal(meta["portal_id"])
        portal.allowed_hosts.append(parts.netloc.lower())
        self.logger.warning("start URL %s redirects to %s: %s is crawled as part of %s",
                            meta["redirect_urls"][0], request.url, parts.netloc, portal.id)
        return True

    def _portal(self, portal_id: str) -> Portal:
        return next(p for p in self.portals if p.id == portal_id)

    # ------------------------------------------------------------------ callbacks
    def parse_listing(self, response: Response):
        if response.meta.get("start"):
            self.start_answered.add(response.meta["portal_id"])
        text = self._text(response)
        if text is None:
            return
        meta = response.meta
        portal = self._portal(meta["portal_id"])
        found = anchors(text, response.url) + cms.hanweb_records(text, response.url)
        links = links_to_follow(found)
        # Whether this page brings a report link not seen before: a column chain that never
        # does is a trap (see _trap).
        meta["new_reports"] = any(l.url not in self.seen_reports for l in links
                                  if l.kind in ("detail", "attachment"))
        yield from self._follow_reports(response, portal, links)
        if meta.get("chain", 0) == 0 or meta.get("hub"):
            yield from self._notice_columns(response, portal, found)
        if meta.get("hub"):
            # A disclosure hub: only its report columns, never its pagination or further hubs.
            for link in links:
                if link.kind == "listing" and portal.allows(link.url) and \
                        not is_page_link(Anchor(link.url, link.text)):
                    req = self._listing_request(response, portal, link.url, link.text)
                    if req is not None:
                        yield req
            return
        if meta.get("chain", 0) == 0 and not found:
            # A start page that only forwards by script (location.href=...): start there instead.
            target = script_redirect(text, response.url)
            if target and portal.allows(target):
                req = self._listing_request(response, portal, target, "", column=True, restart=True)
                if req is not None:
                    yield req
                return
        if meta.get("chain", 0) == 0 and wants_hub(links):
            # A start page with no report column and at most a few report links (news items):
            # try its disclosure hub.
            for hub in hub_links(found):
                if portal.allows(hub.url):
                    req = self._listing_request(response, portal, hub.url, hub.text, hub=True)
                    if req is not None:
                        yield req
        keep = self._keep_paging(response, links)
        for link in links:
            # dataproxy.jsp links are the Hanweb strategy's business (they need form fields)
            if link.kind == "listing" and portal.allows(link.url) and not cms.is_hanweb_proxy(link.url):
                paging = is_page_link(Anchor(link.url, link.text))
                if paging and not keep:
                    continue
                if link.year and self.years and link.year not in self.years:
                    continue  # a year sub-column outside --years
                # A report column (年报, 部门年度报告) is a new listing, not the next page of this
                # one: columns nest (hub > 年度报告 > 部门年报 > 某局年报) and the stale-page
                # limit is for 下一页 chains only.
                req = self._listing_request(response, portal, link.url, link.text, column=not paging)
                if req is not None:
                    yield req
        if not keep:
            return
        for page in self._cms_pages(text, response):
            req = self._listing_request(response, portal, page.url, "", page)
            if req is not None:
                yield req

    def parse_detail(self, response: Response):
        text = self._text(response)
        if text is None:
            return
        if looks_like_listing_url(response.url) and \
                listing_in_disguise(links_to_follow(anchors(text, response.url)), response.url):
            # "2021年政府信息公开年度报告" pointing at a column of every department's 2021 report
            self.crawler.stats.inc_value("crawl/detail_was_listing")
            response.meta["chain"] = max(1, response.meta.get("chain", 0))
            yield from self.parse_listing(response)
            return
        if not may_link_attachment(text):
            return
        portal = self._portal(response.meta["portal_id"])
        links = links_to_follow(anchors(text, response.url), on_detail=True)
        # The page passed the year filter already: all its attachments belong to it.
        yield from self._follow_reports(response, portal, links, filter_years=False)

    def parse_attachment(self, response: Response):
        return  # archived by the middleware; nothing to discover inside a PDF/DOC

    def on_error(self, failure):
        request = failure.request
        if failure.check(HttpError) and failure.value.response.status == 304:
            return  # counted by the archive as not modified
        if failure.check(FetchRefused, OffsiteRedirect):
            self.crawler.stats.inc_value("crawl/refused")
            return  # refused by the fetch policy: archived with the reason
        if failure.check(IgnoreRequest) and not failure.check(HttpError, FetchCutOff):
            self.crawler.stats.inc_value("crawl/ignored")
            return  # never sent: robots.txt or host policy
        self.crawler.stats.inc_value("crawl/errors")
        self.crawler.stats.inc_value(f"crawl/errors/{request.meta.get('kind', 'other')}")
        portal = request.meta.get("portal_id") or self.portal_for_url(request.url)
        if portal:
            self.crawler.stats.inc_value(f"crawl/errors/portal/{portal}")
            self.first_error.setdefault(portal, _failure_line(failure))

    # ------------------------------------------------------------------ internals
    def _text(self, response: Response) -> Optional[str]:
        body = response.body
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if response.status == 304:
            # Unchanged since the archived copy: discover links from that copy instead.
            known = self.known.get(response.meta.get("known_url", ""))
            if known is None or known.record_id is None:
                return None
            try:
                body = read_body(self.settings.get("ARCHIVE_DIR"), known.record_id) or b""
            except ArchiveError:
                return None
            ctype = (known.content_type or "").lower()
            self.crawler.stats.inc_value("crawl/rediscovered_from_archive")
        if ctype and not any(t in ctype for t in _HTML_TYPES):
            return None
        return decode_page(body, ctype)

    def _conditional(self, url: str, meta: dict) -> Optional[dict]:
        """If-None-Match / If-Modified-Since for a URL the archive holds with validators (and
        the meta that lets its 304 reach the callback), else None."""
        key = safe_url_string(url)  # the archive holds URLs as Scrapy requested them
        known = self.known.get(key)
        if known is None or not (known.etag or known.last_modified):
            return None
        headers = {}
        if known.etag:
            headers["If-None-Match"] = known.etag
        if known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        meta.update(known_url=key, handle_httpstatus_list=[304])
        self.crawler.stats.inc_value("crawl/conditional")
        return headers

    def _cms_pages(self, text: str, response: Response) -> list[cms.PageRequest]:
        url = response.url
        if cms.is_hanweb_proxy(url):
            return cms.hanweb_next(text, url, response.meta.get("formdata"), self.eager)
        return cms.trs_pages(text, url, self.eager) + cms.hanweb_requests(text, url, self.eager)

    def _keep_paging(self, response: Response, links: list[Link]) -> bool:
        """Whether this listing's further pages are worth fetching."""
        reports = [l for l in links if l.kind in ("detail", "attachment")]
        new = [l for l in reports if l.url not in self.seen_reports]
        self.seen_reports.update(l.url for l in reports)
        stale = 0 if new else response.meta.get("stale", 0) + 1
        response.meta["stale"] = stale
        if stale >= self.stale_limit:
            self.crawler.stats.inc_value("crawl/stopped_stale")
            return False
        if response.meta.get("chain", 0) >= self.max_chain:
            self.crawler.stats.inc_value("crawl/stopped_chain")
            return False
        years = [l.year for l in reports if l.year]
        if self.years and years and max(years) < min(self.years):
            self.crawler.stats.inc_value("crawl/stopped_oldest_year")
            return False
        return True

    def _spend(self, portal: Portal, url: str) -> bool:
        if self.budget[portal.id] >= self.max_pages:
            self.crawler.stats.inc_value("crawl/stopped_budget")
            return False
        self.budget[portal.id] += 1
        return True

    def _first_time(self, url: str, form: tuple = ()) -> bool:
        key = safe_url_string(url) + ("|" + repr(form) if form else "")
        if key in self.scheduled:
            return False
        self.scheduled.add(key)
        return True

    def _notice_columns(self, response: Response, portal: Portal, found: list[Anchor]):
        """A start page's or hub's announcement columns, where reports get reposted: listings
        already stale, so paging stops at the first page that brings no new report link."""
        for link in notice_links(found):
            if portal.allows(link.url):
                req = self._listing_request(response, portal, link.url, link.text,
                                            stale=self.stale_limit - 1)
                if req is not None:
                    yield req

    def _listing_request(self, response: Response, portal: Portal, url: str, text: str,
                         page: Optional[cms.PageRequest] = None, hub: bool = False,
                         column: bool = False, restart: bool = False,
                         stale: Optional[int] = None) -> Optional[Request]:
        # Paging (下一页, CMS pages) continues this listing; anything else is a new column.
        new_column = page is None and (column or hub or restart or stale is not None)
        shape = self._trap(response, url, new_column)
        if shape is None:
            return None
        if not self._first_time(url, page.formdata if page else ()):
            return None
        parts = urlsplit(url)
        if parts.query:
            key = (parts.netloc, parts.path)
            self.query_variants[key] += 1
            if self.query_variants[key] > self.max_variants:
                self.crawler.stats.inc_value("crawl/stopped_query_variants")
                return None
        if not self._spend(portal, url):
            return None
        meta = {"portal_id": portal.id, "kind": "listing", "anchor_text": text or None,
                "chain": response.meta.get("chain", 0) + (0 if restart else 1),
                "stale": stale if stale is not None else 0 if column else response.meta.get("stale", 0),
                "hub": hub, **shape}
        # Listings first: they reveal the rest of the frontier, and a 下一页 chain is sequential.
        if page is not None and page.method == "POST":
            meta["formdata"] = dict(page.formdata)
            return FormRequest(url, formdata=dict(page.formdata), callback=self.parse_listing,
                               errback=self.on_error, meta=meta, priority=LISTING_PRIORITY)
        headers = self._conditional(url, meta)
        return Request(url, callback=self.parse_listing, errback=self.on_error, meta=meta,
                       headers=headers, priority=LISTING_PRIORITY)

    def _trap(self, response: Response, url: str, new_column: bool) -> Optional[dict]:
        """The column-chain shape of a listing link ({"barren": n, "growth": n}), or None when
        the link structure says trap: a chain of columns that keeps bringing no new report,
        a path that keeps growing, a path too long or repeating itself."""
        meta = response.meta
        if not new_column:  # the next page of this listing: the same column
            shape = {"barren": meta.get("barren", 0), "growth": meta.get("growth", 0)}
        else:
            grows = _extends(urlsplit(response.url).path, urlsplit(url).path)
            shape = {"barren": 0 if meta.get("new_reports") else meta.get("barren", 0) + 1,
                     "growth": meta.get("growth", 0) + 1 if grows else 0}
        reason = trap_reason(url, shape["barren"], shape["growth"])
        if reason:
            self.crawler.stats.inc_value("crawl/stopped_trap")
            self.crawler.stats.inc_value(f"crawl/stopped_trap/{reason}")
            return None
        return shape

    def _follow_reports(self, response: Response, portal: Portal, links: list[Link],
                        filter_years: bool = True):
        for link in links:
            if link.kind not in ("detail", "attachment"):
                continue
            if link.year:
                self.years_linked.setdefault(portal.id, set()).add(link.year)
            if filter_years and self.years and link.year and link.year not in self.years:
                self.crawler.stats.inc_value("crawl/skipped_year")
                continue
            req = self._report_request(portal, link)
            if req is not None:
                yield req

    def _report_request(self, portal: Portal, link: Link) -> Optional[Request]:
        if not self._first_time(link.url):
            return None
        meta = {"portal_id": portal.id, "kind": link.kind, "anchor_text": link.text}
        headers = self._conditional(link.url, meta)
        known = self.known.get(safe_url_string(link.url))
        if headers is None and known is not None and not self._stale_known(known.fetched_at):
            # No validators from this server: the ledger says we have it and it is recent.
            self.crawler.stats.inc_value("crawl/skipped_known")
            return None
        if not self._spend(portal, link.url):
            return None
        callback = self.parse_detail if link.kind == "detail" else self.parse_attachment
        return Request(link.url, callback=callback, errback=self.on_error, headers=headers, meta=meta)

    def _stale_known(self, fetched_at: str) -> bool:
        try:
            when = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
        except ValueError:
            return True
        return datetime.now(timezone.utc) - when > self.recheck
