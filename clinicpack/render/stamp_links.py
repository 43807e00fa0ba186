"""The stamped booking link in a tagged pack's structure tree.

Why here: the template is laid out once, but the link's annotation exists only per patient
(its address carries the patient's reference). The template already holds the link's ``Link``
element, with the marked-content id its stamped text takes (``tag_reserve``); per patient this
adds each annotation (one per line of the link) to that element as an ``/OBJR``, gives the
annotation its ``/StructParent`` key, and appends the key to the parent tree. That rewrites
two small objects per pack: the element and the structure tree root.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .forms import SlotPosition

# a Link element as tagging._element writes a reserved one: its only kid the stamped text's MCID
_LINK = re.compile(rb"<</S/Link/P \d+ 0 R(/K ?\[?(\d+)\]?)/Pg (\d+) 0 R")
_NEXT_KEY = re.compile(rb"\s*\]\s*>>\s*/ParentTreeNextKey (\d+)")


class StampedLinks:
    """Finds, once per template, the elements and parent tree the stamped links join."""

    def __init__(self, bodies: list[bytes], root: int, pages: list[int], slots: Iterable[SlotPosition]) -> None:
        self.bodies = bodies
        self.elements: dict[tuple[int, int], int] = {}  # (template page, MCID) -> its Link element's object
        self.tree: tuple[int, bytes, bytes, int] | None = None  # root object, body up to the new entries, after, next key
        m = re.search(rb"/StructTreeRoot (\d+) 0 R", bodies[root])
        wanted = {(pages[s.page - 1], s.mcid): (s.page, s.mcid) for s in slots if s.mcid is not None}
        if m is None or not wanted:
            return  # an untagged template: links are stamped as plain annotations
        number = int(m.group(1))
        tail = _NEXT_KEY.search(bodies[number])
        self.tree = (number, bodies[number][: tail.start()], bodies[number][tail.end() :], int(tail.group(1)))
        for n, body in enumerate(bodies):
            if body.startswith(b"<</S/Link/P ") and (link := _LINK.match(body)):
                key = (int(link.group(3)), int(link.group(2)))
                if key in wanted:
                    self.elements[wanted[key]] = n

    def for_pack(self) -> PackLinks:
        return PackLinks(self)


class PackLinks:
    """One pack's stamped annotations, collected while its pages are stamped."""

    def __init__(self, found: StampedLinks) -> None:
        self.found = found
        self.next_key = found.tree[3] if found.tree is not None else 0
        self.entries: list[str] = []  # "key element" pairs for the parent tree
        self.objrs: dict[int, list[str]] = {}  # Link element -> its annotations' OBJR dictionaries

    def annotation(self, slot: SlotPosition, number: int) -> int | None:
        """The ``/StructParent`` key of annotation object ``number`` made for ``slot`` (None: untagged)."""
        element = self.found.elements.get((slot.page, slot.mcid)) if slot.mcid is not None else None
        if element is None:
            return None
        key = self.next_key
        self.next_key += 1
        self.entries.append(f"{key} {element} 0 R")
        self.objrs.setdefault(element, []).append(f"<</Type/OBJR/Obj {number} 0 R>>")
        return key

    def objects(self) -> dict[int, bytes]:
        """The rewritten Link elements and structure tree root (object number -> body)."""
        if not self.entries:
            return {}
        bodies = self.found.bodies
        out: dict[int, bytes] = {}
        for element, objrs in self.objrs.items():
            body = bodies[element]
            m = _LINK.match(body)
            out[element] = body[: m.start(1)] + f"/K[{m.group(2).decode()} {' '.join(objrs)}]".encode() + body[m.end(1) :]
        number, head, tail, _ = self.found.tree
        out[number] = head + (" " + " ".join(self.entries)).encode() + f" ] >> /ParentTreeNextKey {self.next_key}".encode() + tail
        return out
