"""The report site, built by `govreports demo` from the real demo warehouse and opened in a real
headless Chromium (Debian's, driven by Playwright): nothing loaded but file://, no console
error, a picture that is not blank, the coverage matrix, and one known report's exact figures
(the sample portal's own truth for that report)."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import duckdb
import pytest
from lxml import html as lxml_html

from conftest import CLI
from tests.browser.chromium import CHROMIUM, browser

KNOWN = ("杭州市西湖区人民政府", 2021)   # a 2021-template report of the sample portal


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(Path(tempfile.gettempdir()) / "govreports-test-prefect-cli")
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("site-demo")
    db = base / "warehouse.duckdb"
    proc = subprocess.run([str(CLI), "demo", "--db", str(db)], capture_output=True, timeout=300,
                          env=_env(), cwd=base)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    return {"out": proc.stdout.decode(), "db": db, "site": base / "site", "archive": base / "archive"}


def _query(db: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(db) + ".snapshot", read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _report_id(db: Path, publisher: str, year: int) -> str:
    return _query(db, "SELECT report_id FROM reports WHERE publisher = ? AND year = ?", (publisher, year))[0][0]


def _truth(publisher: str, year: int) -> set[tuple]:
    """The figures the sample portal printed in that report: {(key, dimension, value)}."""
    from sampleportal.site import HOST_KEYS, build
    _sites, truth = build({k: f"127.0.0.1:{9000 + i}" for i, k in enumerate(HOST_KEYS)})
    report = next(r for r in truth.reports if r["publisher"] == publisher and r["year"] == year
                  and r["truth"])
    out = set()
    for key, value in report["truth"].items():
        for dim, v in (value.items() if isinstance(value, dict) else [(None, value)]):
            out.add((key, dim or "", str(int(v)) if float(v).is_integer() else str(v)))
    return out


@pytest.fixture(scope="module")
def session(demo):
    """Every main page and the known report's page, opened once in Chromium."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    site = demo["site"]
    known = _report_id(demo["db"], *KNOWN)
    pages = {"index": site / "index.html", "trends": site / "trends.html",
             "dictionary": site / "dictionary.html", "report": site / "reports" / f"{known}.html"}
    seen = {}
    with browser() as (context, rec):
        page = context.new_page()
        for name, path in pages.items():
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            seen[name] = {"png": page.screenshot(full_page=False)}
            if name == "index":
                seen[name]["rows"] = page.eval_on_selector_all(
                    "table.matrix tr[data-publisher]", "rows => rows.map(r => [r.dataset.publisher, "
                    "[...r.querySelectorAll('td[data-state]')].map(c => [c.dataset.year, c.dataset.state])])")
            if name == "report":
                seen[name]["figures"] = page.eval_on_selector_all(
                    "#figures tr[data-key]", "rows => rows.map(r => [r.dataset.key, r.dataset.dimension, "
                    "r.querySelector('td.value').textContent.trim()])")
            if name == "trends":
                seen[name]["cjk_font"] = page.evaluate(
                    "document.fonts.check(\"12px 'Noto Sans CJK SC'\", '申请')")
                seen[name]["svg_font"] = page.eval_on_selector(
                    ".chart svg text", "t => getComputedStyle(t).fontFamily")
        return {"pages": seen, "requests": list(rec.requests), "errors": rec.errors(),
                "outside": rec.outside_file()}


def test_demo_ends_by_printing_where_to_open_the_site(demo):
    where = re.search(r"^open (file://\S+)$", demo["out"], re.M)
    assert where and where.group(1) == (demo["site"] / "index.html").resolve().as_uri()


def test_site_pages_log_no_console_error(session):
    assert session["errors"] == []


def test_site_requests_nothing_outside_file_urls(session):
    assert session["requests"] and session["outside"] == []


def test_coverage_screenshot_is_not_blank(session):
    from PIL import Image
    img = Image.open(io.BytesIO(session["pages"]["index"]["png"])).convert("RGB").resize((320, 225))
    colours = img.getcolors(maxcolors=1 << 16) or []
    busy = sum(n for n, c in colours if sum(c) < 600)  # pixels clearly darker than the background
    assert len(colours) > 20 and busy > 0.02 * 320 * 225


def test_coverage_matrix_shows_every_report_in_its_cell(demo, session):
    cells = {(pub, int(y)): state for pub, row in session["pages"]["index"]["rows"] for y, state in row}
    reports = _query(demo["db"], "SELECT publisher, year FROM reports")
    assert all(cells.get((pub, year)) in ("found", "flagged", "nongov") for pub, year in reports)


