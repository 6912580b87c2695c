"""A run's outcome from its portals' outcomes: ok, partial or failed, and the error a run in
which every portal failed ends with."""
from __future__ import annotations


class HarvestFailed(RuntimeError):
    """Every portal of a run failed. Raised after the run is recorded, so the flow run ends
    Failed; `result` is the run's summary (what a completed run returns)."""

    def __init__(self, result: dict):
        failed = [p for p in result.get("portals") or [] if p["status"] != "ok"]
        first = f": {failed[0]['portal_id']}: {failed[0]['error']}" if failed else ""
        super().__init__(f"every portal failed ({len(failed)}){first}")
        self.result = result


def run_status(portal_statuses: list[str]) -> str:
    """ok when every portal was crawled, failed when none was, partial in between."""
    failed = sum(1 for s in portal_statuses if s != "ok")
    if not failed:
        return "ok"
    return "failed" if failed == len(portal_statuses) else "partial"
