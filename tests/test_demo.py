"""`govreports demo`: the README's main command, run for real once with its defaults in an empty
folder (sample portal on loopback, the harvest flow, the warehouse), then its printed example
commands are run as printed."""
from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import CLI

CLI_PREFECT_HOME = Path(tempfile.gettempdir()) / "govreports-test-prefect-cli"


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(CLI_PREFECT_HOME)
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    t0 = time.monotonic()
    proc = subprocess.run([str(CLI), "demo"], capture_output=True, timeout=300, env=_env(),
                          cwd=base)
    return {"proc": proc, "out": proc.stdout.decode(), "err": proc.stderr.decode(),
            "seconds": time.monotonic() - t0, "base": base}


def _examples(out: str) -> list[str]:
    return [line[2:] for line in out.splitlines() if line.startswith("$ govreports sql")]


def test_demo_succeeds(demo):
    assert demo["proc"].returncode == 0, demo["out"][:1500] + demo["err"][-3000:]


def test_demo_runs_in_under_two_minutes(demo):
    assert demo["seconds"] < 120


def test_demo_prints_reports_per_publisher_and_year(demo):
    section = demo["out"].split("== Reports per publisher and year", 1)[-1].split("==", 1)[0]
    rows = [x for x in section.splitlines() if "|" in x][1:]  # without the header
    assert len(rows) >= 5


def test_demo_totals_show_reports_and_metrics(demo):
    section = demo["out"].split("== Totals", 1)[1].split("==", 1)[0]
    header, _rule, values = [x for x in section.splitlines() if x.strip()][:3]
    totals = dict(zip([h.strip() for h in header.split("|")], [v.strip() for v in values.split("|")]))
    assert int(totals["reports"]) > 0 and int(totals["metrics_loaded"]) > 0


def _section(out: str, title: str) -> list[str]:
    """The rows of a printed table section (without its header and rule)."""
    section = out.split(f"== {title}", 1)[1].split("\n==", 1)[0]
    return [x for x in section.splitlines() if "|" in x][1:]  # past the header (the rule has no bar)


def test_demo_shows_spam_stripped_and_traditional_copies_converted(demo):
    rows = [[c.strip() for c in r.split("|")] for r in _section(demo["out"], "Copies cleaned on the way in")]
    spam_only = [r for r in rows if r[1] == "false" and r[2] != "[]"]
    traditional = [r for r in rows if r[1] == "true" and "manbetx" in r[2] and "年度报告" in r[0]]
    assert spam_only and traditional and not any("公開" in r[0] for r in rows)


def test_demo_shows_a_mirrored_copy_merged_into_the_government_report(demo):
    rows = [[c.strip() for c in r.split("|")] for r in _section(demo["out"], "Copies cleaned on the way in")]
    assert any(r[1] == "true" and r[3] == "2" and r[4] == "false" for r in rows)


def test_demo_shows_three_example_queries(demo):
    assert len(_examples(demo["out"])) == 3


def test_printed_example_queries_work_as_printed(demo):
    results = []
    for line in _examples(demo["out"]):
        argv = shlex.split(line)
        proc = subprocess.run([str(CLI), *argv[1:]], capture_output=True, timeout=60,
                              cwd=demo["base"])
        results.append((proc.returncode, proc.stdout.count(b"\n") > 2))
    assert results == [(0, True)] * 3


def test_demo_never_writes_the_harvest_warehouse(demo):
    assert not (demo["base"] / "data" / "warehouse.duckdb").exists()


def test_demo_never_writes_the_harvest_archive(demo):
    assert not (demo["base"] / "data" / "archive").exists()


def test_demo_writes_under_its_own_folder(demo):
    assert sorted(p.name for p in (demo["base"] / "data").iterdir()) == ["demo"]


def test_demo_help_names_its_folder(cli):
    help_text = " ".join(cli("demo", "--help").stdout.decode().split())
    assert "data/demo/warehouse.duckdb" in help_text and "data/demo/archive/" in help_text


def test_demo_shows_progress_on_stderr(demo):
    assert "crawled" in demo["err"] and "parsed" in demo["err"]


def test_demo_prints_the_pdf_attachment_s_figures(demo):
    """The 2024 report of 淮安市 exists only as a PDF attachment: its figures as printed there."""
    from sampleportal.site import HOST_KEYS, build
    _sites, truth = build({k: f"127.0.0.1:{9200 + i}" for i, k in enumerate(HOST_KEYS)})
    pdf = next(r for r in truth.reports if r["source"] == "template_pdf")
    t = pdf["truth"]
    want = [pdf["publisher"], str(pdf["year"]), str(t["applications_new"]["total"]),
            str(t["reconsideration_total"]), str(t["litigation_total"])]
    section = demo["out"].split("$ govreports sql", 2)[1]
    rows = [[c.strip() for c in line.split("|")] for line in section.splitlines() if "|" in line]
    assert want in rows
