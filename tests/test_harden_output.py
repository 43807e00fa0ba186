"""Output folder faults: a full disk or a read-only folder is one line naming the folder and the
cause, exit 1, and the folder is left as it was (a leaflet build writes all or nothing; a
patient batch keeps only complete packs and says how many). Two batches writing into one folder
at once both finish. Faults are simulated (os.fsync / tempfile.mkstemp failing as the kernel
would) and also produced for real on a small tmpfs mounted for the test (we run as root)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pypdf
import pytest
from helpers import FIXTURES, ROOT, make_project, run

from clinicpack import writer

LEAFLET = (FIXTURES / "consent" / "test-consent.md").read_text(encoding="utf-8")
HEADER = "patient_ref,name,date_of_birth\n"
FULL = "cannot write in the output folder: the disk is full (free some space, or choose another folder with --out)"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} if folder.exists() else {}


def patients(tmp: Path, n: int, prefix: str = "P") -> Path:
    day = tmp / f"day-{prefix}.csv"
    day.write_text(HEADER + "".join(f"{prefix}{i:04d},Patient Number{i},1980-01-01\n" for i in range(1, n + 1)), encoding="utf-8")
    return day


def fail_on_call(monkeypatch, name: str, number: int, error: int, module=os) -> dict:
    """Make ``module.name`` fail with ``error`` from its ``number``-th call on."""
    real = getattr(module, name)
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] >= number:
            raise OSError(error, os.strerror(error))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, failing)
    return calls


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = make_project(tmp_path_factory.mktemp("out"), {"test-consent.md": LEAFLET}, copy_shipped=True)
    return root


def edit_every_leaflet(root: Path) -> None:
    for path in (root / "leaflets").glob("*.md"):
        path.write_text(path.read_text(encoding="utf-8").replace("\n## ", "\nOne more line.\n\n## ", 1), encoding="utf-8")


@pytest.mark.parametrize("fault_at", [1, 2, 3])
def test_full_disk_in_a_multi_leaflet_build_writes_nothing(project, tmp_path, capsys, monkeypatch, fault_at):
    out = tmp_path / "out"
    assert run(project, "--out", str(out), "-q", "exosome-hair-loss", "prp-hair-loss")[0] == 0
    before = snapshot(out)
    root = make_project(tmp_path / "edited", {"test-consent.md": LEAFLET}, copy_shipped=True)
    edit_every_leaflet(root)
    fail_on_call(monkeypatch, "fsync", fault_at, errno.ENOSPC)
    code, stdout, err = run(root, "--out", str(out), "exosome-hair-loss", "prp-hair-loss", capsys=capsys)
    assert code == 1
    assert err.splitlines() == [f"{out}: error: {FULL}", "nothing was written"]
    assert "wrote" not in stdout
    assert snapshot(out) == before


def test_full_disk_in_a_new_output_folder_leaves_no_folder(project, tmp_path, capsys, monkeypatch):
    fail_on_call(monkeypatch, "fsync", 2, errno.ENOSPC)
    code, _, err = run(project, "--out", str(tmp_path / "new" / "out"), "exosome-hair-loss", "prp-hair-loss", capsys=capsys)
    assert code == 1 and err.splitlines()[0] == f"{tmp_path / 'new' / 'out'}: error: {FULL}"
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("error, cause", [
    (errno.EACCES, "permission denied (the folder is read-only for you) (check its permissions, or choose another folder with --out)"),
    (errno.EROFS, "it is on a read-only disk (choose another folder with --out)"),
])
def test_read_only_output_folder(project, tmp_path, capsys, monkeypatch, error, cause):
    out = tmp_path / "out"
    out.mkdir()
    fail_on_call(monkeypatch, "mkstemp", 1, error, module=tempfile)
    code, _, err = run(project, "--out", str(out), "prp-hair-loss", capsys=capsys)
    assert code == 1
    assert err.splitlines() == [f"{out}: error: cannot write in the output folder: {cause}", "nothing was written"]
    assert snapshot(out) == {}


def test_output_folder_that_is_a_file(project, tmp_path, capsys):
    (tmp_path / "out").write_text("not a folder")
    code, _, err = run(project, "--out", str(tmp_path / "out"), "prp-hair-loss", capsys=capsys)
    assert code == 1 and "error: cannot write in the output folder: a file stands where a folder should be" in err
    assert (tmp_path / "out").read_text() == "not a folder"


def test_full_disk_in_a_batch_keeps_the_complete_packs_and_counts_them(project, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    # the fault where the kernel reports it: the fourth pack's fsync
    fail_on_call(monkeypatch, "fsync", 7, errno.ENOSPC)  # each pack: file + folder
    code, _, err = run(project, "test-consent", "--pack", "consent", "--patients", str(patients(tmp_path, 8)), "--out", str(out),
                       capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        f"{out / 'test-consent'}: error: {FULL}",
        "3 complete pack(s) were written before the fault and kept (3 for test-consent); no partial file was left; "
        "run the batch again once the folder can take files",
    ]
    files = sorted(p.name for p in (out / "test-consent").iterdir())
    assert files == ["P0001.pdf", "P0002.pdf", "P0003.pdf"]
    for name in files:
        assert len(pypdf.PdfReader(out / "test-consent" / name).pages) > 5


def test_each_pack_is_fsynced_as_it_is_written(project, tmp_path, monkeypatch):
    synced: list[str] = []
    real = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    out = tmp_path / "out"
    assert run(project, "test-consent", "--pack", "consent", "--patients", str(patients(tmp_path, 3)), "--out", str(out), "-q")[0] == 0
    folder = str((out / "test-consent").resolve())
    # per pack: its temporary file, then the folder after the rename (so the rename itself is on disk)
    assert [Path(p).name.startswith(".partial-") for p in synced] == [True, False] * 3
    assert synced[1::2] == [folder] * 3


def test_a_second_batch_does_not_delete_the_first_batchs_files(project, tmp_path, monkeypatch):
    """Batch B starts while batch A has a pack half-way (written, not yet renamed): B's clean-up
    of files left by killed runs must leave A's alone, and both batches finish."""
    out = tmp_path / "out"
    day_a, day_b = patients(tmp_path, 3, "A"), patients(tmp_path, 3, "B")
    real_chmod = os.chmod
    state = {"inside": False, "b": None}

    def chmod(path, mode, *args, **kwargs):
        if not state["inside"] and state["b"] is None and ".partial-" in str(path):
            state["inside"] = True
            state["b"] = run(project, "test-consent", "--pack", "consent", "--patients", str(day_b), "--out", str(out), "-q")[0]
            state["inside"] = False
        return real_chmod(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "chmod", chmod)
    code_a = run(project, "test-consent", "--pack", "consent", "--patients", str(day_a), "--out", str(out), "-q")[0]
    assert (code_a, state["b"]) == (0, 0)
    files = sorted(p.name for p in (out / "test-consent").iterdir())
    assert files == ["A0001.pdf", "A0002.pdf", "A0003.pdf", "B0001.pdf", "B0002.pdf", "B0003.pdf"]


