"""Layout and leaflet fields the quality checks rely on."""

from pathlib import Path

import pytest

from clinicpack.brand import load_brand
from clinicpack.errors import BuildError
from clinicpack.layout import load_layout
from clinicpack.leaflet import load_leaflet

ROOT = Path(__file__).resolve().parent.parent


def test_large_print_defaults_to_false_and_can_be_set(tmp_path: Path) -> None:
    brand = load_brand(ROOT / "assets" / "brand.yaml")
    assert load_layout("default", ROOT / "layouts", brand).text.large_print is False
    custom = tmp_path / "big.yaml"
    custom.write_text("text:\n  size: 18pt\n  large_print: true\n")
    assert load_layout(str(custom), ROOT / "layouts", brand).text.large_print is True


def test_large_print_must_be_true_or_false(tmp_path: Path) -> None:
    brand = load_brand(ROOT / "assets" / "brand.yaml")
    custom = tmp_path / "big.yaml"
    custom.write_text("text:\n  large_print: maybe\n")
    with pytest.raises(BuildError) as err:
        load_layout(str(custom), ROOT / "layouts", brand)
    assert err.value.line == 2
    assert err.value.message == '"text.large_print": "maybe" must be true or false'


def test_leaflet_keeps_its_front_matter_lines() -> None:
    leaflet = load_leaflet(ROOT / "tests" / "fixtures" / "everything.md", ROOT / "assets")
    assert leaflet.front is not None
    assert leaflet.front.line("review_due") == 7
