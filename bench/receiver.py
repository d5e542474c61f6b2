#!/usr/bin/env python3
"""A receiver for the outbound benchmark: takes Hubshake-format deliveries on POST /hook, and
records for each event how long after it was committed it arrived (the hub stamps `occurred_at`
just before the commit; hub and receiver share the host's clock). GET /stats answers the count
and latency percentiles; POST /reset forgets what arrived.
Usage: receiver.py PORT"""

import json
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
latencies_ms = []
events = 0
first_at = None
last_at = None


def occurred(text):
    # chrono writes nanoseconds; datetime takes microseconds.
    head, _, rest = text.partition(".")
    fraction = "".join(c for c in rest if c.isdigit())[:6].ljust(6, "0")
    return datetime.fromisoformat(f"{head}.{fraction}+00:00").timestamp()


def percentile(sorted_values, q):
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, int(round(q * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        global events, first_at, last_at
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/reset":
            with lock:
                latencies_ms.clear()
                events, first_at, last_at = 0, None, None
            return self.answer(200, {})
        now = time.time()
        batch = json.loads(body)["events"]
        with lock:
            for event in batch:
                latencies_ms.append((now - occurred(event["occurred_at"])) * 1000)
            events += len(batch)
            first_at = first_at or now
            last_at = now
        self.answer(200, {"received": len(batch)})

    def do_GET(self):
        with lock:
            values = sorted(latencies_ms)
            span = (last_at - first_at) if first_at and last_at else 0
            self.answer(200, {
                "events": events,
                "p50_ms": round(percentile(values, 0.5), 1),
                "p99_ms": round(percentile(values, 0.99), 1),
                "max_ms": round(values[-1], 1) if values else 0,
                "first_to_last_secs": round(span, 3),
            })


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