def test_stale_partials_of_dead_processes_go_and_live_ones_stay(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        names = [f".partial-{dead}-x.pdf", f".partial-{live.pid}-y.pdf", f".partial-{os.getpid()}-z.pdf", ".partial-old.pdf"]
        for name in names:
            (tmp_path / name).write_bytes(b"%PDF-half")
        writer.remove_stale_partials(tmp_path)
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:3])
    finally:
        live.kill()
        live.wait()


def test_two_batches_at_once_in_separate_processes(project, tmp_path):
    out = tmp_path / "out"
    days = [patients(tmp_path, 12, prefix) for prefix in ("A", "B")]
    command = [sys.executable, str(ROOT / "build_pack.py"), "--project", str(project), "test-consent", "--pack", "consent",
               "--out", str(out), "-q", "--patients"]
    procs = [subprocess.Popen([*command, str(day)], stderr=subprocess.PIPE, text=True) for day in days]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert results == [(0, ""), (0, "")]
    files = sorted(p.name for p in (out / "test-consent").iterdir())
    assert files == sorted(f"{x}{i:04d}.pdf" for x in "AB" for i in range(1, 13))


def test_a_folder_made_by_another_build_at_the_same_moment_is_used(tmp_path, monkeypatch):
    """Two builds printing into a new folder at once: both see it missing, one makes it, the
    other's mkdir then finds it there. That is the folder it wanted, not a file in the way."""
    real_mkdir = Path.mkdir

    def raced(path, *args, **kwargs):  # the other build makes the folder just before this one
        real_mkdir(path, *args, **kwargs)
        real_mkdir(path, *args, **kwargs)  # raises FileExistsError, as the losing mkdir does

    monkeypatch.setattr(Path, "mkdir", raced)
    written = writer.OutputFolder(tmp_path / "out").write("day/P0001.pdf", b"%PDF-1.4 test")
    assert written.read_bytes() == b"%PDF-1.4 test"


