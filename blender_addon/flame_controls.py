"""Animator controls on the FLAME rig's channels: strength, region gains, smoothing, key reduction.

The stand-in heads' components have names (`flame.semantics` for basis `standin-v1`,
`flame.semantics_v2` for `standin-v2`), so brows and eyes get their own gains and everything
else (lips, cheeks, nose, tongue, detail shapes, the jaw) counts as mouth. Other bases
(official FLAME: unnamed PCA components) take the strength only, with the mouth gain on the jaw. Numpy; the settings are the rig's `Object.deeptalk_controls`.
"""

from __future__ import annotations

import numpy as np

from . import backend_locator

BROWS = ("brow_raise", "brow_lower", "inner_brow_raise", "brow_raise_left", "brow_raise_right")
EYES = ("eyes_close", "eyes_wide", "blink_left", "blink_right", "cheek_squint")
BASIS_PROP = "deeptalk_flame_basis"
NAMED_BASIS = "standin-v1"  # a rig without the property
V2_BASIS = "standin-v2"
BROW_PREFIXES_V2 = ("brow_",)  # brow_inner_up_L, brow_outer_up_R, brow_down_L, ...
EYE_PREFIXES_V2 = ("blink_", "eye_wide_", "lid_tighten_", "cheek_squint_")


def object_controls(obj):
    """`obj.deeptalk_controls` as the backend's `ArkitControls` (defaults when the add-on's
    properties are not registered)."""
    ctl = backend_locator.arkit_controls()
    s = getattr(obj, "deeptalk_controls", None)
    if s is None:
        return ctl.ArkitControls()
    return ctl.ArkitControls(strength=float(s.strength), mouth=float(s.mouth), brows=float(s.brows),
                             eyes=float(s.eyes), smoothing_s=float(s.smoothing_s), key_tolerance=float(s.key_tolerance))


def component_gains(controls, basis: str, count: int) -> np.ndarray:
    """(count,) gain per expression component."""
    gains = np.full(count, controls.strength)
    if basis == NAMED_BASIS:
        names = backend_locator.flame_semantics().EXPRESSION_COMPONENTS
        brows, eyes = [n in BROWS for n in names], [n in EYES for n in names]
    elif basis == V2_BASIS:
        names = backend_locator.flame_semantics_v2().NAMES_V2
        brows, eyes = [n.startswith(BROW_PREFIXES_V2) for n in names], [n.startswith(EYE_PREFIXES_V2) for n in names]
    else:
        return gains
    for i in range(min(count, len(names))):
        gains[i] *= controls.brows if brows[i] else controls.eyes if eyes[i] else controls.mouth
    return gains


def controlled_motion(rig, exp: np.ndarray, jaw: np.ndarray, fps: float, controls) -> tuple[np.ndarray, np.ndarray]:
    """exp (takes, N, 50), jaw (takes, N, 3) after the rig's controls (no clipping: FLAME values are signed)."""
    ctl = backend_locator.arkit_controls()
    basis = str(rig.get(BASIS_PROP, NAMED_BASIS))
    sigma = controls.smoothing_s * fps
    gains = component_gains(controls, basis, exp.shape[2])
    jaw_gain = np.full(3, controls.strength * controls.mouth)
    exp_out = np.stack([ctl.scale_and_smooth(take, gains, sigma) for take in np.asarray(exp, np.float64)])
    jaw_out = np.stack([ctl.scale_and_smooth(take, jaw_gain, sigma) for take in np.asarray(jaw, np.float64)])
    return exp_out, jaw_out


def kept_keys(values: np.ndarray, tolerance: float) -> np.ndarray:
    """Key indices for one curve (`(N,)`), or shared by several (`(N, k)`, e.g. a quaternion: the
    union of each curve's keys at half the tolerance, which keeps every curve within it)."""
    ctl = backend_locator.arkit_controls()
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        return ctl.reduce_keys(values, tolerance)
    return np.unique(np.concatenate([ctl.reduce_keys(values[:, k], tolerance / 2) for k in range(values.shape[1])]))
