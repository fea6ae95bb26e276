"""Read a user's ICT-FaceKit folder (neutral + expression OBJs) into ARKit-named shapes (no bpy).

Layout (the user downloads ICT-FaceKit; nothing of it ships with DEEPTalk):
`<folder>/FaceXModel/generic_neutral_mesh.obj` (or the folder itself holding it) and one OBJ
per expression beside it on the same topology (`eyeBlink_L.obj`, `jawOpen.obj`, ...);
`identity###.obj` files are identity modes and are skipped. ICT's `_L` / `_R` become ARKit's
`Left` / `Right`; where ARKit has one centre channel for an ICT pair (`browInnerUp`,
`cheekPuff`) the pair is summed into it; other expressions keep their ICT names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

NEUTRAL = "generic_neutral_mesh.obj"
SUBFOLDER = "FaceXModel"
_SIDE = re.compile(r"_(L|R)$")


class IctFolderError(ValueError):
    """A folder that is not a usable ICT-FaceKit model; the message says what to do."""


@dataclass(frozen=True)
class IctHead:
    vertices: np.ndarray  # (V, 3) neutral, ICT axes (Y up, face toward +Z), ICT units
    faces: list[tuple[int, ...]]  # polygons (0-based vertex ids)
    shapes: dict[str, np.ndarray] = field(default_factory=dict)  # key name -> (V, 3) expression vertices
    skipped: tuple[str, ...] = ()  # files that could not be used, with why


def read_obj(path: Path, *, with_faces: bool = True) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """(V, 3) vertices and 0-based polygons of an OBJ (v / f lines; texture and normal ids ignored)."""
    coords: list[list[str]] = []
    faces: list[tuple[int, ...]] = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("v "):
                coords.append(line.split()[1:4])
            elif with_faces and line.startswith("f "):
                ids = [int(token.split("/")[0]) for token in line.split()[1:]]
                faces.append(tuple(i - 1 if i > 0 else len(coords) + i for i in ids))
    try:
        vertices = np.asarray(coords, dtype=np.float64).reshape(-1, 3)
    except ValueError:
        raise IctFolderError(f"{path.name} has a malformed vertex line") from None
    return vertices, faces


def key_name(stem: str, arkit_names: tuple[str, ...]) -> str:
    """ICT file stem -> shape key name (`eyeBlink_L` -> `eyeBlinkLeft`; unknown ones unchanged)."""
    match = _SIDE.search(stem)
    if match is None:
        return stem
    candidate = stem[:match.start()] + ("Left" if match.group(1) == "L" else "Right")
    return candidate if candidate in arkit_names else stem


def model_folder(folder: Path) -> Path:
    for candidate in (folder, folder / SUBFOLDER):
        if (candidate / NEUTRAL).is_file():
            return candidate
    raise IctFolderError(f"{folder} is not an ICT-FaceKit folder: no {NEUTRAL} in it or in {SUBFOLDER}/; "
                         "pick the ICT-FaceKit folder you downloaded")


def read_folder(folder: str | Path, arkit_names: tuple[str, ...]) -> IctHead:
    """The neutral head and its ARKit-named expression shapes; bad files are listed in `skipped`."""
    root = model_folder(Path(folder))
    neutral, faces = read_obj(root / NEUTRAL)
    if len(neutral) < 3 or not faces:
        raise IctFolderError(f"{root / NEUTRAL} holds no mesh")
    shapes: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    for path in sorted(root.glob("*.obj")):
        stem = path.stem
        if path.name == NEUTRAL or re.fullmatch(r"identity\d+", stem):
            continue
        try:
            vertices, _ = read_obj(path, with_faces=False)
        except (IctFolderError, OSError) as exc:
            skipped.append(f"{path.name} ({exc})")
            continue
        if vertices.shape != neutral.shape:
            skipped.append(f"{path.name} ({len(vertices)} vertices, the neutral has {len(neutral)})")
            continue
        shapes[key_name(stem, arkit_names)] = vertices
    for name in arkit_names:  # ARKit centre channels that ICT splits into _L / _R
        left, right = shapes.get(f"{name}_L"), shapes.get(f"{name}_R")
        if name not in shapes and left is not None and right is not None:
            shapes[name] = left + right - neutral
    if not shapes:
        raise IctFolderError(f"{root} has the neutral mesh but no expression OBJs beside it")
    return IctHead(vertices=neutral, faces=faces, shapes=shapes, skipped=tuple(skipped))
