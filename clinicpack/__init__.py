"""Printable patient leaflets and consent packs from Markdown."""

__version__ = "0.1.0"
