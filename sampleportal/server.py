"""A real HTTP server for the sample portal: one ThreadingHTTPServer per site, all on 127.0.0.1.

    with start_sample_portal() as portal:
        portal.start_urls        # every portal's start URLs
        portal.registry_path     # registry YAML for crawler.registry.load_portals
        portal.expected          # ground truth (see sampleportal.site.Truth)
        portal.modify(url)       # change a page (new ETag / Last-Modified)
"""
from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from sampleportal import site as site_mod
from sampleportal.site import HOST_KEYS, PORTAL_META, Resource, Site

HOST = "127.0.0.1"


@dataclass
class Hit:
    site: str
    method: str
    path: str
    status: int
    at: float


class QuietServer(ThreadingHTTPServer):
    """A threaded server for crawlers: a deep accept queue, silent about clients hanging up."""
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops SYNs under crawler concurrency (1 s stalls)

    def handle_error(self, request, client_address):
        # A client hanging up (a crawler's size limit or timeout) is normal here: stay quiet.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def serve_in_threads(servers: dict) -> list[threading.Thread]:
    """Serve each server of {key: server} on a daemon thread of its own."""
    threads = []
    for key, srv in servers.items():
        t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                             name=f"sampleportal-{key}", daemon=True)
        t.start()
        threads.append(t)
    return threads


def stop_servers(servers: dict, threads: list[threading.Thread]) -> None:
    for srv in servers.values():
        srv.shutdown()
        srv.server_close()
    for t in threads:
        t.join(timeout=5)
    threads.clear()


