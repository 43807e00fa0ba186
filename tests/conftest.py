import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _repository_archive_untouched(tmp_path_factory):
    """Tests that build or serve the repository's own project record their prints in a
    temporary archive, never in the repository's records/ (which may be a clinic's real one)."""
    import clinicpack.archive as archive

    real = archive.database_path
    scratch = tmp_path_factory.mktemp("archive") / "archive.sqlite3"
    repository = Path(__file__).resolve().parent.parent

    def database_path(project, brand=None, override=None):  # noqa: ANN001, ANN202
        path = real(project, brand, override)
        return scratch if override is None and project.root.resolve() == repository else path

    archive.database_path = database_path
    yield
    archive.database_path = real


@pytest.fixture(autouse=True, scope="session")
def _user_cache_in_a_scratch_folder(tmp_path_factory):
    """The user cache (pyphen's parsed dictionary, fonts' facts: see quality/usercache.py) lives
    in a scratch folder during tests: nothing is left in the developer's home, and every test
    session starts cold, so the code that fills the cache runs as well as the code that reads it."""
    import os

    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if saved is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = saved
