"""STUB: to be replaced."""
from .model import Check, Metric


def checks(metrics: list[Metric]) -> list[Check]:
    return []
