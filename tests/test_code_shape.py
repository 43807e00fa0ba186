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
