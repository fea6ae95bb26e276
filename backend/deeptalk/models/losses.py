"""Training losses of the motion side: TH-VQVAE and generator (stages 1 and 2).

Vertex terms take a `to_vertices` callable (the FLAME layer: motion (B, T, 53) ->
vertices (B, T, V, 3)) and vertex-index tensors for regions, so this module does not
depend on how the head is built. The emotion terms run the frozen DEE's motion branch
on the prediction and compare it with the speech's Gaussian embedding by the PCME++
closed-form sampled distance (spec §2/§4). The lip term replaces the paper's rendered
video lip-reader with the frozen motion lip-reader (`MotionLipReader.features`).

Weights (spec §4): vertex 1, emotion 1e-4, swap 2.5e-5, lip 1e-3 (for pred and swapped);
TH-VQVAE: vertex 1e6, quantiser 1. `code_cross_entropy` is an extra (not in the paper) for
when ground-truth codes from the TH-VQVAE encoder are at hand: through straight-through
Gumbel alone the generator learns its codes slowly, which matters on a CPU budget.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Protocol, Sequence

import torch
import torch.nn.functional as F

from deeptalk.models.gaussian import GaussianEmbedding
from deeptalk.models.lipreader import MotionLipReader, lip_feature_loss, lipreader_loss
from deeptalk.models.thvqvae import VqvaeOutput

VertexFn = Callable[[torch.Tensor], torch.Tensor]  # (B, T, 53) -> (B, T, V, 3)


# --------------------------------------------------------------------------- vertex space


def _region(vertices: torch.Tensor, vertex_ids: torch.Tensor | None) -> torch.Tensor:
    return vertices if vertex_ids is None else vertices.index_select(-2, vertex_ids.to(vertices.device))


def vertex_mse(pred_v: torch.Tensor, target_v: torch.Tensor, vertex_ids: torch.Tensor | None = None) -> torch.Tensor:
    """Mean squared vertex error over (B, T, V, 3), optionally on a region: ()."""
    return F.mse_loss(_region(pred_v, vertex_ids), _region(target_v, vertex_ids))


def velocity_mse(pred_v: torch.Tensor, target_v: torch.Tensor, vertex_ids: torch.Tensor | None = None) -> torch.Tensor:
    """Mean squared error of frame-to-frame vertex velocities (B, T-1, V, 3): ()."""
    if pred_v.shape[1] < 2:
        return pred_v.new_zeros(())
    p, t = _region(pred_v, vertex_ids), _region(target_v, vertex_ids)
    return F.mse_loss(p[:, 1:] - p[:, :-1], t[:, 1:] - t[:, :-1])


def reconstruction_terms(pred: torch.Tensor, target: torch.Tensor, to_vertices: VertexFn,
                         mouth_ids: torch.Tensor | None = None,
                         closure_frames: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """Vertex MSE, and mouth-region vertex and velocity MSE (if `mouth_ids`), from one FLAME pass each.

    pred, target (B, T, 53) -> {"vertex", "mouth_vertex", "mouth_velocity"} scalars; with
    `closure_frames` (B, T) bool and `mouth_ids`, also "closure": the mouth MSE on those
    frames only (ours: the m/b/p frames, a few percent of speech, where the lips must meet).
    """
    pred_v = to_vertices(pred)  # (B, T, V, 3)
    with torch.no_grad():  # a separate pass: the target's half of the backward would be wasted work
        target_v = to_vertices(target.detach())  # (B, T, V, 3)
    terms = {"vertex": vertex_mse(pred_v, target_v)}
    if mouth_ids is not None:
        terms["mouth_vertex"] = vertex_mse(pred_v, target_v, mouth_ids)
        terms["mouth_velocity"] = velocity_mse(pred_v, target_v, mouth_ids)
        if closure_frames is not None:
            terms["closure"] = frame_vertex_mse(pred_v, target_v, closure_frames, mouth_ids)
    return terms


def frame_vertex_mse(pred_v: torch.Tensor, target_v: torch.Tensor, frames: torch.Tensor,
                     vertex_ids: torch.Tensor | None = None) -> torch.Tensor:
    """Vertex MSE over the frames where `frames` (B, T) is true: () (0, attached, when none is)."""
    frames = frames.to(pred_v.device, torch.bool)
    if not bool(frames.any()):
        return pred_v.sum() * 0.0
    return F.mse_loss(_region(pred_v, vertex_ids)[frames], _region(target_v, vertex_ids)[frames])


def parameter_mse(pred: torch.Tensor, target: torch.Tensor, scale: torch.Tensor,
                  channels: Sequence[int] = ()) -> torch.Tensor:
    """Mean squared error of motion parameters in units of each channel's scale (its training
    std, floored), over `channels` (empty: all): (B, T, C), (B, T, C), (C,) -> ().

    Vertex MSE is dominated by the jaw (8 mm per std on the stand-in) and all but ignores the
    lip-shape components (0.3-1.6 mm per std) that tell a /p/ from an /f/ or an /u/; this term
    weighs every channel by how much it varies, so a motion model keeps them."""
    error = (pred - target.detach()) / scale.to(pred)  # (B, T, C)
    if channels:
        error = error[..., list(channels)]
    return error.pow(2).mean()


def thvqvae_loss(output: VqvaeOutput, target: torch.Tensor, to_vertices: VertexFn, *,
                 vertex_weight: float = 1e6, quant_weight: float = 1.0, parameter_weight: float = 0.0,
                 parameter_scale: torch.Tensor | None = None,
                 parameter_channels: Sequence[int] = (),
                 other_parameter_weight: float = 0.0, closure_weight: float = 0.0,
                 closure_frames: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, float]]:
    """Spec §3: vertex_weight * vertex MSE + quant_weight * commitment, plus (ours, off by default)
    parameter_weight * `parameter_mse` over `parameter_channels` with `parameter_scale` (C,), and
    other_parameter_weight * the same over the remaining channels -> (loss, logged floats).

    The second group matters where vertices cannot tell channels apart: on the stand-in, `smile`
    moves the same vertices as `smile_left` + `smile_right`, so a vertex-trained prior may swap
    one for the other, which is invisible on the mesh but not to critics reading parameters.

    closure_weight * the parameter term over `parameter_channels` on `closure_frames` (B, T) only
    (ours: the m/b/p frames, where a prior that blurs lip shapes leaves the lips apart)."""
    loss = quant_weight * output.quant_loss
    logs = {"quant": output.quant_loss, "perplexity_top": output.perplexity_top,
            "perplexity_bottom": output.perplexity_bottom}
    if vertex_weight or not parameter_weight:  # the FLAME pass is most of a step's cost: skip it when unweighted
        logs["vertex"] = reconstruction_terms(output.motion, target, to_vertices)["vertex"]
        loss = loss + vertex_weight * logs["vertex"]
    if parameter_weight:
        if parameter_scale is None:
            raise ValueError("parameter_weight needs parameter_scale")
        logs["parameter"] = parameter_mse(output.motion, target, parameter_scale, parameter_channels)
        loss = loss + parameter_weight * logs["parameter"]
    if other_parameter_weight and parameter_channels:
        if parameter_scale is None:
            raise ValueError("other_parameter_weight needs parameter_scale")
        listed = set(parameter_channels)
        others = [c for c in range(target.shape[-1]) if c not in listed]
        logs["parameter_other"] = parameter_mse(output.motion, target, parameter_scale, others)
        loss = loss + other_parameter_weight * logs["parameter_other"]
    if closure_weight and closure_frames is not None:
        if parameter_scale is None:
            raise ValueError("closure_weight needs parameter_scale")
        frames = closure_frames.to(target.device, torch.bool)  # (B, T)
        logs["closure"] = (parameter_mse(output.motion[frames][None], target[frames][None], parameter_scale,
                                         parameter_channels) if bool(frames.any()) else output.motion.sum() * 0.0)
        loss = loss + closure_weight * logs["closure"]
    return loss, {name: float(value.detach()) for name, value in logs.items()}


# --------------------------------------------------------------------------- emotion and lips


class EmotionSpace(Protocol):
    """What the emotion terms need of the frozen DEE (`deeptalk.models.dee.DEE`)."""

    def encode_motion(self, motion: torch.Tensor, lengths: torch.Tensor | None = None) -> GaussianEmbedding: ...

    def audio_visual_logits(self, audio: GaussianEmbedding, motion: GaussianEmbedding) -> torch.Tensor: ...


def emotion_consistency_loss(dee: EmotionSpace, speech: GaussianEmbedding, pred: torch.Tensor,
                             lengths: torch.Tensor | None = None) -> torch.Tensor:
    """Stage-1 L_AV: mean BCEWithLogits(-a * CSD(speech_i, DEE_motion(pred_i)) + b, 1) with the
    frozen DEE's learned a, b: the prediction must sit where its speech is in emotion space: ()."""
    logits = dee.audio_visual_logits(speech, dee.encode_motion(pred, lengths))  # (B,)
    return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))


