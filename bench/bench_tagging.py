#!/usr/bin/env python3
"""Benchmark: what tagging (structure tree, marked content) costs a leaflet build and a pack.

Renders each shipped leaflet in each layout tagged and untagged, alternately, and reports the
median CPU milliseconds of each and the difference. Rendering only (what tagging changes):
loading, checks and writing are the same either way. Then the per-pack cost of stamping a
consent pack (the patient's details, QR code and tagged booking link written into the
template), from a tagged and an untagged template, median per pack. Run it from the project folder:

    .venv/bin/python bench/bench_tagging.py          # 7 rounds
    .venv/bin/python bench/bench_tagging.py -r 15
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinicpack.brand import load_brand
from clinicpack.labels import load_labels
from clinicpack.layout import load_layout
from clinicpack.leaflet import load_leaflet
from clinicpack.render import RenderOptions, render_leaflet


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-r", "--rounds", type=int, default=7, help="renders of each leaflet per mode (default 7)")
    args = p.parse_args()
    assets = ROOT / "assets"
    brand = load_brand(assets / "brand.yaml")
    print(f"{'leaflet':28} {'layout':12} {'untagged ms':>11} {'tagged ms':>10} {'extra':>7}")
    totals = {True: 0.0, False: 0.0}
    for path in sorted((ROOT / "leaflets").glob("*.md")):
        leaflet = load_leaflet(path, assets)
        labels = load_labels(assets / "labels", leaflet.language)
        for layout_path in sorted((ROOT / "layouts").glob("*.yaml")):
            layout = load_layout(layout_path.stem, ROOT / "layouts", brand)
            times: dict[bool, list[float]] = {True: [], False: []}
            for _ in range(args.rounds + 1):  # the first round warms caches (fonts, shaping) and is dropped
                for tagged in (False, True):
                    options = RenderOptions(assets_dir=assets, booking_url=brand.booking_url(leaflet.id), tagged=tagged)
                    c0 = time.process_time()
                    render_leaflet(leaflet, brand, layout, labels, options)
                    times[tagged].append(time.process_time() - c0)
            plain, tagged_ms = (statistics.median(times[t][1:]) * 1000 for t in (False, True))
            totals[False] += plain
            totals[True] += tagged_ms
            print(f"{leaflet.id[:28]:28} {layout_path.stem:12} {plain:11.1f} {tagged_ms:10.1f} {100 * (tagged_ms / plain - 1):+6.1f}%")
    print(f"{'all':28} {'':12} {totals[False]:11.1f} {totals[True]:10.1f} {100 * (totals[True] / totals[False] - 1):+6.1f}%")
    stamping(args.rounds)
    return 0


def stamping(rounds: int, packs: int = 50) -> None:
    """Per-pack stamping CPU from a tagged and an untagged template (rounds of ``packs`` patients)."""
    import clinicpack.api as cp
    import clinicpack.render.pack as render_pack
    from clinicpack.api import patient_from_fields
    from clinicpack.qr import qr_matrix

    tagged_build = render_pack.build_pdf
    loaded = cp.load(ROOT, consent=True)
    patients = [patient_from_fields({"patient_ref": f"P{i:05d}", "name": "Ayesha Khan", "date_of_birth": "1990-07-01"})
                for i in range(packs)]
    print(f"\n{'consent pack':28} {'':12} {'untagged ms':>11} {'tagged ms':>10} {'extra':>7}   (per pack, stamping)")
    for leaflet in ("exosome-hair-loss", "exosome-hair-loss-ur"):
        times: dict[bool, list[float]] = {}
        for tagged in (False, True):
            render_pack.build_pdf = tagged_build if tagged else (lambda *a, **k: tagged_build(*a, **{**k, "structure": None}))
            try:
                template = cp.pack_template(loaded, leaflet)
            finally:
                render_pack.build_pdf = tagged_build
            stamper = template.stamping().stamper
            orders = [template.order(p) for p in patients]
            runs = []
            for _ in range(rounds + 1):
                c0 = time.process_time()
                for order in orders:
                    stamper.stamp(order.values, qr_matrix(order.url))
                runs.append((time.process_time() - c0) / packs)
            times[tagged] = runs[1:]
        plain, tagged_ms = (statistics.median(times[t]) * 1000 for t in (False, True))
        print(f"{leaflet[:28]:28} {'':12} {plain:11.2f} {tagged_ms:10.2f} {100 * (tagged_ms / plain - 1):+6.1f}%")


if __name__ == "__main__":
    sys.exit(main())
