#!/usr/bin/env python3
"""Benchmark: the front desk's personalised pack, per HTTP request, as staff get it.

Starts the app under uvicorn (as ``build_pack.py serve`` does) on a free loopback port, signs
nothing (loopback), fetches the form for a CSRF token, then POSTs the pack form N times with a
different made-up patient each time over a keep-alive connection, timing each request from
sending to the last byte of the PDF. Reports the first (cold: laying the pack out) request,
then the median, 90th percentile and max of the warm ones, one client and then several at once
(several staff). Also times one day-list "Print all" of 20 patients (merged PDF). Each pack
is recorded in a scratch archive database, as the front desk records every pack it prints.

    .venv/bin/python bench/bench_web.py            # N=200, then 4 clients x 50
    .venv/bin/python bench/bench_web.py -n 500 --clients 8
"""

from __future__ import annotations

import argparse
import base64
import http.client
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import uvicorn

from clinicpack.web import create_app

LEAFLET = "exosome-hair-loss"
FIRST = ["Ayesha", "Bilal", "Fatima", "Hamza", "Zainab", "Usman", "Sana", "Omar", "Mariam", "Imran"]
LAST = ["Khan", "Ahmed", "Malik", "Hussain", "Qureshi", "Sheikh", "Chaudhry", "Siddiqui", "Butt", "Raza"]


class Client:
    """One browser: its own session cookie and CSRF token, one keep-alive connection."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.conn.request("GET", "/pack")
        response = self.conn.getresponse()
        html = response.read().decode()
        self.cookie = response.getheader("set-cookie").split(";")[0]
        self.token = re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)

    def post(self, path: str, fields: dict[str, str]) -> tuple[float, bytes]:
        body = urllib.parse.urlencode({"csrf": self.token, **fields})
        start = time.perf_counter()
        self.conn.request("POST", path, body, {"content-type": "application/x-www-form-urlencoded", "cookie": self.cookie})
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - start
        assert response.status == 200 and data.startswith(b"%PDF"), (response.status, data[:200])
        return elapsed, data


def patient(i: int) -> dict[str, str]:
    return {"leaflet": LEAFLET, "layout": "default", "patient_ref": f"P{i:06d}", "name": f"{FIRST[i % 10]} {LAST[(i // 10) % 10]}",
            "date_of_birth": f"{1950 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}", "mrn": f"MRN{i:07d}",
            "clinician": "Dr Imran Malik", "appointment_date": "2026-12-02"}


def ms(values: list[float]) -> str:
    values = sorted(values)
    p90 = values[int(0.9 * (len(values) - 1))]
    return f"median {statistics.median(values) * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms, max {values[-1] * 1000:.1f} ms (n={len(values)})"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=200, help="requests from one client (default 200)")
    p.add_argument("--clients", type=int, default=4, help="clients at once for the concurrent run (default 4)")
    args = p.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-web-"))  # every pack printed is recorded: never in the project's real archive
    app = create_app(ROOT, warm=False, db=scratch / "archive.sqlite3")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        client = Client(port)
        cold, _ = client.post("/pack", patient(0))
        print(f"first pack (lays the template out): {cold * 1000:.0f} ms")
        times = [client.post("/pack", patient(i))[0] for i in range(1, args.n + 1)]
        print(f"warm personalised pack, 1 client: {ms(times)}")

        per = max(1, args.n // args.clients)
        results: list[float] = []
        lock = threading.Lock()

        def staff(k: int) -> None:
            mine = Client(port)
            got = [mine.post("/pack", patient(10_000 * (k + 1) + i))[0] for i in range(per)]
            with lock:
                results.extend(got)

        workers = [threading.Thread(target=staff, args=(k,)) for k in range(args.clients)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        wall = time.perf_counter() - start
        print(f"warm personalised pack, {args.clients} clients at once: {ms(results)}; {len(results) / wall:.0f} packs/s")

        rows = "\n".join(f"D{i},{FIRST[i % 10]} {LAST[i % 10]},1980-01-{1 + i % 28:02d}," for i in range(20))
        listed = base64.b64encode(f"patient_ref,name,date_of_birth,appointment_date\n{rows}\n".encode()).decode()
        elapsed, data = client.post("/day/print", {"leaflet": LEAFLET, "layout": "default", "list": listed})
        print(f"day list, Print all of 20 patients (one merged PDF, {len(data) // 1024} KiB): {elapsed * 1000:.0f} ms")
    finally:
        server.should_exit = True
        thread.join(10)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
