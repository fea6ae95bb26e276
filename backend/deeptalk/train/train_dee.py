"""Train DEE, the probabilistic speech <-> motion emotion space (spec §2), and its prototypes.

Positives: same emotion and intensity, and the same emotion at another intensity as a soft
target (`partial_positive`; the official trainer was never released; see
`deeptalk.models.dee_loss`). Optionally an emotion classifier on both branches' means
(`classify_weight`). Each pair sees the same time span in both branches. After
training, class prototypes are built from the speech embeddings of 2 s windows of every
training clip, each labelled with its clip's emotion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from deeptalk.emotion_track import EmotionPrototypes, prototypes_from_embeddings, second_windows
from deeptalk.models.dee import DEE, DeeConfig
from deeptalk.models.dee_loss import match_matrix, retrieval_recall_at_1
from deeptalk.models.fer import FerClassifier
from deeptalk.models.gaussian import GaussianEmbedding
from deeptalk.train.clipbank import ClipBank
from deeptalk.train.common import finish, save_config, setup
from deeptalk.train.distributed import TrainingStep, unwrap_model, wrap_model
from deeptalk.train.loop import LoopConfig, run_loop


@dataclass(frozen=True)
class DeeTrainConfig:
    model: DeeConfig = field(default_factory=DeeConfig)
    loop: LoopConfig = field(default_factory=lambda: LoopConfig(steps=5000, lr=3e-4, warmup_steps=50,
                                                                validate_every=100))
    batch_size: int = 32
    frames: int = 50  # 2.0 s of audio and the same 2.0 s of motion
    use_labels: bool = True
    # soft target of a pair with the same emotion at another intensity (0: a negative); intensities
    # are degrees of one emotion, not other classes
    partial_positive: float = 0.5
    # weight of the emotion cross-entropy of both branches' means (needs `model.emotion_classes`)
    classify_weight: float = 0.0
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.classify_weight and not self.model.emotion_classes:
            raise ValueError("classify_weight needs a DEE with an emotion classifier (model.emotion_classes > 0)")


class DeeStep(TrainingStep):
    """One step's DEE use in one `forward` (see `TrainingStep`): both embeddings, the PCME++ loss
    (its scale and shift are DEE parameters) and, when asked, both branches' emotion logits."""

    def forward(self, audio: torch.Tensor, motion: torch.Tensor, match: torch.Tensor | None, *,
                classify: bool) -> tuple[Any, tuple[torch.Tensor, torch.Tensor] | None]:
        dee = self.network
        audio_emb, motion_emb = dee(audio, motion)
        result = dee.criterion(audio_emb, motion_emb, match=match)
        logits = (dee.emotion_logits(audio_emb), dee.emotion_logits(motion_emb)) if classify else None
        return result, logits


def train_dee(config: DeeTrainConfig, fer: FerClassifier, train: ClipBank, val: ClipBank, out: Path) -> DEE:
    device, info = setup(config.device, config.loop.seed)
    save_config(config, out / "config.json")
    model = DEE(config.model)
    model.set_fer(fer)
    model.to(device)
    val_batch = val.windows(batch_size=96, frames=config.frames, generator=torch.Generator().manual_seed(1))

    def matches(batch):
        if not config.use_labels:
            return None
        return match_matrix(batch.emotion.shape[0], emotion=batch.emotion.to(device),
                            intensity=batch.intensity.to(device), partial=config.partial_positive)

    def step(net, batch, _):
        result, logits = net(batch.audio.to(device), batch.motion.to(device), matches(batch),
                             classify=bool(config.classify_weight))
        logs = {"kl": float(result.kl.detach())}
        loss = result.loss
        if logits is not None:
            target = batch.emotion.to(device)
            classify = 0.5 * (F.cross_entropy(logits[0], target) + F.cross_entropy(logits[1], target))
            loss = loss + config.classify_weight * classify
            logs["classify"] = float(classify.detach())
        return loss, logs

    def validate(net):
        dee = unwrap_model(net)
        audio_emb, motion_emb = dee(val_batch.audio.to(device), val_batch.motion.to(device))
        loss = dee.criterion(audio_emb, motion_emb, match=matches(val_batch)).loss
        return {"val_loss": float(loss),
                "val_r1_emotion": retrieval_recall_at_1(audio_emb, motion_emb, val_batch.emotion.to(device))}

    wrapped = wrap_model(DeeStep(model), info, device)
    run_loop(model=wrapped, parameters=[p for p in wrapped.parameters() if p.requires_grad],
             batches=train.stream(batch_size=config.batch_size, frames=config.frames, seed=config.loop.seed,
                                  rank=info.rank),
             step_fn=step, config=config.loop, run_dir=out, dist_info=info, validate_fn=validate,
             description="dee")
    return finish(unwrap_model(wrapped), out, "dee", device)


@torch.no_grad()
def speech_window_embeddings(dee: DEE, bank: ClipBank, *, window_s: float = 2.0,
                             batch: int = 32) -> tuple[GaussianEmbedding, torch.Tensor]:
    """Speech embeddings of the 2 s windows of every clip, with each window's clip emotion."""
    device = next(dee.parameters()).device
    chunks, labels = [], []
    for clip in bank.clips:
        audio = torch.from_numpy(clip.audio)
        for a, b in second_windows(audio.shape[0], window_s=window_s):
            chunks.append(audio[a:b])
            labels.append(clip.emotion)
    means, logvars = [], []
    for i in range(0, len(chunks), batch):
        emb = dee.encode_audio(torch.stack(chunks[i:i + batch]).to(device))
        means.append(emb.mean.cpu())
        logvars.append(emb.logvar.cpu())
    return GaussianEmbedding(torch.cat(means), torch.cat(logvars)), torch.tensor(labels)


def build_prototypes(dee: DEE, bank: ClipBank) -> EmotionPrototypes:
    emb, labels = speech_window_embeddings(dee.eval(), bank)
    return prototypes_from_embeddings(emb, labels, bank.emotions, float(dee.criterion.scale.detach()))
