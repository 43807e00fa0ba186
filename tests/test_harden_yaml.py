"""YAML bombs: every YAML file the builder reads refuses aliases and absurd nesting at once,
as one ``file:line: error:`` line, instead of expanding them (a "billion laughs" file grew past
3 GB and never finished)."""

from __future__ import annotations

import signal
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import files_under, make_project, run
from test_errors import GOOD

BOMB = """lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
lol1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]
lol2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]
lol3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]
lol4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]
lol5: &a5 [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]
lol6: &a6 [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]
lol7: &a7 [*a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6]
lol8: &a8 [*a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7]
"""


@contextmanager
def deadline(seconds: int):
    """Fail (instead of hanging the suite) if the build does not return in time."""

    def stop(*_):
        raise TimeoutError(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _append(path: Path, text: str) -> int:
    """Append ``text`` to a YAML file; return the file line where its second line lands."""
    old = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    path.write_text(old + text, encoding="utf-8")
    return old.count("\n") + 2


def _front_matter(root: Path) -> tuple[Path, int]:
    path = root / "leaflets" / "good.md"
    head, body = GOOD.split("---\n", 2)[1:]
    path.write_text("---\n" + head + BOMB + "---\n" + body, encoding="utf-8")
    return path, 1 + head.count("\n") + 2


WHERE = {
    "front matter": _front_matter,
    "brand": lambda root: (root / "assets" / "brand.yaml", _append(root / "assets" / "brand.yaml", BOMB)),
    "layout": lambda root: (root / "layouts" / "default.yaml", _append(root / "layouts" / "default.yaml", BOMB)),
    "labels": lambda root: (root / "assets" / "labels" / "en.yaml", _append(root / "assets" / "labels" / "en.yaml", BOMB)),
    "claims": lambda root: (root / "assets" / "claims.yaml", _append(root / "assets" / "claims.yaml", BOMB)),
}


@pytest.mark.parametrize("where", sorted(WHERE))
def test_alias_bomb_is_refused_at_once(tmp_path, capsys, where):
    root = make_project(tmp_path, {"good.md": GOOD})
    path, line = WHERE[where](root)
    with deadline(20):
        code, out, err = run(root, "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 1
    first = err.splitlines()[0]
    assert first == f"{path}:{line}: error: YAML aliases (*a0) are not allowed here; write the value out in full", err
    assert files_under(tmp_path / "out") == []


def test_merge_key_is_an_alias_too(tmp_path, capsys):
    root = make_project(tmp_path, {"good.md": GOOD})
    brand = root / "assets" / "brand.yaml"
    line = _append(brand, "base: &base\n  x: 1\nother:\n  <<: *base\n") + 2
    code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1
    assert f"brand.yaml:{line}: error: YAML aliases (*base) are not allowed here" in err


@pytest.mark.parametrize("text", ["x: " + "[" * 100_000, "x:\n" + "".join("  " * i + "y:\n" for i in range(1, 3000))])
def test_absurd_nesting_is_one_line(tmp_path, capsys, text):
    root = make_project(tmp_path, {"good.md": GOOD})
    (root / "layouts" / "default.yaml").write_text(text, encoding="utf-8")
    with deadline(20):
        code, _, err = run(root, "--check", capsys=capsys)
    assert code == 1
    assert "default.yaml:" in err and "error: nested more than 50 levels deep; flatten the structure" in err
    assert "Traceback" not in err and len(err.splitlines()) == 2
