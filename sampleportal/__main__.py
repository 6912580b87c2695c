"""python -m sampleportal [--port N]: serve the sample portal until interrupted."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from sampleportal.server import start_sample_portal


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sampleportal", description=__doc__)
    ap.add_argument("--port", type=int, default=0,
                    help="first port (sites use PORT, PORT+1, ...); 0 = any free ports")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--json", action="store_true", help="print start URLs and registry as JSON")
    ap.add_argument("--scale", type=int, default=0,
                    help="add N departments' 2019-2023 reports to each site (bigger crawls)")
    args = ap.parse_args(argv)
    try:
        portal = start_sample_portal(port=args.port, host=args.host, scale=args.scale)
    except OSError as e:
        print(f"sampleportal: cannot listen on {args.host}:{args.port}: {e.strerror}", file=sys.stderr)
        return 2
    # Handler first: a client may read the JSON line and send SIGTERM at once.
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    info = {"hosts": portal.expected["hosts"], "start_urls": portal.start_urls,
            "registry_path": str(portal.registry_path)}
    if args.json:
        print(json.dumps(info, ensure_ascii=False), flush=True)
    else:
        for key, netloc in info["hosts"].items():
            print(f"{key:8s} http://{netloc}/", flush=True)
        print(f"registry: {info['registry_path']}", flush=True)
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        portal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
