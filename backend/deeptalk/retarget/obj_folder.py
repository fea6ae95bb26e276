"""Write a head's ARKit shapes as OBJs in ICT-FaceKit's folder layout (so the add-on imports them).

`<folder>/FaceXModel/generic_neutral_mesh.obj` plus `<arkitName>.obj` per shape, same
topology, centimetres, Y up (ICT-FaceKit's conventions): the stand-in then becomes an
ARKit character in Blender through *Import ICT-FaceKit Head*. Empty shapes (the stand-in's
`tongueOut`) are written too, so every ARKit channel has a key.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from deeptalk.flame.model import FlameModel
from deeptalk.retarget.shapes import ArkitShapes

CENTIMETRES = 100.0


def _obj_text(vertices: np.ndarray, faces_text: str) -> str:
    buffer = io.StringIO()
    np.savetxt(buffer, vertices * CENTIMETRES, fmt="v %.5f %.5f %.5f")
    return "# DEEPTalk stand-in ARKit shape\n" + buffer.getvalue() + faces_text


def write_arkit_obj_folder(model: FlameModel, shapes: ArkitShapes, folder: str | os.PathLike[str]) -> Path:
    """Write the neutral and the 52 shapes; return the `FaceXModel` folder."""
    root = Path(folder) / "FaceXModel"
    root.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    np.savetxt(buffer, model.f.astype(np.int64) + 1, fmt="f %d %d %d")
    faces = buffer.getvalue()
    neutral = model.v_template.astype(np.float64)
    (root / "generic_neutral_mesh.obj").write_text(_obj_text(neutral, faces), encoding="utf-8")
    for name, delta in zip(shapes.names, shapes.deltas):
        (root / f"{name}.obj").write_text(_obj_text(neutral + delta, ""), encoding="utf-8")
    return root
