"""The crawler: portal registry, one generic Scrapy spider, and the raw WARC archive.

It fetches and archives; it never parses a report (that is transforms/). Entry points:
`python -m crawler.run` (one crawl per process), `crawler.registry.load_portals()`,
`crawler.archive.iter_records()` / `read_body()`. See crawler/README.md.
"""
