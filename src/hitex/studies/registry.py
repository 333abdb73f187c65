"""Built-in studies shipped with hitex (kept import-light for the CLI)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def builtin_studies() -> dict[str, Path]:
    """Built-in study names and their YAML files, sorted by name."""
    folder = resources.files("hitex.studies") / "builtin"
    out: dict[str, Path] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml"):
            out[entry.name.removesuffix(".yaml")] = Path(str(entry))
    return dict(sorted(out.items()))
