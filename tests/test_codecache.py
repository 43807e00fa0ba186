"""clinicpack.codecache.dataclass makes the same classes as dataclasses.dataclass, and a later
process takes their methods' code from the user cache instead of compiling it again."""

from __future__ import annotations

import dataclasses
import marshal
import os
import pickle
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from clinicpack import codecache, usercache

ROOT = Path(__file__).resolve().parent.parent

DEFINITIONS = textwrap.dedent('''
    from __future__ import annotations
    from dataclasses import field, InitVar

    @dataclass(frozen=True)
    class Point:
        """A frozen record with defaults and a factory."""
        x: int
        y: float = 0.5
        tags: tuple[str, ...] = ()
        notes: list[str] = field(default_factory=list, compare=False, repr=False)

    @dataclass
    class Mutable:
        name: str
        count: int = 0
        scale: InitVar[float] = 1.0

        def __post_init__(self, scale):
            self.count = int(self.count * scale)

    @dataclass(frozen=True)
    class Child(Point):
        z: int = 3

    @dataclass(order=True, kw_only=True)
    class Ordered:
        a: int
        b: str = "b"
''')


def _classes(decorator) -> dict:  # noqa: ANN001 - dataclasses.dataclass or codecache.dataclass
    """The sample classes, defined in a module of their own (dataclasses looks the module up)."""
    module = types.ModuleType("codecache_sample")
    module.dataclass = decorator  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        exec(compile(DEFINITIONS, "<sample>", "exec"), module.__dict__)  # noqa: S102 - our own fixed source
    finally:
        del sys.modules[module.__name__]
    return module.__dict__


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(codecache, "_stored", None)
    monkeypatch.setattr(codecache, "_codes", {})
    monkeypatch.setattr(codecache, "_added", set())
    return tmp_path / "clinicpack" / codecache.NAME


def test_the_classes_behave_as_the_standard_librarys(cache):
    ours, theirs = _classes(codecache.dataclass), _classes(dataclasses.dataclass)
    for name in ("Point", "Mutable", "Child", "Ordered"):
        a, b = ours[name], theirs[name]
        assert dataclasses.is_dataclass(a)
        assert [(f.name, f.type, f.default, f.compare, f.repr, f.kw_only) for f in dataclasses.fields(a)] == \
            [(f.name, f.type, f.default, f.compare, f.repr, f.kw_only) for f in dataclasses.fields(b)]
        for method in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__lt__"):
            fa, fb = getattr(a, method, None), getattr(b, method, None)
            code_a, code_b = getattr(fa, "__code__", None), getattr(fb, "__code__", None)
            assert (code_a is None) == (code_b is None), (name, method)
            if code_a is not None:  # the very same compiled code: same instructions, constants, names, annotations
                assert (code_a.co_code, code_a.co_consts, code_a.co_names, code_a.co_varnames, code_a.co_flags) == \
                       (code_b.co_code, code_b.co_consts, code_b.co_names, code_b.co_varnames, code_b.co_flags), (name, method)
                assert fa.__annotations__ == fb.__annotations__
        assert a.__doc__.replace(a.__qualname__, "") == b.__doc__.replace(b.__qualname__, "")
        assert getattr(a, "__match_args__", None) == getattr(b, "__match_args__", None)
    p = ours["Point"](1, tags=("a",))
    assert p == ours["Point"](1, 0.5, ("a",), ["ignored in =="]) and hash(p) == hash(ours["Point"](1, tags=("a",)))
    assert repr(p) == "Point(x=1, y=0.5, tags=('a',))"
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 2  # type: ignore[misc]
    assert dataclasses.replace(p, y=2.0).y == 2.0 and p.notes == [] and p.notes is not ours["Point"](1).notes
    assert ours["Mutable"]("m", 4, 0.5).count == 2
    assert ours["Child"](1).z == 3 and ours["Ordered"](a=1) < ours["Ordered"](a=2)
    assert not hasattr(dataclasses, "exec")  # the stand-in is gone once a class is made


def test_a_bad_definition_raises_as_usual_and_leaves_nothing_behind(cache):
    class Bad:
        __annotations__ = {"a": "int", "b": "int"}
        a = 1  # a field without a default after one with a default

    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
        codecache.dataclass(Bad)
    assert not hasattr(dataclasses, "exec")


def test_code_compiled_once_is_read_back_and_not_compiled_again(cache, monkeypatch):
    _classes(codecache.dataclass)
    assert codecache._added and not cache.exists()
    codecache.save()  # what the process does at exit
    assert cache.is_file() and not codecache._added
    monkeypatch.setattr(codecache, "_stored", None)  # as a new process
    monkeypatch.setattr(codecache, "_codes", {})

    def no_compiling(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("compiled although the code was cached")

    monkeypatch.setattr(codecache, "compile", no_compiling, raising=False)
    made = _classes(codecache.dataclass)
    assert made["Point"](2) == made["Point"](2) and not codecache._added


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps(b"bytes, not a table"), pickle.dumps({"a": 1}),
                                     pickle.dumps({"x": b"\xe3garbage"}), pickle.dumps({1: b""})])
def test_a_damaged_cache_means_compiling_as_usual(cache, content):
    cache.parent.mkdir(parents=True)
    cache.write_bytes(content)
    made = _classes(codecache.dataclass)
    assert made["Point"](1).y == 0.5 and codecache._added
    codecache.save()  # replaced by a good table
    table = codecache._entries(usercache.read(codecache.NAME, lambda v: isinstance(v, dict)))
    assert all(isinstance(marshal.loads(table[source]), types.CodeType) for source in codecache._codes)


def test_a_cold_build_compiles_no_dataclass_code_the_second_time(tmp_path):
    """In real processes: the first import of the builder fills the cache, the second uses it."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    probe = "import clinicpack.build, clinicpack.codecache as c; print(len(c._codes), len(c._added))"
    first = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    table, added = map(int, first.stdout.split())
    assert table > 50 and added == table  # everything compiled, then saved at exit
    table2, added2 = map(int, second.stdout.split())
    assert table2 == table and added2 == 0
