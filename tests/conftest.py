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
