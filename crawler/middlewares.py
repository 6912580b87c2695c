"""Downloader middlewares: host guard (the fetch policy), retry with backoff, redirects and
decompression that report what they refuse, and the archive (every attempt, refusals too)."""
from __future__ import annotations

import asyncio
import logging
import sys
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from typing import Optional
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from w3lib.url import safe_url_string

from crawler import policy
from crawler.archive import ArchiveWriter

log = logging.getLogger(__name__)


def _pairs(headers) -> list[tuple[str, str]]:
    out = []
    for key, values in headers.items():
        for v in values:
            out.append((key.decode("latin-1"), v.decode("latin-1")))
    return out


class OffsiteRedirect(IgnoreRequest):
    """An allowed page redirected to a host the crawl may not touch: refused, but archived as
    a failed fetch so the pages table shows where the link went."""


class FetchRefused(IgnoreRequest):
    """A report or attachment link the fetch policy refuses (archived with the reason)."""


class FetchCutOff(IgnoreRequest):
    """An answer that was cut off or given up on: a body over the size limit once decompressed,
    an undecodable body, a redirect loop (archived with the reason)."""


class HostGuardMiddleware:
    """Refuses any request (redirects included) the fetch policy does not allow (see
    crawler/policy.py): by host first, then, for a link leaving the portal's hosts by name, by
    the address the name resolves to (resolved through Scrapy's own caching resolver)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.private_portals: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        refusal_of = getattr(spider, "request_refusal", None)
        refusal = refusal_of(request) if refusal_of is not None else None
        portal = spider.portal_of(request) if refusal is None and hasattr(spider, "portal_of") else None
        if portal is not None and policy.needs_address_check(request.url, portal):
            refusal = await self._address_refusal(request, portal)
        if refusal is None:
            return None
        self.crawler.stats.inc_value("crawl/offsite_blocked")
        if request.meta.get("redirect_urls"):
            status = (request.meta.get("redirect_reasons") or ["?"])[-1]
            raise OffsiteRedirect(f"redirect ({status}) to a host not allowed: {request.url} ({refusal})")
        if request.meta.get("kind") in ("detail", "attachment"):
            self.crawler.stats.inc_value("crawl/refused_by_policy")
            raise FetchRefused(f"refused by the fetch policy: {refusal}")
        raise IgnoreRequest(f"host not allowed: {urlsplit(request.url).netloc}")

    async def _address_refusal(self, request: Request, portal) -> Optional[str]:
        host = urlsplit(request.url).hostname or ""
        resolved = await self._resolve(host)
        if resolved is None:
            return None  # the download fails on its own, and is archived as such
        if portal.id not in self.private_portals:
            self.private_portals[portal.id] = await self._lives_privately(portal)
        return policy.address_refusal(host, resolved, self.private_portals[portal.id])

    async def _lives_privately(self, portal) -> bool:
        for url in portal.start_urls:
            host = urlsplit(url).hostname or ""
            ip = policy.ip_address(host)
            address = str(ip) if ip is not None else await self._resolve(host)
            if address and policy.address_kind(policy.ip_address(address)):
                return True
        return False

    async def _resolve(self, host: str) -> Optional[str]:
        from twisted.internet import reactor
        try:
            return await maybe_deferred_to_future(reactor.resolve(host))
        except Exception:  # DNS failure: not ours to judge
            return None


class RecordedRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, except that a loop or a chain longer than REDIRECT_MAX_TIMES is not
    dropped silently: the last answer goes on to the archive with the reason."""

    def process_response(self, request: Request, response: Response, spider=None):
        try:
            result = super().process_response(request, response)
        except IgnoreRequest:  # max redirections reached
            chain = [*request.meta.get("redirect_urls", []), request.url]
            request.meta["fetch_error"] = (f"cut off: more than {self.max_redirect_times} redirects: "
                                           + " -> ".join(chain))[:1000]
            return response
        if isinstance(result, Request):
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if safe_url_string(result.url) in {safe_url_string(u) for u in chain}:
                request.meta["fetch_error"] = ("cut off: redirect loop: "
                                               + " -> ".join([*chain, result.url]))[:1000]
                return response
        return result


class RecordedDecompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression (bounded by DOWNLOAD_MAXSIZE), except that a body over the limit
    once decompressed (a gzip bomb) or one that does not decompress goes on to the archive as
    a cut-off fetch instead of vanishing."""

    def process_response(self, request: Request, response: Response, spider=None):
        encoding = b",".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            limit = request.meta.get("download_maxsize", self._max_size)
            request.meta["fetch_error"] = (f"cut off: {encoding} body larger than {limit} bytes once "
                                           f"decompressed ({len(response.body)} bytes compressed; "
                                           "DOWNLOAD_MAXSIZE)")
        except Exception as exc:  # a corrupt compressed body
            request.meta["fetch_error"] = (f"cut off: {encoding} body does not decompress "
                                           f"({type(exc).__name__}: {exc})")[:500]
        return response


class CrawlDelayMiddleware:
    """Honours robots.txt Crawl-delay (Scrapy parses it but leaves it unused): a host's download
    slot never waits less than the delay its robots.txt asks for (capped by CRAWL_DELAY_MAX)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("CRAWL_OBEY_CRAWL_DELAY", True)
        self.cap = crawler.settings.getfloat("CRAWL_DELAY_MAX", 30.0)
        self.ua = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT")
        self.delays: dict[str, float] = {}
        crawler.signals.connect(self.parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def parsed(self, robotparser, request) -> None:
        try:
            delay = robotparser.crawl_delay(self.ua)
        except (AttributeError, NotImplementedError, ValueError):
            return
        if delay:
            netloc = urlsplit(request.url).netloc
            self.delays[netloc] = min(float(delay), self.cap)
            self.crawler.stats.set_value(f"crawl/crawl_delay/{netloc}", self.delays[netloc])

    def process_request(self, request: Request) -> None:
        delay = self.delays.get(urlsplit(request.url).netloc)
        if not delay or not self.enabled:
            return None
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None and slot.delay < delay:
            slot.delay = delay
        return None


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry policy, waiting base * 2**(n-1) seconds (or Retry-After) before retry n."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    async def process_response(self, request: Request, response: Response):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result, response.headers.get(b"Retry-After"))
        return result

    async def process_exception(self, request: Request, exception: Exception):
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result

    async def _wait(self, retry: Request, retry_after: Optional[bytes]) -> None:
        attempt = retry.meta.get("retry_times", 1)
        delay = self.base * (2 ** (attempt - 1))
        hinted = _retry_after_seconds(retry_after)
        if hinted is not None:
            delay = max(delay, hinted)
        delay = min(delay, self.cap)
        self.crawler.stats.inc_value("crawl/retry_wait_seconds", delay)
        if delay > 0:
            await asyncio.sleep(delay)


def _retry_after_seconds(value: Optional[bytes]) -> Optional[float]:
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class ArchiveMiddleware:
    """Writes every response and every failed attempt to the WARC archive before any parsing.

    Placed between decompression and retry, so each retried attempt is recorded, bodies are
    stored decoded, and a redirect chain is recorded as one fetch (url -> final_url).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.dir = crawler.settings.get("ARCHIVE_DIR")
        self.writer: Optional[ArchiveWriter] = None
        self.count = 0
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        crawler.signals.connect(self.dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def opened(self, spider) -> None:
        self.writer = ArchiveWriter(self.dir)
        self.crawler.stats.set_value("archive/warc_file", self.writer.rel)
        ids = ", ".join(p.id for p in getattr(spider, "portals", []))
        print(f"[crawl] start: {ids or 'no portal'} -> {self.dir}/{self.writer.rel}",
              file=sys.stderr, flush=True)

    def closed(self, spider) -> None:
        if self.writer is not None:
            self.writer.close()
        s = self.crawler.stats
        print(f"[crawl] done: {self.count} archived, {s.get_value('crawl/pages_fetched', 0)} pages, "
              f"{s.get_value('crawl/not_modified', 0)} not modified, "
              f"{s.get_value('crawl/skipped_known', 0)} known skipped, "
              f"{s.get_value('crawl/errors', 0)} errors", file=sys.stderr, flush=True)

    def _context(self, request: Request) -> dict:
        meta = request.meta
        kind = meta.get("kind")
        if kind is None:
            kind = "robots" if urlsplit(request.url).path == "/robots.txt" else "other"
        spider = self.crawler.spider
        portal = meta.get("portal_id")
        if portal is None and hasattr(spider, "portal_for_url"):
            portal = spider.portal_for_url(request.url)
        referer = request.headers.get(b"Referer")
        return dict(url=(meta.get("redirect_urls") or [request.url])[0], portal_id=portal,
                    kind=kind, referer=referer.decode("latin-1") if referer else None,
                    anchor_text=meta.get("anchor_text"))

    def process_response(self, request: Request, response: Response) -> Response:
        ctx = self._context(request)
        error = request.meta.get("fetch_error")
        if error:  # an answer the middlewares below gave up on: a failed fetch, with the reason
            self.writer.add_failure(error=error, status=response.status, final_url=response.url, **ctx)
            self.crawler.stats.inc_value("archive/failures")
            self.crawler.stats.inc_value("crawl/cut_off")
            self._progress()
            raise FetchCutOff(error)
        self.writer.add_response(final_url=response.url, status=response.status,
                                 headers=_pairs(response.headers), body=response.body,
                                 request_headers=_pairs(request.headers),
                                 request_method=request.method, request_body=request.body, **ctx)
        stats = self.crawler.stats
        stats.inc_value("archive/responses")
        stats.inc_value(f"archive/status/{response.status}")
        if ctx["kind"] != "robots" and response.status != 304:
            stats.inc_value("crawl/pages_fetched")
            if ctx["portal_id"]:
                stats.inc_value(f"crawl/pages_fetched/{ctx['portal_id']}")
        if response.status == 304:
            stats.inc_value("crawl/not_modified")
        self._progress()
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        ctx = self._context(request)
        if isinstance(exception, FetchCutOff):
            return None  # archived by process_response already
        if isinstance(exception, IgnoreRequest):  # never sent: robots.txt, the fetch policy
            error = str(exception) if isinstance(exception, (OffsiteRedirect, FetchRefused)) \
                else f"refused: {exception}"
        else:
            error = f"{type(exception).__name__}: {exception}".strip(": ")
        self.writer.add_failure(error=error, **ctx)
        self.crawler.stats.inc_value("archive/failures")
        self._progress()
        return None

    def dropped(self, request: Request, spider=None) -> None:
        """A redirect to a page already requested is dropped by Scrapy's duplicate filter:
        the attempt still gets its record."""
        if not request.meta.get("redirect_urls") or self.writer is None:
            return
        ctx = self._context(request)
        status = (request.meta.get("redirect_reasons") or [None])[-1]
        self.writer.add_failure(error=f"redirect to a page requested before: {request.url}",
                                status=status if isinstance(status, int) else None,
                                final_url=request.url, **ctx)
        self.crawler.stats.inc_value("archive/failures")

    def _progress(self) -> None:
        self.count += 1
        if self.count % 25 == 0:
            s = self.crawler.stats
            print(f"[crawl] {self.count} archived, {s.get_value('crawl/pages_fetched', 0)} pages, "
                  f"{s.get_value('archive/failures', 0)} network failures", file=sys.stderr, flush=True)