class LoopbackSites:
    """Test sites on loopback: one server per key, a hit log of (key, path), a temporary folder
    for their registry. Subclasses fill them in and may add to start and stop."""

    def __init__(self, host: str, keys, handler_class, prefix: str):
        self.lock = threading.Lock()
        self.hits: list[tuple[str, str]] = []
        self._servers = {}
        for key in keys:
            srv = SiteServer((host, 0), handler_class)
            srv.owner, srv.key = self, key
            self._servers[key] = srv
        self.netlocs = {k: f"{host}:{s.server_address[1]}" for k, s in self._servers.items()}
        self._tmp = tempfile.TemporaryDirectory(prefix=prefix)
        self.registry_path = Path(self._tmp.name) / "portals.yaml"
        self._threads: list[threading.Thread] = []

    def write_registry(self, entry: dict) -> None:
        self.registry_path.write_text(yaml.safe_dump({"portals": [entry]}, allow_unicode=True),
                                      encoding="utf-8")

    def start(self):
        self._threads.extend(serve_in_threads(self._servers))
        return self

    def stop(self) -> None:
        stop_servers(self._servers, self._threads)
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def hit_urls(self) -> list[str]:
        with self.lock:
            return [f"http://{self.netlocs[k]}{p}" for k, p in self.hits]


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, no console log (tests read hit logs instead), answers sent at once."""
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        return

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle + delayed ACK stall
        # every keep-alive response by ~40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, status: int, headers, body: bytes, head: bool = False) -> None:
        """One whole answer: status, headers, Content-Length and body (none to a HEAD)."""
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and not head:
            self.wfile.write(body)


class SiteServer(QuietServer):
    """One site of LoopbackSites: its owner and its key."""
    owner: LoopbackSites
    key: str


class SiteHandler(QuietHandler):
    """A request to one of LoopbackSites, entered in its hit log first."""
    server: SiteServer

    def visit(self) -> tuple[LoopbackSites, str]:
        owner, key = self.server.owner, self.server.key
        with owner.lock:
            owner.hits.append((key, self.path))
        return owner, key


class _Server(QuietServer):
    sample: "SamplePortal"
    key: str


class _Handler(QuietHandler):
    server: _Server
    server_version = "SamplePortal/1.0"

    def do_GET(self):
        self._serve(b"")

    def do_HEAD(self):
        self._serve(b"", head=True)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(self.rfile.read(length) if length else b"")

    def _serve(self, body: bytes, head: bool = False) -> None:
        status, headers, payload = self.server.sample.respond(self.server.key, self.command, self.path,
                                                              self.headers, body)
        self.send(status, headers, payload, head)


class SamplePortal:
    """Several small portals on 127.0.0.1 ports; see sampleportal.site for what they hold."""

    def __init__(self, port: int = 0, host: str = HOST, tmpdir: Optional[str] = None,
                 delays: bool = True, scale: int = 0):
        self.host = host
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.hits: list[Hit] = []
        for i, key in enumerate(HOST_KEYS):
            srv = _Server((host, port + i if port else 0), _Handler)
            srv.sample, srv.key = self, key
            self._servers[key] = srv
        netlocs = {k: f"{host}:{s.server_address[1]}" for k, s in self._servers.items()}
        self.sites, truth = site_mod.build(netlocs, scale)
        if not delays:  # benchmarks: no artificially slow pages
            for s in self.sites.values():
                for res in s.routes.values():
                    res.delay = 0.0
        self.expected = {"portals": truth.portals, "reports": truth.reports,
                         "hosts": netlocs, "attachment_hosts": [netlocs["files"]]}
        self._tmp = tempfile.TemporaryDirectory(prefix="sampleportal-") if tmpdir is None else None
        self.dir = Path(tmpdir or self._tmp.name)
        self.registry_path = self._write_registry()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "SamplePortal":
        self._threads.extend(serve_in_threads(self._servers))
        return self

    def stop(self) -> None:
        stop_servers(self._servers, self._threads)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> "SamplePortal":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ views
    @property
    def portal_ids(self) -> list[str]:
        return list(PORTAL_META)

    @property
    def start_urls(self) -> list[str]:
        return [u for p in self.expected["portals"].values() for u in p["start_urls"]]

    def base_url(self, key: str) -> str:
        return self.sites[key].base

    def _write_registry(self) -> Path:
        entries = []
        for pid, meta in PORTAL_META.items():
            truth = self.expected["portals"][pid]
            years = sorted({r["year"] for r in self.expected["reports"] if r["portal_id"] == pid})
            entries.append({"id": pid, "name": meta["name"], "region": meta["region"],
                            "region_code": meta.get("region_code"), "level": meta["level"],
                            "start_urls": truth["start_urls"], "allowed_hosts": [truth["host"]],
                            "link_hosts": list(self.expected["attachment_hosts"]),  # the file server
                            "verified": True, "expected_years": years,
                            "notes": "bundled sample portal on loopback"})
            if "government" in meta:  # a spam mirror: its copies are never a government's
                entries[-1]["government"] = meta["government"]
        path = self.dir / "portals.yaml"
        path.write_text(yaml.safe_dump({"portals": entries}, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        return path

    def hits_for(self, key: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.site == key]

    # ------------------------------------------------------------------ changes
    def _locate(self, url: str) -> tuple[Site, str]:
        parts = urlsplit(url)
        for s in self.sites.values():
            if s.netloc == parts.netloc and parts.path in s.routes:
                return s, parts.path
        raise KeyError(f"not a static page of the sample portal: {url}")

    def modify(self, url: str, note: str = "（2024年3月更正：个别数据已更新。）") -> None:
        """Change a page's content (as a portal correcting a report); validators change too."""
        s, path = self._locate(url)
        res = s.routes[path]
        marker = b"</body>"
        encoded = note.encode("utf-8" if "utf-8" in res.content_type.lower() else "gbk",
                              "xmlcharrefreplace")
        with self._lock:
            body = res.body
            i = body.rfind(marker)
            res.body = (body[:i] + b"<p>" + encoded + b"</p>" + body[i:]) if i >= 0 else body + encoded
            res.modified = max(time.time(), res.modified + 1)

    # ------------------------------------------------------------------ serving
    def respond(self, key: str, method: str, raw_path: str, headers, body: bytes):
        s = self.sites[key]
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        params = dict(parse_qsl(parts.query))
        if body:
            params.update(parse_qsl(body.decode("utf-8", "replace")))
        res = self._resource(s, path, params)
        status, out_headers, payload = self._answer(s, res, headers)
        with self._lock:
            self.hits.append(Hit(key, method, raw_path, status, time.time()))
        return status, out_headers, payload

    def _resource(self, s: Site, path: str, params: dict) -> Optional[Resource]:
        if path == "/robots.txt":
            return Resource(s.robots.encode(), "text/plain; charset=utf-8") if s.robots else None
        if path in s.dynamic:
            return s.dynamic[path](params)
        return s.routes.get(path)

    def _answer(self, s: Site, res: Optional[Resource], headers):
        if res is None:
            return 404, [("Content-Type", "text/html; charset=utf-8")], \
                "<html><body><h1>404 页面不存在</h1></body></html>".encode("utf-8")
        if res.delay:
            time.sleep(res.delay)
        with self._lock:
            if res.flaky > 0:
                res.flaky -= 1
                return 503, [("Content-Type", "text/html"), ("Retry-After", "0")], b"busy"
        out = [("Content-Type", res.content_type)]
        if s.validators:
            out += [("ETag", res.etag), ("Last-Modified", res.last_modified)]
            if _not_modified(res, headers):
                return 304, out, b""
        return res.status, out, res.body


def _not_modified(res: Resource, headers) -> bool:
    inm = headers.get("If-None-Match")
    if inm is not None:
        return res.etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            return int(res.modified) <= parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def start_sample_portal(port: int = 0, host: str = HOST, tmpdir: Optional[str] = None,
                        delays: bool = True, scale: int = 0) -> SamplePortal:
    """Build and start the sample portal. port=0: free ports; else sites use port, port+1, ...
    delays=False drops the deliberately slow page and scale=N adds N departments' reports per
    site (both for benchmarks)."""
    return SamplePortal(port=port, host=host, tmpdir=tmpdir, delays=delays, scale=scale).start()
