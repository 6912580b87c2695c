"""The parser's rules as data: one YAML file per stage, read by `load`."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

DIR = Path(__file__).parent


@lru_cache(maxsize=None)
def load(name: str):
    """The parsed YAML file `name` (e.g. "body.yaml") of this folder. Callers must not mutate it."""
    return yaml.safe_load((DIR / name).read_text(encoding="utf-8"))
