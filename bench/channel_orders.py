"""Places one-line orders through a sales channel's token from many threads for a while, over
keep-alive connections; prints {"orders", "orders_per_sec", "p50_ms", "p99_ms", "refused"} as JSON.

usage: channel_orders.py <hub> <channel token> <threads> <seconds> <external item id>...
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
import uuid

hub, token, threads, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
items = sys.argv[5:]
url = urllib.parse.urlparse(hub)
deadline = time.monotonic() + seconds
latencies, refused, lock = [], [0], threading.Lock()


def place():
    conn = http.client.HTTPConnection(url.hostname, url.port)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    mine, bad = [], 0
    while time.monotonic() < deadline:
        body = json.dumps({
            "order_id": str(uuid.uuid4()),
            "lines": [{"item": random.choice(items), "quantity": "1", "unit_price": "10"}],
        })
        started = time.monotonic()
        conn.request("POST", "/api/v1/channel/orders", body, headers)
        answer = conn.getresponse()
        answer.read()
        if answer.status == 201:
            mine.append(time.monotonic() - started)
        else:
            bad += 1
    with lock:
        latencies.extend(mine)
        refused[0] += bad


workers = [threading.Thread(target=place) for _ in range(threads)]
began = time.monotonic()
for w in workers:
    w.start()
for w in workers:
    w.join()
elapsed = time.monotonic() - began
latencies.sort()
pick = lambda q: round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else None
print(json.dumps({
    "orders": len(latencies),
    "orders_per_sec": round(len(latencies) / elapsed, 1),
    "p50_ms": pick(0.50),
    "p99_ms": pick(0.99),
    "refused": refused[0],
}))
