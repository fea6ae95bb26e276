"""What the generated face shows, and how strongly: the FER critic on each take, expression intensity.

`load_face_reader(model_dir)` loads the model's FER classifier (`fer.pt`) when it can read
the model's own emotion classes; it is None for models whose FER is missing, untrained
(converted official weights without a FER file record it in `info.untrained_parts`) or
has other classes than the manifest. `read_face(fer, motion)` gives per take the class
probabilities of what the face expresses: softmax of the clip-mean per-frame logits (the
same reading `deeptalk eval` scores: its argmax is the FER's clip decision).

`scale_expression(motion, intensity, basis)` scales the expression channels (every
expression component that is neither articulation, i.e. lips, tongue and jaw, nor a
blink, which the add-on's idle layer owns) towards rest (zero) by `intensity` in [0, 1];
lips and jaw stay as they are, so speech keeps its sync. The channel tables are data in
`flame.semantics` / `flame.semantics_v2`. A basis without a table (the FLAME 2020 PCA has
no named channels: lips and emotion share its directions) refuses an intensity below 1.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from deeptalk.flame.semantics import ARTICULATION_CHANNELS, COMPONENT_INDEX, EXPRESSION_DIM
from deeptalk.flame.semantics_v2 import ARTICULATION_CHANNELS_V2, BLINK_V2
from deeptalk.models.fer import FerClassifier

log = logging.getLogger(__name__)

BLINK_V1 = tuple(COMPONENT_INDEX[n] for n in ("eyes_close", "blink_left", "blink_right"))
# basis id -> (articulation motion channels, blink components); see the module docstring
CHANNEL_TABLES: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "standin-v1": (ARTICULATION_CHANNELS, BLINK_V1),
    "standin-v2": (ARTICULATION_CHANNELS_V2, BLINK_V2),
}


def articulation_channels(basis: str) -> tuple[int, ...]:
    """Motion channels (of the 53) that shape speech in `basis`; KeyError for a basis without a table."""
    return CHANNEL_TABLES[basis][0]


def expression_channels(basis: str) -> tuple[int, ...]:
    """Expression components (of the 50) that carry emotion in `basis`: not articulation, not blinks."""
    articulation, blinks = CHANNEL_TABLES[basis]
    return tuple(i for i in range(EXPRESSION_DIM) if i not in articulation and i not in blinks)


def scale_expression(motion: np.ndarray, intensity: float, basis: str) -> np.ndarray:
    """(..., 53) motion with the expression channels scaled by `intensity` (a copy; 1 returns it as is)."""
    if not (np.isfinite(intensity) and 0.0 <= intensity <= 1.0):
        raise ValueError(f"emotion_intensity must be in [0, 1], got {intensity}")
    if intensity == 1.0:
        return motion
    if basis not in CHANNEL_TABLES:
        raise ValueError(f"emotion intensity needs named expression channels; the model's basis {basis!r} has "
                         f"none (its lips and emotion share PCA directions); use emotion_intensity 1")
    out = np.array(motion, dtype=np.float32, copy=True)
    channels = list(expression_channels(basis))
    out[..., channels] *= np.float32(intensity)
    return out


def fer_usable(fer: FerClassifier, emotions: list[str] | tuple[str, ...], info: dict) -> str:
    """Why this FER cannot read the model's classes ("" when it can)."""
    untrained = info.get("untrained_parts", []) if isinstance(info, dict) else []
    if isinstance(untrained, list) and "fer" in untrained:
        return "the model's FER is untrained (converted without a FER file)"
    if not emotions:
        return "the model has no emotion classes"
    if fer.config.num_classes != len(emotions):
        return f"the FER has {fer.config.num_classes} classes, the model {len(emotions)} emotions"
    return ""


def load_face_reader(model_dir: str | Path, emotions: list[str] | tuple[str, ...],
                     device: torch.device | str = "cpu") -> FerClassifier | None:
    """The model's FER, frozen in eval mode on `device`, or None (logged) when it cannot read its face."""
    from deeptalk.model_dir import ModelDirError, load_network, read_manifest

    try:
        manifest = read_manifest(model_dir)
        if not (Path(model_dir) / manifest.files["fer"]).is_file():
            log.info("no FER in %s: results carry no face reading", model_dir)
            return None
        fer = load_network(model_dir, manifest, "fer", device)
    except ModelDirError as exc:
        log.warning("the FER of %s is unusable (%s): results carry no face reading", model_dir, exc)
        return None
    assert isinstance(fer, FerClassifier)
    why = fer_usable(fer, emotions, dict(manifest.info))
    if why:
        log.info("%s: results carry no face reading", why)
        return None
    fer.eval().requires_grad_(False)
    return fer


READ_FRAMES = 256  # at most this many frames per take are read (evenly strided): a clip mean needs no more


def read_face(fer: FerClassifier, motion: np.ndarray, device: torch.device | str = "cpu") -> np.ndarray:
    """(K, T, 53) motion -> (K, E) float32 class probabilities per take (rows sum to 1).

    Clips longer than READ_FRAMES frames are read every `ceil(T / READ_FRAMES)`-th frame, so a
    minute of speech costs what 10 s do (the FER is per frame; its clip mean barely moves)."""
    stride = max(1, -(-motion.shape[1] // READ_FRAMES))
    with torch.inference_mode():
        x = torch.from_numpy(np.ascontiguousarray(motion[:, ::stride], dtype=np.float32)).to(device)
        logits = fer(x).float().mean(dim=1)  # (K, E): clip-mean logits, as `deeptalk eval` reads them
        probs = torch.softmax(logits, dim=-1).cpu().numpy().astype(np.float64)
    probs /= probs.sum(axis=1, keepdims=True)
    return probs.astype(np.float32)


def face_result(result, intensity: float, basis: str, fer: FerClassifier | None,
                device: torch.device | str = "cpu"):
    """A pipeline `AnimationResult` with its expression scaled by `intensity` and, given a FER, the face read."""
    from dataclasses import replace

    motion = scale_expression(result.motion, intensity, basis)
    face = read_face(fer, motion, device) if fer is not None else None
    return replace(result, motion=motion, face_emotion=face)
