"""Find the backend source, its assets and a Python to run it; load its stdlib-only modules.

Two layouts, both with `backend/` and `assets/` side by side:
  repository:      <repo>/blender_addon/  <repo>/backend/deeptalk/  <repo>/assets/
  extension zip:   <addon>/__init__.py    <addon>/backend/deeptalk/  <addon>/assets/
`DEEPTALK_BACKEND_DIR`, `DEEPTALK_ASSETS` and `DEEPTALK_MODEL_DIR` override the defaults.

The add-on never imports `deeptalk` as a package (that would pull torch into Blender);
`load_backend_module("protocol")` executes that one stdlib/numpy-only file under a private
module name, so both sides share one schema. No bpy in this module.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

ADDON_DIR = Path(__file__).resolve().parent
# Backend modules the add-on may load: they import only the standard library and numpy.
LOADABLE_MODULES = ("protocol", "motion_io", "retarget.names", "retarget.controls", "retarget.livelink_csv",
                    "flame.semantics", "flame.semantics_v2")
_loaded: dict[tuple[str, str], ModuleType] = {}


class BackendNotFound(RuntimeError):
    """No backend source directory could be found."""


def backend_dir() -> Path:
    """The directory holding the `deeptalk` package source (PYTHONPATH for the backend)."""
    override = os.environ.get("DEEPTALK_BACKEND_DIR")
    candidates = [Path(override)] if override else [ADDON_DIR / "backend", ADDON_DIR.parent / "backend"]
    for candidate in candidates:
        if (candidate / "deeptalk" / "protocol.py").is_file():
            return candidate.resolve()
    raise BackendNotFound("the DEEPTalk backend source was not found (looked in "
                          + ", ".join(str(c) for c in candidates) + ")")


def assets_dir() -> Path:
    """The shipped `assets/` folder beside `backend/`."""
    override = os.environ.get("DEEPTALK_ASSETS")
    return Path(override) if override else backend_dir().parent / "assets"


def default_model_dir() -> Path:
    """The embedded default model directory."""
    override = os.environ.get("DEEPTALK_MODEL_DIR")
    return Path(override) if override else assets_dir() / "models" / "default"


# basis id -> folder under assets/flame of the stand-in head in that basis (backend: deeptalk.paths)
STANDIN_FOLDERS = {"standin-v1": "standin", "standin-v2": "standin-v2"}
MANIFEST_BASIS_DEFAULT = "standin-v1"  # a model manifest without `flame_basis`


def model_flame_basis(model_dir: Path | None = None) -> str:
    """The `flame_basis` of a model folder's manifest (default: the embedded model); `standin-v1`
    when the field, the manifest or the folder is missing or unreadable."""
    try:
        data = json.loads((Path(model_dir or default_model_dir()) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return MANIFEST_BASIS_DEFAULT
    basis = data.get("flame_basis", MANIFEST_BASIS_DEFAULT) if isinstance(data, dict) else None
    return basis if isinstance(basis, str) and basis else MANIFEST_BASIS_DEFAULT


def standin_flame_file(basis: str | None = None) -> Path:
    """The stand-in head (`standin.npz`) in `basis`; default: the embedded model's basis. A basis
    without a stand-in (FLAME 2020) gives head v1 (`assets/flame/standin/`)."""
    basis = model_flame_basis() if basis is None else basis
    folder = STANDIN_FOLDERS.get(basis, STANDIN_FOLDERS[MANIFEST_BASIS_DEFAULT])
    return assets_dir() / "flame" / folder / "standin.npz"


def venv_python(env_dir: Path) -> Path:
    """The interpreter inside a virtual environment folder."""
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def project_venv_python() -> Path | None:
    """`<repo>/.venv`'s Python when the add-on runs from a checkout that has one."""
    try:
        candidate = venv_python(backend_dir().parent / ".venv")
    except BackendNotFound:
        return None
    return candidate if candidate.is_file() else None


def default_python(managed_env_dir: Path | None) -> Path | None:
    """Project `.venv` when present, else the add-on-managed environment when set up."""
    override = os.environ.get("DEEPTALK_PYTHON")
    if override:
        return Path(override)
    project = project_venv_python()
    if project is not None:
        return project
    if managed_env_dir is not None and venv_python(managed_env_dir).is_file():
        return venv_python(managed_env_dir)
    return None


def load_backend_module(name: str, source_dir: Path | None = None) -> ModuleType:
    """Execute `<backend>/deeptalk/<name>.py` (stdlib/numpy only) as a private module; cached."""
    if name not in LOADABLE_MODULES:
        raise ValueError(f"{name!r} is not a backend module the add-on may load")
    path = ((source_dir or backend_dir()) / "deeptalk" / (name.replace(".", "/") + ".py")).resolve()
    key = (name, str(path))
    if key not in _loaded:
        module_name = f"_deeptalk_addon_{name.replace('.', '_')}_{abs(hash(str(path))):x}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise BackendNotFound(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses resolve string annotations through sys.modules
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        _loaded[key] = module
    return _loaded[key]


def protocol() -> ModuleType:
    """The backend's `protocol.py`: the one wire schema."""
    return load_backend_module("protocol")


def motion_io() -> ModuleType:
    """The backend's `motion_io.py`: the animation `.npz` reader/writer."""
    return load_backend_module("motion_io")


def arkit_names() -> ModuleType:
    """The backend's `retarget/names.py`: ARKit's 52 channel names and groups."""
    return load_backend_module("retarget.names")


def arkit_controls() -> ModuleType:
    """The backend's `retarget/controls.py`: strength, region gains, smoothing, key reduction."""
    return load_backend_module("retarget.controls")


def flame_semantics() -> ModuleType:
    """The backend's `flame/semantics.py`: names of the stand-in's expression components."""
    return load_backend_module("flame.semantics")


def flame_semantics_v2() -> ModuleType:
    """The backend's `flame/semantics_v2.py`: names of head v2's expression components."""
    return load_backend_module("flame.semantics_v2")


def livelink_csv() -> ModuleType:
    """The backend's `retarget/livelink_csv.py`: Live Link Face CSV writer / reader."""
    return load_backend_module("retarget.livelink_csv")
