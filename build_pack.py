#!/usr/bin/env python3
"""Build patient leaflets and consent packs. Run with --help for the options."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clinicpack.cli import main

if __name__ == "__main__":
    sys.exit(main(project_root=Path(__file__).resolve().parent, process_ends=True))
