"""The booking link's QR matrix kept in the user cache: read back, it is the symbol qrcode makes;
a damaged, foreign or missing entry, or a cache that cannot be written, means the link is
encoded afresh; a patient's own link is never written there; a warm cold build imports no qrcode
and its code still scans."""

from __future__ import annotations

import pickle
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, decode_qr, make_project, render_page
from hypothesis import given, settings
from hypothesis import strategies as st
from test_qr_and_patients import reference

from clinicpack import qr

LINKS = ["https://clinic.example/book?t=prp-hair-loss", "https://a.example/" + "x" * 150, "https://k.example/é?x=ü ✓"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    qr.booking_matrix.cache_clear()
    yield tmp_path / "cache" / "clinicpack"
    qr.booking_matrix.cache_clear()


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("qr-*.pickle")) if cache.exists() else []


def read_back(url: str) -> qr.QrMatrix:
    """``booking_matrix`` as a new process sees it: nothing remembered in memory."""
    qr.booking_matrix.cache_clear()
    return qr.booking_matrix(url)


def test_a_cached_matrix_is_the_symbol_qrcode_makes(cache: Path) -> None:
    for url in LINKS:
        first = read_back(url)  # encoded and stored
        again = read_back(url)  # read from the entry
        assert again is not first and again == first == qr.qr_matrix(url)
        assert again.modules == reference(url)
    assert len(entries(cache)) == len(LINKS)
    assert len({qr.qr_matrix(u).size for u in LINKS}) >= 2  # codes of more than one version


@settings(max_examples=25, deadline=None)
@given(path=st.text(alphabet=string.ascii_letters + string.digits + "-/?=&", min_size=1, max_size=120))
def test_any_link_reads_back_as_qrcode_encodes_it(tmp_path_factory: pytest.TempPathFactory, path: str) -> None:
    url = f"https://clinic.example/{path}"
    folder = tmp_path_factory.mktemp("c")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder))
        read_back(url)
        assert read_back(url).modules == reference(url)
    qr.booking_matrix.cache_clear()


def test_the_entry_name_does_not_show_the_link(cache: Path) -> None:
    read_back(LINKS[0])
    (entry,) = entries(cache)
    assert "clinic" not in entry.name and "prp" not in entry.name


def _damages(entry: Path, url: str) -> list[bytes]:
    """Ways an entry can be wrong: not a pickle, cut short, another link's entry, a flipped
    module (the digest no longer matches), rows of the wrong size, another kind of value."""
    stored_url, rows, digest = pickle.loads(entry.read_bytes())
    flipped = (rows[0] ^ 1, *rows[1:])
    return [
        b"not a pickle",
        entry.read_bytes()[:40],
        pickle.dumps(("https://evil.example/", rows, qr._entry_digest("https://evil.example/", rows))),
        pickle.dumps((url, flipped, digest)),
        pickle.dumps((url, rows[:-1], qr._entry_digest(url, rows[:-1]))),
        pickle.dumps((url, tuple(str(r) for r in rows), digest)),
        pickle.dumps([url, rows, digest]),
        pickle.dumps(None),
    ]


def test_a_damaged_or_foreign_entry_is_encoded_afresh_and_replaced(cache: Path) -> None:
    url = LINKS[0]
    read_back(url)
    (entry,) = entries(cache)
    good = entry.read_bytes()
    for damage in _damages(entry, url):
        entry.write_bytes(damage)
        assert read_back(url).modules == reference(url)
        assert entry.read_bytes() == good  # the fresh matrix was stored again


def test_no_cache_folder_and_an_unwritable_one_only_cost_time(cache: Path) -> None:
    url = LINKS[1]
    assert read_back(url).modules == reference(url)  # missing: encoded, folder made
    shutil.rmtree(cache)
    cache.parent.mkdir(exist_ok=True)
    cache.write_text("a file where the folder should be")
    assert read_back(url).modules == reference(url)
    assert read_back(url).modules == reference(url)


def test_without_qrcode_installed_there_is_no_entry(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qr.usercache.importlib.util, "find_spec", lambda name: None)  # qrcode is not installed
    assert read_back(LINKS[0]).modules == reference(LINKS[0])
    assert entries(cache) == []


