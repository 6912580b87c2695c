"""The mutation fuzzer at a small count (`make fuzz` runs 10,000): mutated seeds of every kind
(text, HTML, PDF, DOCX, .doc) parsed in worker processes end as a Document or an ExtractError,
within the time limit and a bounded memory. The real PDFs are left to `make fuzz` (slow)."""
from __future__ import annotations

import pytest

from tests.fuzz.run_fuzz import run

MUTATIONS = 120


@pytest.fixture(scope="module")
def report(shared_dir):
    return run(MUTATIONS, workers=2, seconds=60, with_real_pdfs=False)


def test_every_mutation_ran(report):
    assert report.mutations == MUTATIONS


def test_every_kind_was_mutated(report):
    assert set(report.by_kind) == {"text", "html", "pdf", "docx", "doc"}


def test_no_exception_escapes_the_project_error(report):
    assert dict(report.escaped) == {}


def test_no_input_runs_over_the_time_limit(report):
    assert report.outcomes["timeout"] == 0


def test_worker_memory_stays_under_1_gb(report):
    assert 0 < report.peak_rss_mb < 1024
