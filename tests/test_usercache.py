"""The user cache removes what nobody uses: entries unread for KEEP_DAYS, half-written files."""

from __future__ import annotations

import os
import time

import pytest

from clinicpack import usercache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "clinicpack"


def _age(path, days: float) -> None:
    then = time.time() - days * usercache.DAY
    os.utime(path, (then, then))


def test_a_value_written_is_read_back_and_a_rejected_one_is_not(cache):
    usercache.write("a.pickle", {"x": 1})
    assert usercache.read("a.pickle", lambda v: isinstance(v, dict)) == {"x": 1}
    assert usercache.read("a.pickle", lambda v: False) is None
    assert usercache.read("missing.pickle", lambda v: True) is None


def test_entries_unused_for_keep_days_go_and_used_ones_stay(cache):
    for name in ("old.pickle", "read-lately.pickle", "young.pickle"):
        usercache.write(name, name)
    _age(cache / "old.pickle", usercache.KEEP_DAYS + 1)
    _age(cache / "read-lately.pickle", usercache.KEEP_DAYS + 1)
    _age(cache / "young.pickle", usercache.KEEP_DAYS - 1)
    assert usercache.read("read-lately.pickle", lambda v: True) == "read-lately.pickle"  # marks it used
    assert time.time() - (cache / "read-lately.pickle").stat().st_mtime < 60
    (cache / usercache.PRUNED).unlink()  # the last pruning was long ago
    usercache.write("new.pickle", 1)
    assert sorted(p.name for p in cache.iterdir() if not p.name.startswith(".")) == ["new.pickle", "read-lately.pickle", "young.pickle"]


def test_a_half_written_file_older_than_an_hour_goes_a_fresh_one_stays(cache):
    usercache.write("a.pickle", 1)
    stale, fresh = cache / f"{usercache.PARTIAL}stale", cache / f"{usercache.PARTIAL}fresh"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    _age(stale, 2 / 24)
    (cache / usercache.PRUNED).unlink()
    usercache.write("b.pickle", 2)
    assert not stale.exists() and fresh.exists()


def test_pruning_runs_at_most_once_a_day(cache):
    usercache.write("a.pickle", 1)  # first write: prunes (nothing to do) and stamps the time
    _age(cache / "a.pickle", usercache.KEEP_DAYS + 1)
    usercache.write("b.pickle", 2)  # pruned less than a day ago: not again
    assert (cache / "a.pickle").exists()
    _age(cache / usercache.PRUNED, 1.5)
    usercache.write("c.pickle", 3)
    assert not (cache / "a.pickle").exists()


def test_only_regular_files_of_the_folder_are_removed(cache, tmp_path):
    usercache.write("a.pickle", 1)
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    _age(outside, usercache.KEEP_DAYS + 5)
    (cache / "link.pickle").symlink_to(outside)
    sub = cache / "folder"
    sub.mkdir()
    _age(sub, usercache.KEEP_DAYS + 5)
    usercache.prune(cache, now=time.time() + 2 * usercache.DAY)
    assert outside.read_text() == "keep me" and sub.is_dir()


def test_a_folder_that_cannot_be_made_is_no_error(tmp_path, monkeypatch):
    """(Permissions do not stop root, which runs CI: a file where the folder should be does.)"""
    (tmp_path / "clinicpack").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    usercache.write("a.pickle", 1)  # cannot write, so cannot prune either: quietly nothing
    usercache.prune(tmp_path / "clinicpack", now=time.time() + 2 * usercache.DAY)
    assert usercache.read("a.pickle", lambda v: True) is None
    assert (tmp_path / "clinicpack").read_text() == "not a folder"


def test_an_install_is_told_apart_by_its_files_without_importing_it(tmp_path, monkeypatch):
    """usercache.installed: what every cache entry names its library by (qrcode, pyphen, PyYAML...)."""
    import sys

    package = tmp_path / "fakepkg"
    package.mkdir()
    (package / "__init__.py").write_text("raise ImportError('never imported')\n")
    (package / "core.py").write_text("x = 1\n")
    ours = tmp_path / "ours.py"
    ours.write_text("y = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = usercache.installed("fakepkg", ("__init__.py", "core.py"), also=[ours])
    assert first is not None and first == usercache.installed("fakepkg", ("__init__.py", "core.py"), also=[ours])
    assert "fakepkg" not in sys.modules
    os.utime(package / "core.py", ns=(1, 1))  # reinstalled, another version
    second = usercache.installed("fakepkg", ("__init__.py", "core.py"), also=[ours])
    os.utime(ours, ns=(1, 1))  # our own module edited
    assert len({first, second, usercache.installed("fakepkg", ("__init__.py", "core.py"), also=[ours])}) == 3
    assert usercache.installed("fakepkg", ("missing.py",)) is None
    assert usercache.installed("no_such_package_here") is None