def test_coverage_matrix_marks_years_the_registry_expects_but_nobody_found(demo, session):
    cells = {(pub, int(y)): state for pub, row in session["pages"]["index"]["rows"] for y, state in row}
    missing = {(pub, y) for (pub, y), state in cells.items() if state == "missing"}
    expected = _query(demo["db"], "SELECT name, unnest(expected_years) FROM portals WHERE region_code IS NULL")
    assert missing == set(expected)


def test_report_page_holds_the_exact_figures_of_the_known_report(session):
    figures = {tuple(f) for f in session["pages"]["report"]["figures"]}
    assert figures == _truth(*KNOWN)


def test_chart_text_is_set_in_an_installed_cjk_font(session):
    trends = session["pages"]["trends"]
    assert trends["cjk_font"] and "Noto Sans CJK SC" in trends["svg_font"]


# ---------------------------------------------------------------- the pages' content (no browser)
def _page(path: Path):
    return lxml_html.fromstring(path.read_bytes())


def test_failed_checks_are_highlighted_on_their_report_page(demo):
    failed = _query(demo["db"], 'SELECT report_id, "check" FROM checks WHERE report_id IS NOT NULL AND NOT ok')
    shown = set()
    for rid in {r for r, _ in failed}:
        doc = _page(demo["site"] / "reports" / f"{rid}.html")
        shown |= {(rid, tr.get("data-check")) for tr in doc.cssselect("#checks tr.fail")}
    assert failed and shown == set(failed)


def test_report_page_links_its_source_and_archived_copy(demo):
    rid, url, record = _query(demo["db"], "SELECT r.report_id, r.canonical_url, p.record_id FROM reports r "
                              "JOIN pages p ON p.doc_id = r.canonical_doc_id AND p.status = 200 "
                              "WHERE r.publisher = ? AND r.year = ? LIMIT 1", KNOWN)[0]
    doc = _page(demo["site"] / "reports" / f"{rid}.html")
    from crawler.archive import read_body
    archived = (demo["site"] / "reports" / doc.get_element_by_id("archived-copy").get("href")).resolve()
    assert (doc.get_element_by_id("source-url").get("href"), archived.read_bytes().endswith(
        read_body(demo["archive"], record))) == (url, True)


def test_archived_html_copy_may_load_nothing(demo):
    copies = sorted((demo["site"] / "archive").glob("*.html"))
    assert copies and all(b"default-src 'none'" in p.read_bytes()[:400] for p in copies)


def test_dictionary_page_lists_every_metric_key(demo):
    keys = {k for (k,) in _query(demo["db"], "SELECT key FROM metric_keys")}
    doc = _page(demo["site"] / "dictionary.html")
    assert {tr.get("id")[4:] for tr in doc.cssselect("#metric-keys tr[id]")} == keys


# ---------------------------------------------------------------- withheld values
def _with_withheld(demo, tmp_path) -> tuple[Path, str]:
    """A copy of the demo snapshot with one withheld figure on a known report's canonical copy."""
    db = tmp_path / "withheld.duckdb"
    shutil.copyfile(str(demo["db"]) + ".snapshot", db)
    rid, doc_id = _query(demo["db"], "SELECT report_id, canonical_doc_id FROM reports "
                         "WHERE publisher = ? AND year = ?", KNOWN)[0]
    candidates = json.dumps([{"value": 1203, "unit": "件", "evidence": "全年共受理申请12 03件"},
                             {"value": 12, "unit": "件", "evidence": "全年共受理申请12 03件"}],
                            ensure_ascii=False)
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO withheld (doc_id, report_id, key, dimension, reason, candidate_values, "
                "candidates) VALUES (?, ?, 'applications_new', 'total', "
                "'run-together digits with two valid splits', [1203, 12], ?)", [doc_id, rid, candidates])
    con.close()
    return db, rid


def test_withheld_values_are_shown_with_reason_and_candidates(demo, tmp_path):
    from warehouse.site import build_site
    db, rid = _with_withheld(demo, tmp_path)
    build_site(db, tmp_path / "site")
    row = _page(tmp_path / "site" / "reports" / f"{rid}.html").cssselect("#withheld tr.withheld")
    assert [(r.get("data-key"), r.cssselect(".reason")[0].text_content(),
             [c.text_content() for c in r.cssselect(".candidate")]) for r in row] == [
        ("applications_new", "run-together digits with two valid splits",
         ["1203 件：全年共受理申请12 03件", "12 件：全年共受理申请12 03件"])]