def swap_permutation(batch: int, device: torch.device | None = None) -> torch.Tensor:
    """Index swapping pairs (0,1), (2,3), ...; an odd last row stays in place: (B,)."""
    idx = torch.arange(batch, device=device)
    even = batch - batch % 2
    idx[:even] = idx[:even].view(-1, 2).flip(-1).reshape(-1)
    return idx


def emotion_swap_loss(dee: EmotionSpace, speech: GaussianEmbedding, pred_swapped: torch.Tensor,
                      lengths: torch.Tensor | None = None) -> torch.Tensor:
    """Stage-2 swap loss: row i of `pred_swapped` was generated from content i with the emotion of
    row `swap_permutation(B)[i]`, so it must match that row's speech embedding: ()."""
    perm = swap_permutation(pred_swapped.shape[0], pred_swapped.device)
    return emotion_consistency_loss(dee, GaussianEmbedding(speech.mean[perm], speech.logvar[perm]),
                                    pred_swapped, lengths)


def lip_reading_loss(reader: MotionLipReader, pred: torch.Tensor, target: torch.Tensor,
                     mask: torch.Tensor | None = None) -> torch.Tensor:
    """Perceptual lip term with the frozen motion lip-reader: mean 1 - cos of per-frame features.

    For the swapped prediction pass the ground truth of the *same content* clip (the released
    code compared lips driven by different audio, spec §9.7): ()."""
    return lip_feature_loss(reader, pred, target, mask)


