"""STUB: to be replaced."""
from .model import Classification, Metric, Page


def template_metrics(page: Page, cls: Classification) -> list[Metric]:
    return []
