# SPDX-License-Identifier: Apache-2.0
"""A loopback feed server for benchmarks: N feeds of M entries, fixed added latency, ETags.

Run as a separate process so its CPU time does not count against the client:
    python benchmarks/_feedserver.py FEEDS ENTRIES LATENCY_SECONDS
It prints its port on the first line of stdout.
"""

from __future__ import annotations

import hashlib
import http.server
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime


def feed_body(index: int, entries: int) -> bytes:
    base = datetime(2025, 6, 1, tzinfo=UTC)
    items = "".join(
        f"<item><title>Feed {index} advisory {n}: state-sponsored actors exploit VPN "
        f"appliance CVE-2025-{1000 + n}</title>"
        f"<link>https://feed{index}.example.org/advisories/{n}?utm_source=rss</link>"
        f"<guid>feed{index}-{n}</guid><pubDate>{format_datetime(base + timedelta(hours=n))}"
        f"</pubDate><description>&lt;p&gt;Partners warn that &lt;b&gt;actors&lt;/b&gt; "
        f"exploit appliances in government and energy networks. Patch now and hunt for "
        f"persistence; entry {n} of feed {index}.&lt;/p&gt;</description></item>"
        for n in range(entries)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {index}</title><link>https://feed{index}.example.org/</link>"
        f"{items}</channel></rss>"
    ).encode()


def main() -> None:
    feeds, entries, latency = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    bodies = {f"/feed/{i}.xml": feed_body(i, entries) for i in range(feeds)}
    etags = {k: '"' + hashlib.sha1(v).hexdigest()[:16] + '"' for k, v in bodies.items()}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            time.sleep(latency)
            body = bodies.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etags[self.path]:
                self.send_response(304)
                self.send_header("ETag", etags[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etags[self.path])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    http.server.ThreadingHTTPServer.daemon_threads = True
    http.server.ThreadingHTTPServer.request_queue_size = 512
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