def viseme_loss(reader: MotionLipReader, pred: torch.Tensor, visemes: torch.Tensor,
                ignore_index: int = -100) -> torch.Tensor:
    """Cross-entropy of the frozen lip-reader's viseme logits on generated motion against the
    clip's viseme labels (where known): pred (B, T, 53), visemes (B, T) -> (). A direct lip-sync
    signal where labels exist (our corpus); gradients reach `pred` only."""
    return frame_cross_entropy(reader.logits(pred), visemes, ignore_index)


def frame_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """Frame-wise cross-entropy where labels are known: logits (B, T, V), labels (B, T) -> ()
    (0, still attached to the graph, when no frame is labelled). The generator's content
    classifier uses it against the corpus's visemes (`GeneratorLossWeights.content_viseme`)."""
    if not bool((labels != ignore_index).any()):
        return logits.sum() * 0.0  # cross-entropy over no frames would be NaN (MEAD has no viseme labels)
    return lipreader_loss(logits, labels, ignore_index=ignore_index)


# --------------------------------------------------------------------------- codes and totals


def code_cross_entropy(logits_top: torch.Tensor, logits_bottom: torch.Tensor,
                       codes_top: torch.Tensor, codes_bottom: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of both levels against ground-truth codes (from `ThVqvae.encode`): ()."""
    return (F.cross_entropy(logits_top.flatten(0, 1), codes_top.flatten())
            + F.cross_entropy(logits_bottom.flatten(0, 1), codes_bottom.flatten()))


@dataclass(frozen=True, kw_only=True)
class GeneratorLossWeights:
    """Weights of the generator's terms (spec §4 values; the mouth and code terms are off there)."""

    vertex: float = 1.0
    mouth_vertex: float = 0.0
    mouth_velocity: float = 0.0
    emotion: float = 1e-4
    swap: float = 2.5e-5
    lip: float = 1e-3
    lip_swap: float = 1e-3
    codes: float = 0.0
    viseme: float = 0.0  # lip-reader cross-entropy against viseme labels (not in the paper)
    content_viseme: float = 0.0  # content-feature viseme classifier (not in the paper; needs content_classes)
    closure: float = 0.0  # mouth vertex MSE on the m/b/p frames (not in the paper; needs viseme labels)

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not value >= 0:
                raise ValueError(f"weight {name} must be >= 0, got {value}")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def weighted_sum(terms: dict[str, torch.Tensor], weights: dict[str, float]) -> torch.Tensor:
    """sum_k weights[k] * terms[k]; a non-zero weight for a term not computed is an error."""
    missing = sorted(name for name, weight in weights.items() if weight and name not in terms)
    if missing:
        raise ValueError(f"non-zero weights for terms not computed: {', '.join(missing)}")
    if not terms:
        raise ValueError("no loss terms given")
    total = next(iter(terms.values())).new_zeros(())
    for name, weight in weights.items():
        if weight:
            total = total + weight * terms[name]
    return total