def _cold_build(root: Path, out: Path, cache: Path, *args: str) -> list[str]:
    """One build in a new process; which of qrcode, Pillow's drawing code and lxml it imported."""
    code = (
        "import sys; from clinicpack.cli import main; "
        f"code = main(['--project', {str(root)!r}, '--out', {str(out)!r}, '-q', *{list(args)!r}]); "
        "print(code, *sorted(m for m in ('qrcode', 'PIL.ImageDraw', 'lxml') if m in sys.modules))"
    )
    env = {"XDG_CACHE_HOME": str(cache.parent), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_a_warm_cold_build_imports_no_qrcode_and_its_code_scans(cache: Path, tmp_path: Path) -> None:
    """(lxml comes with svglib, which converts the logo on the first build only: the check of
    the SVG's references reads it with expat, see test_svg_reading.py.)"""
    root = make_project(tmp_path, copy_shipped=True)
    first, second = tmp_path / "first", tmp_path / "second"
    assert _cold_build(root, first, cache, "--force", "prp-hair-loss") == ["0", "PIL.ImageDraw", "lxml", "qrcode"]
    assert len(entries(cache)) == 1
    assert _cold_build(root, second, cache, "--force", "prp-hair-loss") == ["0"]
    pdf = (second / "prp-hair-loss.pdf").read_bytes()
    assert pdf == (first / "prp-hair-loss.pdf").read_bytes()
    assert decode_qr(render_page(second / "prp-hair-loss.pdf", 0)) == ["https://clinic.example/book?t=prp-hair-loss"]


def test_a_patients_link_is_never_written_to_the_cache(cache: Path, tmp_path: Path) -> None:
    root = make_project(tmp_path, copy_shipped=True)
    day = tmp_path / "day.csv"
    day.write_text("patient_ref,name,date_of_birth,appointment_date\nQ7731,Ayesha Khan,1980-01-02,2026-12-03\n")
    out = tmp_path / "out"
    assert _cold_build(root, out, cache, "--pack", "consent", "--patients", str(day), "prp-hair-loss")[0] == "0"
    stored = [pickle.loads(entry.read_bytes())[0] for entry in entries(cache)]
    assert stored == ["https://clinic.example/book?t=prp-hair-loss"]  # the leaflet's, not the patient's
    assert not any(b"Q7731" in entry.read_bytes() for entry in cache.iterdir())


def test_another_qrcode_install_or_encoder_is_another_entry(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry is read back only by the same qrcode and the same mask choice that made it."""
    first = qr._entry_name(LINKS[0])
    assert first is not None and first == qr._entry_name(LINKS[0]) != qr._entry_name(LINKS[1])
    own = qr.__file__
    monkeypatch.setattr(qr, "__file__", qr.usercache.__file__)  # an edited qr.py: another size and time
    assert qr._entry_name(LINKS[0]) != first
    monkeypatch.setattr(qr, "__file__", own)
    assert qr._entry_name(LINKS[0]) == first
    monkeypatch.setattr(qr, "_ENCODER", ("main.py", "util.py", "__init__.py"))  # other files: other sizes and times
    assert qr._entry_name(LINKS[0]) != first
    monkeypatch.setattr(qr, "_ENCODER", ("main.py", "util.py", "no-such-file.py"))
    assert qr._entry_name(LINKS[0]) is None and read_back(LINKS[0]).modules == reference(LINKS[0])


def test_a_blank_consent_pack_with_a_warm_cache_imports_no_qrcode_and_scans(cache: Path, tmp_path: Path) -> None:
    """A blank pack's code is the leaflet's own link (no patient): read from the cache like the leaflet's."""
    root = make_project(tmp_path, copy_shipped=True)
    first, second = tmp_path / "first", tmp_path / "second"
    assert _cold_build(root, first, cache, "--pack", "consent", "prp-hair-loss")[:1] == ["0"]
    warm = _cold_build(root, second, cache, "--pack", "consent", "prp-hair-loss")  # (fontTools' subsetter brings lxml)
    assert warm[0] == "0" and "qrcode" not in warm and "PIL.ImageDraw" not in warm
    pdf = second / "prp-hair-loss-consent.pdf"
    assert pdf.read_bytes() == (first / "prp-hair-loss-consent.pdf").read_bytes()
    assert decode_qr(render_page(pdf, 0)) == ["https://clinic.example/book?t=prp-hair-loss"]
