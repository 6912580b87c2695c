"""Shared test helpers: where the repo, the shared contracts and the CLI are."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GOVREPORTS_SHARED", REPO.parent / "shared"))
CLI = Path(sys.executable).parent / "govreports"


def run_cli(*args, input_bytes=None, timeout=180, cwd=None):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, timeout=timeout,
                          input=input_bytes, cwd=cwd)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def shared_dir():
    """The shared test data (specs, seeds, gold files). A test that needs it fails without it:
    skipping would let a quarter of the suite pass by not running."""
    if not SHARED.is_dir():
        pytest.fail(f"shared test data not found at {SHARED}: put it in ../shared beside the "
                    "project or set GOVREPORTS_SHARED=/path/to/shared", pytrace=False)
    return SHARED
