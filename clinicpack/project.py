"""Where things live in a project folder (leaflets/, layouts/, assets/, output/)."""

from __future__ import annotations

from pathlib import Path

from .codecache import dataclass


@dataclass(frozen=True)
class Project:
    """Where a project's folders are: everything a build reads is found from ``root``."""
    root: Path

    @property
    def leaflets(self) -> Path:
        return self.root / "leaflets"

    @property
    def layouts(self) -> Path:
        return self.root / "layouts"

    @property
    def assets(self) -> Path:
        return self.root / "assets"

    @property
    def brand_file(self) -> Path:
        return self.assets / "brand.yaml"

    @property
    def labels(self) -> Path:
        return self.assets / "labels"

    @property
    def output(self) -> Path:
        return self.root / "output"
