"""How well ARKit weights reproduce the FLAME motion they were solved from.

On a head with ARKit shapes (the stand-in) the weights are turned back into vertices and
compared with the FLAME motion itself: lip vertex error (mean L2 and, as in DEEPTalk's
LVE, the largest lip-vertex L2 per frame averaged over frames), lip-gap and jaw tracking,
and whether bilabial closures stay closed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from deeptalk.flame.model import FlameModel
from deeptalk.retarget.flame_pose import FlamePose
from deeptalk.retarget.names import ARKIT_INDEX
from deeptalk.retarget.retarget import landmark_points
from deeptalk.retarget.shapes import ArkitShapes

UPPER_INNER_LIP = slice(44, 47)  # 51-landmark ids (iBUG 61-63)
LOWER_INNER_LIP = slice(48, 51)  # iBUG 65-67
CLOSED_MM = 1.0  # a lip gap (over the rest gap) under this counts as closed


@dataclass(frozen=True)
class FitReport:
    frames: int
    lip_error_mean_mm: float  # mean L2 over lip vertices and frames
    lip_lve_mm: float  # max L2 over lip vertices per frame, averaged over frames
    lip_gap_correlation: float  # reconstruction vs motion lip opening
    jaw_open_correlation: float  # jawOpen weight vs the motion's jaw angle
    closed_frames: int  # frames where the motion's lips are closed
    closures_kept: float  # share of those the reconstruction keeps closed (gap < CLOSED_MM + 0.5)
    closed_gap_mm: float  # mean reconstruction lip gap over those frames

    def as_dict(self) -> dict[str, float]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def lip_gap(model: FlameModel, vertices: np.ndarray) -> np.ndarray:
    """(T, V, 3) -> (T,) inner-lip opening in metres, relative to the neutral head."""
    def gap(points: np.ndarray) -> np.ndarray:
        return points[..., UPPER_INNER_LIP, 1].mean(-1) - points[..., LOWER_INNER_LIP, 1].mean(-1)
    return gap(landmark_points(model, vertices)) - gap(landmark_points(model, model.v_template[None]))[0]


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def fit_report(model: FlameModel, shapes: ArkitShapes, exp: np.ndarray, jaw: np.ndarray,
               weights: np.ndarray) -> FitReport:
    """Compare `weights (T, 52)` rebuilt on `model` with the motion `exp (T, E)`, `jaw (T, 3)`."""
    pose = FlamePose(model)
    motion = pose.pose(exp, jaw)  # (T, V, 3)
    rebuilt = model.v_template[None] + shapes.displacement(weights)  # (T, V, 3)
    lips = model.masks["lips"]
    error = np.linalg.norm(rebuilt[:, lips] - motion[:, lips], axis=2) * 1000  # (T, L) mm
    gap_motion, gap_rebuilt = lip_gap(model, motion) * 1000, lip_gap(model, rebuilt) * 1000
    closed = gap_motion < CLOSED_MM
    angle = np.linalg.norm(np.asarray(jaw, dtype=np.float64), axis=1)
    return FitReport(
        frames=len(weights), lip_error_mean_mm=float(error.mean()), lip_lve_mm=float(error.max(axis=1).mean()),
        lip_gap_correlation=_corr(gap_motion, gap_rebuilt),
        jaw_open_correlation=_corr(angle, weights[:, ARKIT_INDEX["jawOpen"]]),
        closed_frames=int(closed.sum()),
        closures_kept=float((gap_rebuilt[closed] < CLOSED_MM + 0.5).mean()) if closed.any() else float("nan"),
        closed_gap_mm=float(gap_rebuilt[closed].mean()) if closed.any() else float("nan"))
