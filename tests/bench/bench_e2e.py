"""Benchmark: the whole harvest (Prefect flow, crawl, parse, dedupe, load, publish) on a synthetic
network of portals served on 127.0.0.1, next to crawl alone and parse alone on the same input.

Not a test: prints numbers. Each size runs in its own process (clean peak-memory figures):
  1. serve P portals (one HTTP server per portal, its own port = its own host), R reports
     in the 2019/2021 templates (every 20th posted twice, for dedupe), a TRS-style listing each;
  2. end to end: the `harvest` flow into a fresh warehouse (Prefect's local API started first,
     so its boot is reported apart);
  3. crawl alone: the same crawler processes, plain subprocesses, into a fresh archive;
  4. parse alone: flows.parse_pool.parse_records over that archive, same worker count.
Overhead = end-to-end / (crawl + parse) - 1; target <= 50%. Peak RSS is this process plus the
largest child (a crawler or a parser); the synthetic portals are served from a forked child
of their own so that their pages do not count as the flow's memory.

    .venv/bin/python tests/bench/bench_e2e.py                     # 500 then 2,000 reports, 200 portals
    .venv/bin/python tests/bench/bench_e2e.py --portals 20 --reports 100 --sizes 100
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

SYLLABLES = "安平和兴长宁永泰清远德华东阳新丰福昌明山海嘉临"
DEPARTMENTS = ["人民政府", "教育局", "财政局", "民政局", "卫生健康委员会", "交通运输局",
               "生态环境局", "市场监督管理局", "自然资源局", "农业农村局"]
YEARS = [2019, 2020, 2021, 2022, 2023]
DUP_EVERY = 20


# ------------------------------------------------------------------ the synthetic network
def _region_name(i: int) -> str:
    """A distinct two-syllable county name per portal (400 of them, then numbered)."""
    n = len(SYLLABLES)
    name = SYLLABLES[i % n] + SYLLABLES[(i // n) % n]
    return f"{name}县" if i < n * n else f"{name}{i}县"


class Network:
    """P portals, each an HTTP server on its own loopback port."""

    def __init__(self, portals: int, reports: int, workdir: Path):
        from sampleportal import pages
        from sampleportal.template_reports import make_template_report, render_html_body

        self.routes: dict[int, dict[str, bytes]] = {}
        self.servers: list[ThreadingHTTPServer] = []
        self.expected_reports = reports
        self.expected_copies = 0
        handler = self._handler()
        entries = []
        per_portal = [reports // portals + (i < reports % portals) for i in range(portals)]
        for i, n in enumerate(per_portal):
            srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            srv.daemon_threads = True
            port = srv.server_address[1]
            self.servers.append(srv)
            region = _region_name(i)
            routes, items = {}, []
            for j in range(n):
                dept = DEPARTMENTS[j // len(YEARS) % len(DEPARTMENTS)]
                year = YEARS[j % len(YEARS)]
                publisher = f"{region}{dept}"
                report, _truth = make_template_report("2019" if year < 2021 else "2021", year,
                                                      publisher, seed=i * 1000 + j)
                body = render_html_body(report)
                page = pages.detail_page(report.title, body, style="trs",
                                         published=f"{year + 1}-01-{10 + j % 18:02d}",
                                         publisher=publisher)
                path = f"/zwgk/ndbg/{year + 1}01/t{year + 1}0110_{j}.html"
                routes[path] = page
                items.append((path, report.title, f"{year + 1}-01-{10 + j % 18:02d}"))
                if (i * 1000 + j) % DUP_EVERY == 0:  # the same report posted in a second column
                    copy = f"/zwgk/tzgg/{year + 1}01/t{year + 1}0110_{j}.html"
                    routes[copy] = page
                    items.append((copy, report.title, f"{year + 1}-01-{10 + j % 18:02d}"))
                    self.expected_copies += 1
            routes["/zwgk/ndbg/index.html"] = pages.trs_listing(
                "政府信息公开年度报告", items, 0, 1).encode("utf-8")
            routes["/robots.txt"] = b"User-agent: *\nDisallow:\n"
            self.routes[port] = routes
            entries.append({"id": f"bench-{i:04d}", "name": f"{region}人民政府", "region": region,
                            "level": "county", "verified": True,
                            "start_urls": [f"http://127.0.0.1:{port}/zwgk/ndbg/index.html"],
                            "allowed_hosts": [f"127.0.0.1:{port}"]})
        import yaml
        self.registry = workdir / "portals.yaml"
        self.registry.write_text(yaml.safe_dump({"portals": entries}, allow_unicode=True),
                                 encoding="utf-8")
        self.ids = [e["id"] for e in entries]

    def _handler(self):
        network = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                return

            def do_GET(self):
                path = self.path.split("?")[0]
                body = network.routes.get(self.server.server_address[1], {}).get(path)
                self.send_response(200 if body is not None else 404)
                kind = "text/plain" if path == "/robots.txt" else "text/html"
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                body = body if body is not None else b"<html><body>404</body></html>"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def __enter__(self):
        for srv in self.servers:
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        for srv in self.servers:
            srv.shutdown()
            srv.server_close()


# ------------------------------------------------------------------ the three measurements
def end_to_end(net: Network, base: Path, workers: int) -> dict:
    from flows.prefect_env import configure
    configure(home=base / "prefect")
    from prefect import flow

    from flows import harvest as flows_mod

    @flow(name="warm-up")
    def warm_up() -> int:
        return 1

    t0 = time.perf_counter()
    warm_up()  # boots Prefect's local API: reported apart from the harvest
    boot = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = flows_mod.harvest(portals=net.ids, db=str(base / "e2e.duckdb"),
                               archive=str(base / "e2e-archive"), registry=str(net.registry),
                               fast=True, workers=workers)
    return {"seconds": time.perf_counter() - t0, "prefect_boot_seconds": boot, "result": result}


def crawl_alone(net: Network, base: Path) -> float:
    from flows.crawl import crawl_command
    from flows.harvest import CRAWL_PROCESSES
    from flows.crawl_plan import plan_targets

    archive = base / "crawl-archive"
    t0 = time.perf_counter()
    procs = [subprocess.Popen(crawl_command(archive, t.portals, fast=True, registry=net.registry),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
             for t in plan_targets(net.ids, [], CRAWL_PROCESSES)]
    for p in procs:
        p.wait()
    return time.perf_counter() - t0


def parse_alone(base: Path, workers: int) -> tuple[float, int]:
    from crawler.archive import iter_records
    from flows.parse_pool import parse_records

    archive = base / "crawl-archive"
    t0 = time.perf_counter()
    parsed = parse_records(str(archive), iter_records(archive), workers=workers)
    return time.perf_counter() - t0, len(parsed)


def peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


class ServedNetwork:
    """The Network built and served in a forked child process: its pages (tens of MB at
    2,000 reports) must not count in the flow process's peak memory."""

    def __init__(self, portals: int, reports: int, workdir: Path):
        import multiprocessing
        ctx = multiprocessing.get_context("fork")
        here, there = ctx.Pipe()
        self.stop = ctx.Event()
        self.proc = ctx.Process(target=self._serve, args=(portals, reports, workdir, there),
                                daemon=True)
        self.proc.start()
        info = here.recv()
        self.registry, self.ids = Path(info["registry"]), info["ids"]
        self.expected_reports, self.expected_copies = reports, info["expected_copies"]

    def _serve(self, portals, reports, workdir, conn):
        with Network(portals, reports, workdir) as net:
            conn.send({"registry": str(net.registry), "ids": net.ids,
                       "expected_copies": net.expected_copies})
            self.stop.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.proc.join(10)


