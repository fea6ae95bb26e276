"""Where the shipped assets live, in a source checkout and inside the extension zip.

Both layouts keep `backend/` and `assets/` side by side:
`<root>/backend/deeptalk/paths.py` and `<root>/assets/...`. The environment variables
`DEEPTALK_MODEL_DIR` and `DEEPTALK_ASSETS` override the defaults. Each stand-in head has
its own folder (`STANDIN_FOLDERS`, by basis id); the default head is the one whose basis
the default model speaks (its manifest's `flame_basis`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def assets_dir() -> Path:
    """The `assets/` folder beside `backend/`."""
    override = os.environ.get("DEEPTALK_ASSETS")
    return Path(override) if override else PACKAGE_DIR.parent.parent / "assets"


def default_model_dir() -> Path:
    """The embedded default model (trained by `deeptalk train all`)."""
    override = os.environ.get("DEEPTALK_MODEL_DIR")
    return Path(override) if override else assets_dir() / "models" / "default"


# basis id -> (folder under assets/flame, load_flame alias) of the stand-in heads
STANDIN_FOLDERS: dict[str, str] = {"standin-v1": "standin", "standin-v2": "standin-v2"}
STANDIN_ALIASES: dict[str, str] = {"standin-v1": "standin", "standin-v2": "standin-v2"}
MANIFEST_BASIS_DEFAULT = "standin-v1"  # a manifest without `flame_basis` (model_dir.DEFAULT_FLAME_BASIS)


def standin_flame_dir(basis: str = "standin-v1") -> Path:
    """The folder of the stand-in head of `basis` (`deeptalk flame standin [--version 2]`)."""
    if basis not in STANDIN_FOLDERS:
        raise ValueError(f"no stand-in head has the {basis!r} basis (known: {', '.join(STANDIN_FOLDERS)})")
    return assets_dir() / "flame" / STANDIN_FOLDERS[basis]


def manifest_flame_basis(model_dir: str | os.PathLike[str] | None = None) -> str:
    """The `flame_basis` of a model folder's manifest (default: the embedded model), read as plain
    JSON; a missing field or an unreadable / missing manifest gives `standin-v1`."""
    try:
        data = json.loads((Path(model_dir or default_model_dir()) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return MANIFEST_BASIS_DEFAULT
    basis = data.get("flame_basis", MANIFEST_BASIS_DEFAULT) if isinstance(data, dict) else None
    return basis if isinstance(basis, str) and basis else MANIFEST_BASIS_DEFAULT


def standin_for_basis(basis: str) -> str:
    """The `load_flame` name of the stand-in head in `basis`; head v1 (`standin`) for any other basis."""
    return STANDIN_ALIASES.get(basis, STANDIN_ALIASES[MANIFEST_BASIS_DEFAULT])


def default_standin_dir(model_dir: str | os.PathLike[str] | None = None) -> Path:
    """The stand-in folder in the basis of `model_dir` (default: the embedded model); v1 for a
    model of another basis (FLAME 2020 models drive the user's own FLAME file)."""
    basis = manifest_flame_basis(model_dir)
    return standin_flame_dir(basis if basis in STANDIN_FOLDERS else MANIFEST_BASIS_DEFAULT)


def standin_flame_file(basis: str) -> Path:
    """The stand-in head's FLAME file of a stand-in basis id (`standin-v1`, `standin-v2`)."""
    return standin_flame_dir(basis) / "standin.npz"