def test_withheld_values_flag_their_cell_in_the_coverage_matrix(demo, tmp_path):
    from warehouse.site import build_site
    db, _rid = _with_withheld(demo, tmp_path)
    build_site(db, tmp_path / "site")
    cell = _page(tmp_path / "site" / "index.html").cssselect(
        f"tr[data-publisher='{KNOWN[0]}'] td[data-year='{KNOWN[1]}']")[0]
    assert cell.get("data-state") == "flagged"


def test_report_refuses_a_folder_that_is_not_a_site(demo, tmp_path, cli):
    (tmp_path / "notes.txt").write_text("mine")
    proc = cli("report", "--db", demo["db"], "--out", tmp_path)
    assert (proc.returncode, proc.stderr.decode().count("\n"), (tmp_path / "notes.txt").exists()) == (2, 1, True)


# ---------------------------------------------------------------- the metric_series crosswalk
def _series(db: Path, rid: str, series: str):
    rows = _query(db, "SELECT value FROM metric_series WHERE report_id = ? AND series = ?", (rid, series))
    return rows[0][0] if rows else None


def _figure(db: Path, rid: str, key: str):
    return _query(db, "SELECT value FROM metrics WHERE report_id = ? AND key = ? "
                      "AND (dimension IS NULL OR dimension = 'total')", (rid, key))[0][0]


def test_series_reads_the_pre2019_key_before_the_template_change(demo):
    rid = _query(demo["db"], "SELECT report_id FROM metrics JOIN reports USING (report_id) "
                             "WHERE format = 'pre2019' AND key = 'applications_received' LIMIT 1")[0][0]
    assert _series(demo["db"], rid, "applications") == _figure(demo["db"], rid, "applications_received")


def test_series_reads_the_2019_key_after_the_template_change(demo):
    rid = _report_id(demo["db"], *KNOWN)
    assert _series(demo["db"], rid, "applications") == _figure(demo["db"], rid, "applications_new")


def test_series_printed_in_parts_is_their_sum(demo):
    rid = _report_id(demo["db"], *KNOWN)
    parts = [k for (k,) in _query(demo["db"], "SELECT key FROM metric_crosswalk WHERE series = "
                                             "'not_disclosed' AND format = '2021'")]
    assert _series(demo["db"], rid, "not_disclosed") == sum(_figure(demo["db"], rid, k) for k in parts)


def test_series_with_a_part_missing_has_no_value(demo, tmp_path):
    db = tmp_path / "part-missing.duckdb"
    shutil.copyfile(str(demo["db"]) + ".snapshot", db)
    rid = _report_id(demo["db"], *KNOWN)
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM metrics WHERE report_id = ? AND key = 'result_not_disclosed_third_party'", [rid])
    left = con.execute("SELECT count(*) FROM metric_series WHERE report_id = ? AND series = 'not_disclosed'",
                       [rid]).fetchone()[0]
    con.close()
    assert left == 0


# ---------------------------------------------------------------- building at scale
def _pages(site: Path) -> dict[str, str]:
    """Every page's text without its build-time footer."""
    return {p.relative_to(site).as_posix(): re.sub(r"Built .* from", "", p.read_text(encoding="utf-8"))
            for p in site.rglob("*.html")}


def test_pages_written_by_worker_processes_are_those_of_one_process(demo, tmp_path, monkeypatch):
    from warehouse.site import build, build_site, charts
    build_site(demo["db"], tmp_path / "one", workers=1)
    monkeypatch.setattr(build, "PAGES_PARALLEL_FROM", 1)
    monkeypatch.setattr(charts, "PARALLEL_FROM", 1)
    build_site(demo["db"], tmp_path / "many", workers=2)
    assert _pages(tmp_path / "many") == _pages(tmp_path / "one")


def test_rebuilding_in_place_drops_pages_of_reports_gone(demo, tmp_path):
    from warehouse.site import build_site
    build_site(demo["db"], tmp_path / "site")
    (tmp_path / "site" / "reports" / "r-merged-away.html").write_text("old")
    build_site(demo["db"], tmp_path / "site")
    assert not (tmp_path / "site" / "reports" / "r-merged-away.html").exists()
