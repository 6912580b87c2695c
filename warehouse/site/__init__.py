"""The report site: a static HTML site built from the published snapshot (see build.py)."""
from .build import SiteError, build_site  # noqa: F401
