"""Whole motion files -> ARKit weights: picks the retarget path for the motion's head, cached.

`"standin"` (head v1, basis `standin-v1`, whose ARKit shapes are the reference) is fitted on
its vertices; any other FLAME head (`"standin-v2"`, a user's FLAME 2020 file) through the 51
landmarks against head v1's ARKit shapes.
"""

from __future__ import annotations

import functools
import logging

import numpy as np

from deeptalk.retarget.names import ARKIT_COUNT
from deeptalk.retarget.retarget import LandmarkRetargeter, VertexRetargeter

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def retargeter_for(flame: str = "standin") -> VertexRetargeter | LandmarkRetargeter:
    """The retargeter for motion of the head `flame` ('standin', 'standin-v2' or a FLAME file / folder)."""
    from deeptalk.flame.loading import load_flame
    from deeptalk.flame.standin import standin_model

    reference = standin_model()
    if flame == "standin":
        return VertexRetargeter(reference)
    model = load_flame(flame)
    if model.source == "standin" and model.num_vertices == reference.num_vertices:
        return VertexRetargeter(model)
    log.info("retargeting %s through its 51 landmarks", flame)
    return LandmarkRetargeter(model, reference)


def arkit_weights(exp: np.ndarray, jaw: np.ndarray, flame: str = "standin") -> np.ndarray:
    """exp (takes, T, 50) + jaw (takes, T, 3) -> (takes, T, 52) float32 weights in [0, 1]."""
    exp, jaw = np.asarray(exp, dtype=np.float64), np.asarray(jaw, dtype=np.float64)
    solver = retargeter_for(flame)
    out = np.zeros(exp.shape[:2] + (ARKIT_COUNT,), dtype=np.float32)
    for take in range(exp.shape[0]):
        out[take] = solver.solve(exp[take], jaw[take])
    return out
