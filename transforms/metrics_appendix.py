"""STUB: to be replaced."""
from .model import Classification, Metric, Page


def appendix_metrics(page: Page, cls: Classification) -> list[Metric]:
    return []
