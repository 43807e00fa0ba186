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

    @property
    def squeezed(self) -> str:
        """Text without white space: Poppler joins lines without the space a line break stands for."""
        return "".join(self.text.split())


_ELEMENT = re.compile(r'^( *)([A-Za-z][A-Za-z0-9]*)(?: "[^"]*")?(?: \((?:block|inline)\))?(:)?$')


def struct_text(path: Path) -> list[Element]:
    """The structure tree as ``pdfinfo -struct-text`` prints it, element by element in order."""
    out = subprocess.run([require_pdfinfo(), "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout
    elements: list[Element] = []
    for line in out.splitlines():
        stripped = line.strip()
        if stripped.startswith('"') and elements:
            elements[-1].text += stripped[1:-1]
        elif stripped.startswith("/") and elements:
            elements[-1].attrs.append(stripped)
        elif m := _ELEMENT.match(line):
            elements.append(Element(m.group(2), len(m.group(1)) // 2))
        elif stripped.startswith("Object "):
            continue
        elif stripped:
            raise AssertionError(f"unexpected pdfinfo line: {line!r}")
    return elements


def roles(elements: list[Element], *wanted: str) -> list[Element]:
    return [e for e in elements if e.role in wanted]


# ------------------------------------------------------------------ pikepdf


def _marked_content(page: pikepdf.Page) -> tuple[list[str], dict[int, str]]:
    """Painting operators outside any tagged sequence or artifact, and each MCID's ActualText."""
    stack: list[tuple[str, dict | None]] = []
    loose: list[str] = []
    actual: dict[int, str] = {}
    for instruction in pikepdf.parse_content_stream(page):
        op = str(instruction.operator)
        operands = getattr(instruction, "operands", [])
        if op == "BMC":
            stack.append((str(operands[0]), None))
        elif op == "BDC":
            props = operands[1] if isinstance(operands[1], pikepdf.Dictionary) else None
            stack.append((str(operands[0]), props))
            if props is not None and "/MCID" in props:
                actual[int(props.MCID)] = str(props.get("/ActualText", ""))
        elif op == "EMC":
            assert stack, "EMC without a marked-content sequence"
            stack.pop()
        elif op in PAINT:
            ok = any(name == "/Artifact" or (props is not None and "/MCID" in props) for name, props in stack)
            if not ok:
                loose.append(op)
    assert not stack, "a marked-content sequence is not closed at the end of the page"
    return loose, actual


@dataclass
class Tree:
    roles: list[tuple[int, str]]  # (depth, role) in reading order
    content_mcids: set[tuple[int, int]]  # (page index, mcid) found in the page streams
    tree_mcids: list[tuple[int, int]]  # ... referenced from structure elements
    actual_text: dict[tuple[int, int], str]
    loose_operators: dict[int, list[str]]  # page index -> painting operators outside marks
    elements: list[pikepdf.Dictionary]
    pdf: pikepdf.Pdf  # kept open while ``elements`` are read


def read_tree(path: Path) -> Tree:
    pdf = pikepdf.open(path)
    page_index = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
    content: set[tuple[int, int]] = set()
    actual: dict[tuple[int, int], str] = {}
    loose: dict[int, list[str]] = {}
    for i, page in enumerate(pdf.pages):
        bad, texts = _marked_content(page)
        if bad:
            loose[i] = bad
        for mcid, text in texts.items():
            content.add((i, mcid))
            actual[(i, mcid)] = text
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
                mcids.append((page_index[kid.Pg.objgen], int(kid.MCID)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                continue
            else:
                assert kid.P.objgen == elem.objgen, "a structure element's /P is not its parent"
                walk(kid, depth + 1)

    root = pdf.Root.StructTreeRoot
    top = root.K
    walk(top if isinstance(top, pikepdf.Dictionary) else top[0], 0)
    return Tree(found, content, mcids, actual, loose, elements, pdf)
