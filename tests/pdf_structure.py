"""Reading a tagged PDF with tools no one here wrote: Poppler's ``pdfinfo -struct-text`` and
pikepdf (qpdf). Nothing here imports clinicpack: the PDF is judged as a reader sees it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pytest

PAINT = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do", "Tj", "TJ", "'", '"', "BI", "INLINE IMAGE"}


def require_pdfinfo() -> str:
    """Poppler's pdfinfo; under CI a missing tool fails the test (.ci/run installs it)."""
    tool = shutil.which("pdfinfo")
    if tool is None:
        message = "pdfinfo (Debian poppler-utils) is not installed"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs it")
        pytest.skip(message + ": apt-get install poppler-utils")
    return tool


@dataclass
class Element:
    role: str
    depth: int
    text: str = ""  # the element's own text lines, joined
    attrs: list[str] = field(default_factory=list)
    full: str = ""  # its own text and its descendants' (a paragraph's links and spans), in order

    @property
    def squeezed(self) -> str:
        """Text without white space: Poppler joins lines without the space a line break stands for."""
        return "".join(self.text.split())

    @property
    def squeezed_full(self) -> str:
        return "".join(self.full.split())


_ELEMENT = re.compile(r'^( *)([A-Za-z][A-Za-z0-9]*)(?: "[^"]*")?(?: \((?:block|inline)\))?(:)?$')


def struct_text(path: Path) -> list[Element]:
    """The structure tree as ``pdfinfo -struct-text`` prints it, element by element in order."""
    out = subprocess.run([require_pdfinfo(), "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout
    elements: list[Element] = []
    open_: list[Element] = []  # the element at each depth that lines of that indent belong to
    for line in out.splitlines():
        stripped = line.strip()
        depth = (len(line) - len(line.lstrip(" "))) // 2 - 1  # text and attributes: one level below their element
        if stripped.startswith('"') and elements:
            owner = open_[min(depth, len(open_) - 1)]
            owner.text += stripped[1:-1]
            for element in open_[: owner.depth + 1]:
                element.full += stripped[1:-1]
        elif stripped.startswith("/") and elements:
            open_[min(depth, len(open_) - 1)].attrs.append(stripped)
        elif m := _ELEMENT.match(line):
            elements.append(Element(m.group(2), len(m.group(1)) // 2))
            del open_[elements[-1].depth :]
            open_.append(elements[-1])
        elif stripped.startswith("Object "):
            continue
        elif stripped:
            raise AssertionError(f"unexpected pdfinfo line: {line!r}")
    return elements


def roles(elements: list[Element], *wanted: str) -> list[Element]:
    return [e for e in elements if e.role in wanted]


# ------------------------------------------------------------------ pikepdf


def _marked_content(content: pikepdf.Object, resources: pikepdf.Dictionary, container: object, stack: list, found: dict, loose: list) -> None:
    """Walk one content stream (a page's, or a Form XObject's that it draws): painting operators
    outside any tagged sequence or artifact go to ``loose``; each MCID's ActualText to ``found``
    under (``container``, mcid). A form drawn inside marked content inherits it."""
    xobjects = resources.get("/XObject", {}) if resources is not None else {}
    depth = len(stack)
    for instruction in pikepdf.parse_content_stream(content):
        op = str(instruction.operator)
        operands = getattr(instruction, "operands", [])
        if op == "BMC":
            stack.append((str(operands[0]), None))
        elif op == "BDC":
            props = operands[1] if isinstance(operands[1], pikepdf.Dictionary) else None
            stack.append((str(operands[0]), props))
            if props is not None and "/MCID" in props:
                found[(container, int(props.MCID))] = str(props.get("/ActualText", ""))
        elif op == "EMC":
            assert len(stack) > depth, "EMC without a marked-content sequence"
            stack.pop()
        elif op == "Do" and xobjects.get(str(operands[0]), {}).get("/Subtype") == "/Form":
            form = xobjects[str(operands[0])]
            _marked_content(form, form.get("/Resources"), ("form", form.objgen), stack, found, loose)
        elif op in PAINT:
            if not any(name == "/Artifact" or (props is not None and "/MCID" in props) for name, props in stack):
                loose.append(op)
    assert len(stack) == depth, "a marked-content sequence is not closed at the end of its stream"


@dataclass
class Tree:
    roles: list[tuple[int, str]]  # (depth, role) in reading order
    content_mcids: set[tuple[object, int]]  # (page index, or ("form", objgen) for a Form XObject, mcid) in the content
    tree_mcids: list[tuple[object, int]]  # ... referenced from structure elements
    actual_text: dict[tuple[object, int], str]
    loose_operators: dict[int, list[str]]  # page index -> painting operators outside marks
    elements: list[pikepdf.Dictionary]
    pdf: pikepdf.Pdf  # kept open while ``elements`` are read


def read_tree(path: Path) -> Tree:
    pdf = pikepdf.open(path)
    page_index = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
    actual: dict[tuple[int, int], str] = {}
    loose: dict[int, list[str]] = {}
    for i, page in enumerate(pdf.pages):
        bad: list[str] = []
        _marked_content(page.obj, page.obj.get("/Resources"), i, [], actual, bad)
        if bad:
            loose[i] = bad
    content = set(actual)
    found: list[tuple[int, str]] = []
    mcids: list[tuple[int, int]] = []
    elements: list[pikepdf.Dictionary] = []

    def walk(elem: pikepdf.Dictionary, depth: int) -> None:
        found.append((depth, str(elem.S)[1:]))
        elements.append(elem)
        kids = elem.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else ([] if kids is None else [kids])
        for kid in kids:
            if isinstance(kid, int):
                mcids.append((page_index[elem.Pg.objgen], int(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                where = ("form", kid.Stm.objgen) if "/Stm" in kid else page_index[kid.Pg.objgen]
                mcids.append((where, int(kid.MCID)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                continue
            else:
                assert kid.P.objgen == elem.objgen, "a structure element's /P is not its parent"
                walk(kid, depth + 1)

    root = pdf.Root.StructTreeRoot
    top = root.K
    walk(top if isinstance(top, pikepdf.Dictionary) else top[0], 0)
    return Tree(found, content, mcids, actual, loose, elements, pdf)
