"""Bad input gets a one-line error and a non-zero exit, never a traceback."""
import json
from pathlib import Path

import pytest


def _assert_clean_failure(proc):
    err = proc.stderr.decode()
    assert proc.returncode != 0
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_missing_file(cli, tmp_path):
    _assert_clean_failure(cli("extract", tmp_path / "nope.html"))


def test_empty_file(cli, tmp_path):
    p = tmp_path / "empty.html"
    p.write_bytes(b"")
    _assert_clean_failure(cli("extract", p))


def test_binary_junk(cli, tmp_path):
    p = tmp_path / "junk.bin"
    p.write_bytes(bytes(range(256)) * 400)
    _assert_clean_failure(cli("extract", p))


def test_truncated_pdf(cli, tmp_path):
    p = tmp_path / "cut.pdf"
    p.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
    _assert_clean_failure(cli("extract", p))


def test_directory_is_refused(cli, tmp_path):
    _assert_clean_failure(cli("extract", tmp_path))


def test_bad_url_scheme(cli):
    _assert_clean_failure(cli("extract", "ftp://example.invalid/x.html"))


def test_several_sources_one_bad_others_still_run(cli, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("2018年政府信息公开工作年度报告\n本年度共收到申请10件。", encoding="utf-8")
    proc = cli("extract", tmp_path / "missing.txt", good, "--json")
    lines = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert [("error" in x) for x in lines] == [True, False]


@pytest.mark.parametrize("cmd", [["--help"], ["extract", "--help"]])
def test_help_explains(cli, cmd):
    proc = cli(*cmd)
    assert proc.returncode == 0 and b"usage" in proc.stdout


def test_fifty_megabyte_page_is_refused(cli, tmp_path):
    p = tmp_path / "huge.html"
    para = ("<p>" + "全区共主动公开政府信息38091条。" * 50 + "</p>\n").encode()
    with p.open("wb") as f:
        f.write(b"<html><body>")
        while f.tell() < 50 * 1024 * 1024:
            f.write(para)
        f.write(b"</body></html>")
    _assert_clean_failure(cli("extract", p))


def test_html_without_a_body_is_refused(cli, tmp_path):
    p = tmp_path / "empty-body.html"
    p.write_text("<html><head><title>x</title><script>var a=1;</script></head><body></body></html>")
    _assert_clean_failure(cli("extract", p))


DOC_FIXTURES = Path(__file__).parent / "fixtures" / "doc"


def test_ole2_spreadsheet_is_refused(cli):
    _assert_clean_failure(cli("extract", DOC_FIXTURES / "not_word.xls"))


def test_truncated_doc_is_refused(cli, tmp_path):
    p = tmp_path / "cut.doc"
    p.write_bytes((DOC_FIXTURES / "template_2019.doc").read_bytes()[:5000])
    _assert_clean_failure(cli("extract", p))
