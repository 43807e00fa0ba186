"""The shape the code keeps (issue 10's bar), checked so it cannot drift: small modules, and
ReportLab imported only by the renderer. (Function complexity is ruff's C901, in make lint.)"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "clinicpack"
MAX_LINES = 500


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_over_500_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"split these by job: {long}"
    assert len(modules()) > 20  # the walk found the package


def test_reportlab_is_imported_only_in_render() -> None:
    outside = []
    for path in modules():
        if "render" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "reportlab" or n.startswith("reportlab.") for n in names):
                outside.append(str(path.relative_to(PACKAGE)))
    assert outside == []


def test_every_dataclass_has_its_own_docstring() -> None:
    """A dataclass without one gets a docstring made by ``inspect.signature`` when its module is
    imported (~40 us a class, paid by every cold build), so each says in a line why it exists."""
    bare, seen = [], 0
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(_is_dataclass(d) for d in node.decorator_list):
                seen += 1
                if ast.get_docstring(node) is None:
                    bare.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert bare == []
    assert seen > 50  # the walk found them


def _is_dataclass(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else "") == "dataclass"
