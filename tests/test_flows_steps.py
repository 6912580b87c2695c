"""Plain functions under the flows: option checks, crawl planning, the crawl child process,
the archive lock. No Prefect, no network."""
import sys
import textwrap

import pytest

from flows.crawl import CrawlFailed, run_crawl
from flows.cli.options import UsageError, check_url, check_years
from flows.crawl_plan import CrawlTarget, plan_targets, split_target, target_portal_ids
from flows.locks import HarvestBusy, archive_lock
from flows.outcome import run_status
from transforms.years import Years


# ---------------------------------------------------------------- years and URLs
def test_year_range_parses():
    assert check_years("2019-2021") == Years(frozenset({2019, 2020, 2021}))


def test_single_year_is_a_range_of_one():
    assert check_years("2020") == Years.parse("2020-2020")


@pytest.mark.parametrize("bad", ["2020-2010", "20x0-2021", "2019-2020-2021", "1890-2000", ""])
def test_bad_year_ranges_are_refused(bad):
    with pytest.raises(UsageError):
        check_years(bad)


def test_reversed_range_message_names_both_years():
    with pytest.raises(UsageError, match="2020 is after 2010"):
        check_years("2020-2010")


@pytest.mark.parametrize("bad", ["ftp://example.org/", "www.example.org/x", "http://"])
def test_bad_start_urls_are_refused(bad):
    with pytest.raises(UsageError):
        check_url(bad)


def test_good_start_url_is_kept():
    assert check_url(" http://127.0.0.1:8000/col/ ") == "http://127.0.0.1:8000/col/"


# ---------------------------------------------------------------- planning crawls
def test_plan_never_exceeds_the_process_count():
    targets = plan_targets([f"p{i}" for i in range(9)], ["http://a.example/"], processes=3)
    assert len(targets) == 3


def test_plan_keeps_every_portal_and_url_once():
    targets = plan_targets(["a", "b", "c"], ["http://u.example/"], processes=2)
    assert (sorted(p for t in targets for p in t.portals), [u for t in targets for u in t.start_urls]
            ) == (["a", "b", "c"], ["http://u.example/"])


def test_plan_of_nothing_is_empty():
    assert plan_targets([], [], processes=4) == []


def test_failed_group_splits_into_single_portals():
    parts = split_target(CrawlTarget("a +1", portals=["a", "b"], start_urls=["http://u.example/"]))
    assert [(t.portals, t.start_urls) for t in parts] == [
        (["a"], []), (["b"], []), ([], ["http://u.example/"])]


# ---------------------------------------------------------------- the crawl child process
def _script(tmp_path, body: str) -> list[str]:
    path = tmp_path / "fake_crawl.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return [sys.executable, str(path)]


def test_crawl_summary_is_the_last_json_line(tmp_path):
    argv = _script(tmp_path, """
        import sys
        print("progress 1", file=sys.stderr)
        print("some noise")
        print('{"pages_fetched": 7, "errors": 1}')
    """)
    assert run_crawl(argv) == {"pages_fetched": 7, "errors": 1}


_CHATTY = """
    import sys
    print("[crawl] 25 archived", file=sys.stderr)
    print("2026-01-01 [scrapy.core.scraper] ERROR: Error downloading <GET http://h/>", file=sys.stderr)
    print("Traceback (most recent call last):", file=sys.stderr)
    print('{"pages_fetched": 0, "errors": 0}')
"""


def test_crawl_progress_lines_reach_the_callback_without_scrapy_log(tmp_path):
    seen = []
    run_crawl(_script(tmp_path, _CHATTY), on_progress=seen.append)
    assert seen == ["[crawl] 25 archived"]


def test_verbose_crawl_passes_every_line(tmp_path):
    seen = []
    run_crawl(_script(tmp_path, _CHATTY), on_progress=seen.append, verbose=True)
    assert len(seen) == 3


def test_crawl_nonzero_exit_raises_with_last_stderr_line(tmp_path):
    argv = _script(tmp_path, """
        import sys
        print("crawl: unknown portal id", file=sys.stderr)
        sys.exit(2)
    """)
    with pytest.raises(CrawlFailed, match="unknown portal id"):
        run_crawl(argv)


def test_crawl_without_summary_is_a_failure(tmp_path):
    argv = _script(tmp_path, "print('not json')\n")
    with pytest.raises(CrawlFailed):
        run_crawl(argv)


def test_crawl_timeout_kills_the_child(tmp_path):
    argv = _script(tmp_path, "import time; time.sleep(30)\n")
    with pytest.raises(CrawlFailed, match="timed out"):
        run_crawl(argv, timeout=1)


# ---------------------------------------------------------------- a run's status
@pytest.mark.parametrize("portals, status", [
    (["ok", "ok"], "ok"), (["ok", "failed"], "partial"), (["failed", "failed"], "failed"),
    ([], "ok")])
def test_run_status_from_portal_outcomes(portals, status):
    assert run_status(portals) == status


def test_start_url_target_gets_the_crawlers_portal_id():
    target = CrawlTarget("u", start_urls=["http://127.0.0.1:9/col/index.html"])
    assert target_portal_ids(target) == ["127.0.0.1:9"]


# ---------------------------------------------------------------- one run per archive
def test_second_run_on_same_archive_is_refused(tmp_path):
    with archive_lock(tmp_path / "archive"):
        with pytest.raises(HarvestBusy, match="another run"):
            with archive_lock(tmp_path / "archive"):
                pass


def test_archive_lock_is_released_after_the_run(tmp_path):
    with archive_lock(tmp_path / "archive"):
        pass
    with archive_lock(tmp_path / "archive"):
        assert (tmp_path / "archive" / ".run.lock").exists()


def test_a_run_about_to_start_is_told_who_holds_the_archive(tmp_path):
    import os

    from flows.locks import ensure_idle
    with archive_lock(tmp_path / "archive"):
        with pytest.raises(HarvestBusy, match=f"pid {os.getpid()}"):
            ensure_idle(tmp_path / "w.duckdb", tmp_path / "archive")
    ensure_idle(tmp_path / "w.duckdb", tmp_path / "archive")  # released: nothing to refuse


# ---------------------------------------------------------------- Prefect's home
def test_prefect_home_in_use_falls_back_to_a_private_dir(tmp_path):
    from flows import prefect_env
    kept = prefect_env._lock_handle  # the session's own claim, if any, must survive this test
    try:
        first = prefect_env._claim_home(tmp_path / "home")
        second = prefect_env._claim_home(tmp_path / "home")
        assert (first, second != first) == (str(tmp_path / "home"), True)
    finally:
        if prefect_env._lock_handle is not kept:
            prefect_env._lock_handle.close()
        prefect_env._lock_handle = kept
