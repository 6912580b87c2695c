"""The end of a run as the CLI shows it: the summary on stdout, one line per portal that
failed, and the exit status cron sees."""
from __future__ import annotations

from flows.outcome import HarvestFailed


# A run's status as an exit status: cron sees a run in which portals failed.
EXIT_STATUS = {"ok": 0, "failed": 1, "partial": 3}


def exit_status(result: dict) -> int:
    return EXIT_STATUS.get(result.get("status"), 1)


def run_flow(flow, **opts) -> dict:
    """Call a flow; a run in which every portal failed raises after it is recorded, and its
    summary is printed all the same."""
    try:
        return flow(**opts)
    except HarvestFailed as e:
        return e.result


def print_summary(result: dict) -> None:
    """The end of a run, on stdout: what this run fetched, parsed and loaded, and each portal
    that failed or had fetches that failed for good, one line each."""
    reparse = result.get("flow") == "reprocess"
    portals = result.get("portals") or []
    failed = [p for p in portals if p["status"] != "ok"]
    rows = [("run", result.get("run_id")), ("status", result.get("status"))]
    if portals:
        rows.append(("portals", f"{len(portals)} ({len(portals) - len(failed)} ok, "
                                f"{len(failed)} failed)"))
    rows += [("pages fetched", result.get("pages_fetched")),
             ("documents parsed", result.get("parsed")),
             ("parse errors", result.get("parse_errors")),
             ("documents reloaded" if reparse else "new documents", result.get("documents_new")),
             ("reports (new)", f"{result.get('reports_total')} ({result.get('reports_new')})"),
             ("metrics loaded", result.get("metrics_new")), ("errors", result.get("errors"))]
    for label, value in rows:
        print(f"{label:>18}: {value if value is not None else '-'}")
    for line in portal_lines(result):
        print(line)


def portal_lines(result: dict) -> list[str]:
    """One line per failed portal, then one per portal whose fetches failed for good (a fetch
    that succeeded on a retry is not one)."""
    portals = result.get("portals") or []
    lines = [f"{'portal failed':>18}: {p['portal_id']}: {p['error']}"
             for p in portals if p["status"] != "ok"]
    lines += [f"{'fetch errors':>18}: {p['portal_id']}: {p['errors']} (first: {p['error']})"
              for p in portals if p["status"] == "ok" and p["errors"]]
    return lines
