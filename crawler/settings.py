"""Scrapy settings for the report crawler: polite by default (robots.txt, AutoThrottle, one or two
requests at a time per host), bounded (size, depth, page budget), archived (every attempt)."""

BOT_NAME = "govreports"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = ("govreports/0.1 (archiver of 政府信息公开工作年度报告 annual reports; "
              "polite crawler, obeys robots.txt)")
ROBOTSTXT_OBEY = True

# Politeness: few parallel requests per host, adaptive delay.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CRAWL_OBEY_CRAWL_DELAY = True  # robots.txt Crawl-delay, capped:
CRAWL_DELAY_MAX = 30.0

# Safety limits: portals serve scanned PDFs of tens of MB, never hundreds. DOWNLOAD_TIMEOUT is
# a total deadline for one attempt (Scrapy cancels the download when it expires, however
# steadily the bytes drip in); GOVREPORTS_LIMITS=fetch_seconds=N overrides it.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
DEPTH_LIMIT = 0  # our own budget (CRAWL_MAX_PAGES, CRAWL_MAX_CHAIN) bounds traps instead
REDIRECT_MAX_TIMES = 5

# Retries with exponential backoff (Retry-After honoured) on 429/5xx, timeouts, resets.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 120.0

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.HostGuardMiddleware": 60,  # the fetch policy (crawler/policy.py)
    "crawler.middlewares.CrawlDelayMiddleware": 110,  # after robots.txt (100) is known
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # Between decompression (590) and retry (550): sees every attempt's final, decoded response.
    "crawler.middlewares.ArchiveMiddleware": 585,
    # Scrapy's own, except that what they give up on (a gzip bomb, a redirect loop) reaches
    # the archive with the reason instead of vanishing.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.RecordedDecompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.RecordedRedirectMiddleware": 600,
}

# Crawl budget per portal, and how many pagination hops one chain may take.
CRAWL_MAX_PAGES = 5000
CRAWL_MAX_CHAIN = 300
CRAWL_MAX_QUERY_VARIANTS = 200  # distinct query strings per path (calendar/search traps)
CRAWL_STALE_PAGES = 2  # stop a 下一页 chain after this many pages without a new report link
CRAWL_RECHECK_DAYS = 30  # known pages without ETag/Last-Modified are re-fetched after this

ARCHIVE_DIR = "data/archive"

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"

# The spider yields requests, never items; Scrapy starts CONCURRENT_ITEMS asyncio workers for
# every callback's output, so the default 100 costs ~100 tasks per page for nothing.
CONCURRENT_ITEMS = 4
