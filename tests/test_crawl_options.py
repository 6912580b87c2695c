"""crawler.run options and failure handling, against the real sample portal."""
from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from crawler.archive import iter_records
from crawler.run import crawl_argv
from sampleportal.server import start_sample_portal

REPO = __import__("pathlib").Path(__file__).resolve().parent.parent


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=REPO)


@pytest.fixture(scope="module")
def portal():
    with start_sample_portal() as p:
        yield p


@pytest.fixture(scope="module")
def years_run(portal, tmp_path_factory):
    archive = tmp_path_factory.mktemp("years")
    out = run(crawl_argv(archive, portals=["sample-gongshu", "sample-xihu"], years="2022-2023", fast=True,
                         registry=portal.registry_path))
    assert out.returncode == 0, out.stderr[-2000:]
    return list(iter_records(archive))


def reports_by_year(portal, pid):
    return {r["url"]: r["year"] for r in portal.expected["reports"] if r["portal_id"] == pid}


@pytest.mark.parametrize("pid", ["sample-gongshu", "sample-xihu"])
def test_years_fetches_the_asked_years(portal, years_run, pid):
    wanted = {u for u, y in reports_by_year(portal, pid).items() if y in (2022, 2023)}
    assert wanted <= {r.url for r in years_run if r.status == 200}


@pytest.mark.parametrize("pid", ["sample-gongshu", "sample-xihu"])
def test_years_skips_other_years(portal, years_run, pid):
    other = {u for u, y in reports_by_year(portal, pid).items() if y < 2021}
    assert other & {r.url for r in years_run} == set()


def test_years_stops_listing_after_oldest_year(portal, years_run):
    # TRS listing: pages are walked one by one when years are given, and the walk ends once
    # a page holds only reports older than 2022 (index_3 holds none of interest).
    pages = {r.url.rsplit("/", 1)[1] for r in years_run if r.kind == "listing" and r.portal_id == "sample-xihu"}
    assert "index_3.html" not in pages


def test_max_pages_budget(portal, tmp_path):
    out = run(crawl_argv(tmp_path, portals=["sample-gongshu"], fast=True, max_pages=4,
                         registry=portal.registry_path))
    fetched = [r for r in iter_records(tmp_path) if r.kind != "robots"]
    assert (out.returncode, len(fetched) <= 4) == (0, True)


def test_start_url_alone_uses_the_registry_portal(portal, tmp_path):
    url = portal.expected["portals"]["sample-huaian"]["start_urls"][0]
    out = run(crawl_argv(tmp_path, start_urls=[url], fast=True, registry=portal.registry_path))
    assert json.loads(out.stdout.splitlines()[-1])["portals"] == ["sample-huaian"]


def test_unreachable_host_recorded_and_exit_zero(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: connection refused
    out = run(crawl_argv(tmp_path, start_urls=[f"http://127.0.0.1:{port}/col/index.html"], fast=True))
    errors = [r.error for r in iter_records(tmp_path) if r.status is None]
    assert out.returncode == 0 and errors and all("Connection" in e or "refused" in e.lower() for e in errors)


def test_bad_years_is_a_one_line_error(tmp_path):
    out = run(crawl_argv(tmp_path, start_urls=["http://127.0.0.1:9/"], years="2021-2019"))
    assert (out.returncode, out.stderr.count("\n"), "Traceback" in out.stderr) == (2, 1, False)


def test_unknown_portal_is_a_one_line_error(tmp_path):
    out = run(crawl_argv(tmp_path, portals=["no-such-portal"]))
    assert out.returncode == 2 and "no-such-portal" in out.stderr


def test_crawl_argv_uses_this_interpreter(tmp_path):
    argv = crawl_argv(tmp_path, portals=["a"], years="2019-2020", fast=True, max_pages=9)
    assert argv[:3] == [sys.executable, "-m", "crawler.run"] and "--fast" in argv


def test_scrapy_list_from_repo_root():
    out = subprocess.run([str(__import__("pathlib").Path(sys.executable).parent / "scrapy"), "list"],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.stdout.split() == ["reports"]


def test_unwritable_archive_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    out = run(crawl_argv(blocker / "archive", start_urls=["http://127.0.0.1:9/"]))
    assert out.returncode == 2 and "archive" in out.stderr and "Traceback" not in out.stderr


def test_timeouts_retried_then_recorded(portal, tmp_path):
    slow = portal.expected["portals"]["sample-sanyuan"]["slow"][0]
    argv = crawl_argv(tmp_path, portals=["sample-sanyuan"], fast=True, registry=portal.registry_path)
    out = run(argv + ["--timeout", "0.3"])
    attempts = [r for r in iter_records(tmp_path) if r.url == slow]
    assert out.returncode == 0 and len(attempts) == 4 and all("Timeout" in (r.error or "") for r in attempts)


def test_home_page_reaches_column_through_disclosure_hub(portal, tmp_path):
    home = f"http://{portal.expected['portals']['sample-xihu']['host']}/"
    out = run(crawl_argv(tmp_path, start_urls=[home], fast=True, registry=portal.registry_path))
    fetched = {r.url for r in iter_records(tmp_path) if r.status == 200}
    assert out.returncode == 0 and set(portal.expected["portals"]["sample-xihu"]["reports"]) <= fetched
