"""STUB: to be replaced."""
from .model import Classification, Metric, Page


def text_metrics(page: Page, cls: Classification) -> list[Metric]:
    return []
