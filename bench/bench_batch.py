#!/usr/bin/env python3
"""Benchmark: build N personalised consent packs from a generated CSV.

Reports the one-off template time (the shared pages, laid out once per leaflet), then per pack:
CPU milliseconds (all processes), wall milliseconds, packs per second, and peak memory (RSS of
the main process and of the largest worker). Run it from the project folder:

    .venv/bin/python bench/bench_batch.py                 # N=200, one process
    .venv/bin/python bench/bench_batch.py -n 1000 --jobs 2

Names in the generated CSV are made up; output goes to bench/out/ (git-ignored).
"""

from __future__ import annotations

import argparse
import csv
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import clinicpack as cp

FIRST = ["Ayesha", "Bilal", "Fatima", "Hamza", "Zainab", "Usman", "Sana", "Omar", "Mariam", "Imran"]
LAST = ["Khan", "Ahmed", "Malik", "Hussain", "Qureshi", "Sheikh", "Chaudhry", "Siddiqui", "Butt", "Raza"]


def make_csv(path: Path, n: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["patient_ref", "name", "date_of_birth", "mrn", "clinician", "appointment_date"])
        for i in range(n):
            w.writerow([f"P{i:06d}", f"{FIRST[i % 10]} {LAST[(i // 10) % 10]}", f"{1950 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                        f"MRN-{100000 + i}", "Dr Sara Example", "2026-11-25"])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", type=int, default=200, help="number of packs (default 200)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--leaflet", default="exosome-hair-loss", help="leaflet id (default exosome-hair-loss)")
    args = p.parse_args()
    out = ROOT / "bench" / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    day = out / "day.csv"
    make_csv(day, args.n)
    # 1) the template alone: the shared pages, laid out once per leaflet per batch (timed here
    #    through the public API, so the pipeline itself carries no timers)
    t0, c0 = time.perf_counter(), time.process_time()
    loaded = cp.load(ROOT, consent=True)
    cp.pack_template(loaded, args.leaflet)
    first_wall, first_cpu = time.perf_counter() - t0, time.process_time() - c0
    c0 = time.process_time()
    cp.pack_template(loaded, args.leaflet)
    template_cpu = time.process_time() - c0

    # 2) the batch, as the command line runs it
    request = cp.PackRequest(project=loaded.project, targets=(args.leaflet,), out=out / "packs", patients_file=day,
                             clinician=cp.Clinician(role="Consultant dermatologist", registration="12345-P"), jobs=args.jobs,
                             progress=sys.stderr.isatty())
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0, c0 = time.perf_counter(), time.process_time()
    result = cp.build_packs(request)
    wall = time.perf_counter() - t0
    cpu_main = time.process_time() - c0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_children = (children.ru_utime + children.ru_stime) - (before_children.ru_utime + before_children.ru_stime)
    n = len(result.written) + len(result.unchanged)
    assert n == args.n and not result.row_errors, (n, result.row_errors[:3])
    # the batch loads the project and lays out the template once; subtract that for the per-pack cost
    once = template_cpu  # imports were paid by the first call above
    cpu_packs = cpu_main + cpu_children - once
    size = sum(p.stat().st_size for p in (out / "packs").rglob("*.pdf")) / n
    print(f"packs: {n}, jobs: {args.jobs}, leaflet: {args.leaflet}")
    print(f"template (once per batch): {template_cpu * 1000:.0f} ms CPU "
          f"(first run in this process, with imports and loading: {first_wall * 1000:.0f} ms wall, {first_cpu * 1000:.0f} ms CPU)")
    stamping_wall = wall - once
    print(f"per pack: {cpu_packs / n * 1000:.2f} ms CPU (all processes), {stamping_wall / n * 1000:.2f} ms wall "
          "(each pack fsynced, file and folder, as it is written)")
    print(f"throughput: {n / wall:.0f} packs/s including the template, {n / max(stamping_wall, 1e-9):.0f} packs/s stamping only")
    print(f"peak RSS: main {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
          f"largest worker {children.ru_maxrss / 1024:.0f} MB")
    print(f"average file size: {size / 1024:.0f} KB")
    durability_cost(request, out, n, stamping_wall, once)
    return 0


def durability_cost(request: cp.PackRequest, out: Path, n: int, durable_wall: float, once: float) -> None:
    """The same batch again with fsync switched off (into a fresh folder): the difference is what
    writing every pack durably costs."""
    import dataclasses
    import os

    shutil.rmtree(out / "packs", ignore_errors=True)
    real = os.fsync
    os.fsync = lambda fd: None
    try:
        t0 = time.perf_counter()
        cp.build_packs(dataclasses.replace(request, out=out / "packs"))
        wall = time.perf_counter() - t0 - once
    finally:
        os.fsync = real
    print(f"durable writes: {(durable_wall - wall) / n * 1000:.2f} ms a pack "
          f"({durable_wall / n * 1000:.2f} ms with fsync, {wall / n * 1000:.2f} ms without)")


if __name__ == "__main__":
    sys.exit(main())
