"""A run's outcome: its crawls tallied as they end, the run's status from its portals'
outcomes (ok, partial or failed), and the error a run in which every portal failed ends with."""
from __future__ import annotations

from flows.crawl_plan import target_portal_ids
from flows.progress import say


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


class CrawlTally:
    """The crawls of one run as they end, on this machine or on a work pool: the totals, the
    failed crawls (one line each) and each portal's outcome."""

    def __init__(self, registry=None):
        self.registry = registry
        self.totals = {"pages_fetched": 0, "errors": 0, "crawls_ok": 0, "crawls_failed": 0}
        self.failures: list[str] = []
        self.outcomes: dict[str, dict] = {}

    def crawled(self, target, done: int, of: int, summary: dict) -> None:
        t = self.totals
        t["pages_fetched"] += int(summary.get("pages_fetched") or 0)
        t["errors"] += int(summary.get("errors") or 0)
        t["crawls_ok"] += 1
        found = summary.get("portal_outcomes") or {}
        self.outcomes.update(found)
        say(f"crawled {target.label} ({done}/{of}): {summary.get('pages_fetched', 0)} pages, "
            f"{summary.get('errors', 0)} errors; {t['pages_fetched']} in all")
        for pid, o in found.items():
            if o["status"] != "ok":
                say(f"portal {pid} FAILED: {o['error']}")

    def failed(self, target, reason: str) -> None:
        self.totals["crawls_failed"] += 1
        self.failures.append(f"{target.label}: {reason}")
        for pid in target_portal_ids(target, self.registry):
            self.outcomes[pid] = {"status": "failed", "pages_fetched": 0, "errors": 0,
                                  "error": f"crawl failed: {reason}"}
        say(f"crawl of {target.label} FAILED: {reason}")

    def result(self) -> tuple[dict, list[str], dict[str, dict]]:
        return self.totals, self.failures, self.outcomes