def test_a_folder_taken_away_by_another_build_at_the_same_moment_is_made_again(tmp_path, monkeypatch):
    """The other build made the folder, failed, and removed it (empty) just as this one was
    about to write into it: this one makes it again instead of failing."""
    real_mkstemp = tempfile.mkstemp
    calls = []

    def raced(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            os.rmdir(kwargs["dir"])
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", raced)
    written = writer.OutputFolder(tmp_path / "out").write("day/P0001.pdf", b"%PDF-1.4 test")
    assert written.read_bytes() == b"%PDF-1.4 test" and len(calls) == 2


def test_a_file_where_the_folder_should_be_is_still_an_error(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "day").write_text("not a folder")
    with pytest.raises(writer.WriteFault, match="a file stands where a folder should be"):
        writer.OutputFolder(tmp_path / "out").write("day/P0001.pdf", b"%PDF-1.4 test")


# ---------------------------------------------------------------- real file systems (root: mount a tmpfs)

@contextmanager
def tmpfs(path: Path, size_kb: int, read_only: bool = False):
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size_kb}k" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path, leave_kb: int) -> None:
    """Take all but ``leave_kb`` of the free space."""
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    (folder / "filler").write_bytes(b"\0" * max(0, free - leave_kb * 1024))


def test_real_full_disk_multi_leaflet_build(project, tmp_path, capsys):
    with tmpfs(tmp_path / "disk", 4096) as disk:
        out = disk / "out"
        assert run(project, "--out", str(out), "-q", "exosome-hair-loss", "prp-hair-loss")[0] == 0
        before = snapshot(out)
        sizes = sorted(len(v) for v in before.values())
        root = make_project(tmp_path / "edited", {"test-consent.md": LEAFLET}, copy_shipped=True)
        edit_every_leaflet(root)
        fill(disk, (sizes[-1] + 64 * 1024) // 1024)  # room for one new PDF, not two
        code, _, err = run(root, "--out", str(out), "exosome-hair-loss", "prp-hair-loss", capsys=capsys)
        assert code == 1
        assert err.splitlines() == [f"{out}: error: {FULL}", "nothing was written"]
        assert snapshot(out) == before


def test_real_full_disk_batch(project, tmp_path, capsys):
    with tmpfs(tmp_path / "disk", 8192) as disk:
        out = disk / "out"
        assert run(project, "test-consent", "--pack", "consent", "--patients", str(patients(tmp_path, 1, "X")), "--out", str(out), "-q")[0] == 0
        size = (out / "test-consent" / "X0001.pdf").stat().st_size
        (out / "test-consent" / "X0001.pdf").unlink()
        fill(disk, (size * 5 // 2) // 1024)  # room for two packs and a half
        code, _, err = run(project, "test-consent", "--pack", "consent", "--patients", str(patients(tmp_path, 6)), "--out", str(out),
                           capsys=capsys)
        assert code == 1
        assert err.splitlines()[0] == f"{out / 'test-consent'}: error: {FULL}"
        files = sorted(p.name for p in (out / "test-consent").iterdir())
        assert files == ["P0001.pdf", "P0002.pdf"]
        assert err.splitlines()[1].startswith("2 complete pack(s) were written before the fault")
        for name in files:
            assert len(pypdf.PdfReader(out / "test-consent" / name).pages) > 5


def test_real_read_only_disk(project, tmp_path, capsys):
    with tmpfs(tmp_path / "disk", 1024, read_only=True) as disk:
        code, _, err = run(project, "--out", str(disk), "prp-hair-loss", capsys=capsys)
        assert code == 1
        assert err.splitlines() == [f"{disk}: error: cannot write in the output folder: it is on a read-only disk "
                                    "(choose another folder with --out)", "nothing was written"]