def one_size(portals: int, reports: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        base = Path(tmp)
        with ServedNetwork(portals, reports, base) as net:
            e2e = end_to_end(net, base, workers)
            own, child = peak_mb()
            crawl = crawl_alone(net, base)
            parse, n_parsed = parse_alone(base, workers)
        r = e2e["result"]
        return {"portals": portals, "reports": reports, "expected_copies": net.expected_copies,
                "e2e_seconds": round(e2e["seconds"], 2),
                "prefect_boot_seconds": round(e2e["prefect_boot_seconds"], 2),
                "crawl_seconds": round(crawl, 2), "parse_seconds": round(parse, 2),
                "parsed_alone": n_parsed, "pages_fetched": r.get("pages_fetched"),
                "reports_loaded": r.get("reports_total"), "status": r.get("status"),
                "e2e_timings": r.get("timings"), "peak_rss_mb": round(own, 1),
                "peak_child_rss_mb": round(child, 1)}


def report(row: dict) -> None:
    base = row["crawl_seconds"] + row["parse_seconds"]
    overhead = row["e2e_seconds"] / base - 1 if base else float("nan")
    print(f"{row['reports']} reports on {row['portals']} portals: "
          f"end to end {row['e2e_seconds']:.1f}s = {row['reports'] / row['e2e_seconds']:.1f} reports/s "
          f"(status {row['status']}, {row['reports_loaded']} reports loaded, "
          f"{row['pages_fetched']} pages)")
    print(f"  crawl alone {row['crawl_seconds']:.1f}s + parse alone {row['parse_seconds']:.1f}s "
          f"= {base:.1f}s; orchestration+dedupe+load overhead {overhead:+.0%} (target <= +50%)")
    print(f"  Prefect local API boot (not counted) {row['prefect_boot_seconds']:.1f}s; "
          f"steps {row['e2e_timings']}")
    print(f"  peak memory: flow process {row['peak_rss_mb']:.0f} MB, largest child "
          f"{row['peak_child_rss_mb']:.0f} MB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--portals", type=int, default=200, help="portals at the largest size")
    ap.add_argument("--reports", type=int, default=2000, help="reports at the largest size")
    ap.add_argument("--sizes", default="500,2000",
                    help="report counts to run (portals scale with them), default 500,2000")
    ap.add_argument("--workers", type=int, default=2, help="parser processes")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_size(args.portals, args.reports, args.workers)), flush=True)
        return 0
    sizes = sorted({min(int(s), args.reports) for s in args.sizes.split(",") if s.strip()}
                   | {args.reports})
    rows = []
    for n in sizes:
        portals = max(1, round(args.portals * n / args.reports))
        proc = subprocess.run([sys.executable, __file__, "--one", "--portals", str(portals),
                               "--reports", str(n), "--workers", str(args.workers)],
                              capture_output=True, text=True, cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
        if proc.returncode != 0 or not lines:
            print(f"{n} reports: failed\n{proc.stderr[-3000:]}")
            return 1
        rows.append(json.loads(lines[-1]))
        report(rows[-1])
    if len(rows) > 1:  # flat means this stays near zero
        a, b = rows[0], rows[-1]
        slope = (b["peak_rss_mb"] - a["peak_rss_mb"]) / (b["reports"] - a["reports"]) * 1000
        print(f"peak memory of the flow process grows {slope:+.0f} MB per 1,000 reports "
              f"({a['reports']} -> {b['reports']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
