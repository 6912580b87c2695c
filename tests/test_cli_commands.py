"""The commands other than `extract`: --help, the registry listing, and user errors (one line
on stderr, non-zero exit, no traceback). None of these starts a crawl."""
import json

import pytest

COMMANDS = ["harvest", "backfill", "reprocess", "sql", "demo", "serve", "portals", "report"]


def _one_line_failure(proc) -> bool:
    err = proc.stderr.decode()
    return proc.returncode != 0 and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(cli, command):
    proc = cli(command, "--help")
    assert proc.returncode == 0 and b"usage: govreports " + command.encode() in proc.stdout


def test_top_level_help_lists_every_command(cli):
    out = cli("--help").stdout.decode()
    assert all(c in out for c in COMMANDS)


def test_portals_lists_the_registry(cli):
    from crawler.registry import load_portals
    lines = cli("portals", "--format", "json").stdout.decode().splitlines()
    assert [json.loads(x)["id"] for x in lines] == [p.id for p in load_portals()]


def test_portals_table_has_a_row_per_portal(cli):
    from crawler.registry import load_portals
    out = cli("portals").stdout.decode().splitlines()
    assert len(out) == 1 + len(load_portals())


@pytest.mark.parametrize("args", [
    ["harvest", "--years", "2020-2010"],
    ["harvest", "--years", "twenty"],
    ["harvest", "--portal", "no-such-portal"],
    ["harvest", "--start-url", "ftp://example.org/reports/"],
    ["harvest", "--start-url", "not a url"],
    ["harvest", "--max-pages", "0"],
    ["backfill"],
    ["backfill", "--years", "2019-2017"],
    ["reprocess", "--archive", "/nonexistent/archive"],
    ["sql", "SELECT 1", "--db", "/nonexistent/warehouse.duckdb"],
    ["sql", "SELECT 1", "--format", "xml"],
    ["portals", "--registry", "/nonexistent/portals.yaml"],
    ["report", "--db", "/nonexistent/warehouse.duckdb"],
    ["bogus-command"],
])
def test_user_errors_are_one_line(cli, args, tmp_path):
    proc = cli(*args, cwd=tmp_path)
    assert _one_line_failure(proc), proc.stderr.decode()


def test_reversed_years_message_is_specific(cli, tmp_path):
    err = cli("harvest", "--years", "2020-2010", cwd=tmp_path).stderr.decode()
    assert "2020-2010" in err


def test_unknown_portal_message_names_it(cli, tmp_path):
    err = cli("harvest", "--portal", "no-such-portal", cwd=tmp_path).stderr.decode()
    assert "no-such-portal" in err


def test_sql_on_missing_warehouse_says_how_to_make_one(cli, tmp_path):
    err = cli("sql", "SELECT 1", "--db", tmp_path / "none.duckdb").stderr.decode()
    assert "govreports harvest" in err


def test_serve_without_server_explains(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    proc = cli("serve", "--db", tmp_path / "w.duckdb")
    assert _one_line_failure(proc) and "prefect server start" in proc.stderr.decode()


def test_serve_with_unreachable_server_explains(cli, tmp_path):
    proc = cli("serve", "--api-url", "http://127.0.0.1:9/api", "--db", tmp_path / "w.duckdb")
    assert _one_line_failure(proc) and "no Prefect server answers" in proc.stderr.decode()


def test_user_errors_create_no_files(cli, tmp_path):
    cli("harvest", "--years", "2020-2010", "--db", tmp_path / "d" / "w.duckdb",
        "--archive", tmp_path / "a", cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []
