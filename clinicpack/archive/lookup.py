"""Finding things in the archive by what a person has in hand: a record number from
``history``, or the fingerprint printed on a consent form (whole, a prefix, or the whole code
line "exosome-hair-loss v1.0 (3f2a9c81d0e4)")."""

from __future__ import annotations

import datetime as dt
import re

from .store import ArchiveError, PrintRecord, Query, Snapshot, Store

MIN_PREFIX = 6
_CODE = re.compile(r"\(([0-9a-fA-F]{6,64})\)\s*$")


def parse_reference(text: str) -> tuple[str, str]:
    """("record", "12") or ("fingerprint", "3f2a9c81d0e4")."""
    text = text.strip()
    found = _CODE.search(text)
    if found:
        return "fingerprint", found.group(1).lower()
    bare = text.lstrip("#")
    if bare.isdigit() and len(bare) < 10:
        return "record", bare
    if re.fullmatch(f"[0-9a-fA-F]{{{MIN_PREFIX},64}}", text):
        return "fingerprint", text.lower()
    raise ArchiveError(f'"{text}" is neither a record number (from build_pack.py history) nor a fingerprint '
                       "(the 12 letters and digits after the version on a consent form)")


def record(store: Store, number: str) -> PrintRecord:
    found = store.print_record(int(number))
    if found is None or found.state != "written":
        newest = store.prints(Query(limit=1))
        hint = f"the newest is {newest[0].id}" if newest else "the archive has no records yet"
        raise ArchiveError(f"there is no print record {number} in {store.location} ({hint}; build_pack.py history lists them)")
    return found


def snapshots_for(store: Store, fingerprint: str) -> list[Snapshot]:
    """Snapshots whose leaflet fingerprint is ``fingerprint`` (or starts with it), oldest first;
    a clear error naming what the archive does hold when there are none."""
    exact = store.snapshots(fingerprint=fingerprint)
    if exact:
        return exact
    candidates = [s for s in all_snapshots(store) if s.fingerprint.startswith(fingerprint)]
    if len({s.fingerprint for s in candidates}) == 1:
        return candidates
    if candidates:
        raise ArchiveError(f'fingerprint "{fingerprint}" matches several leaflets ({", ".join(sorted({s.fingerprint for s in candidates}))}); '
                           "give more of it")
    raise ArchiveError(f'fingerprint "{fingerprint}" is not in the archive {store.location}; {known_summary(store)}')


def all_snapshots(store: Store) -> list[Snapshot]:
    return store.snapshots()


def versions(store: Store, leaflet_id: str) -> list[Snapshot]:
    """One snapshot per distinct leaflet text of ``leaflet_id`` (its first), oldest first."""
    seen: dict[str, Snapshot] = {}
    for snap in store.snapshots(leaflet_id=leaflet_id):
        seen.setdefault(snap.fingerprint, snap)
    return list(seen.values())


def known_summary(store: Store, leaflet_id: str | None = None) -> str:
    """What the archive holds, for error messages: versions of one leaflet, or every leaflet id."""
    if leaflet_id:
        found = versions(store, leaflet_id)
        if found:
            listed = ", ".join(f"version {s.version} = {s.fingerprint} (first built {s.first_seen[:10]})" for s in found)
            return f'archived for "{leaflet_id}": {listed}'
    ids: dict[str, list[str]] = {}
    for snap in all_snapshots(store):
        ids.setdefault(snap.leaflet_id, [])
        if snap.fingerprint not in ids[snap.leaflet_id]:
            ids[snap.leaflet_id].append(snap.fingerprint)
    if not ids:
        return "the archive is empty (leaflets are archived when they are built)"
    listed = "; ".join(f"{i}: {', '.join(fps)}" for i, fps in sorted(ids.items()))
    prefix = f'nothing is archived for "{leaflet_id}"; ' if leaflet_id else ""
    return f"{prefix}archived fingerprints: {listed}"


def first_printed(store: Store, fingerprint: str, fallback: Snapshot) -> dt.date:
    """The day a leaflet text was first printed (the oldest record), else first archived."""
    records = [r for r in store.prints(Query()) if r.fingerprint == fingerprint and r.reprint_of is None]
    stamp = min((r.printed_at for r in records), default=fallback.first_seen)
    return dt.date.fromisoformat(stamp[:10])
