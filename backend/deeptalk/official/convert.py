"""`convert_official(...)`: the official DEEPTalk checkpoints -> a normal model folder.

DEEPTalk.pth alone suffices for speech -> motion: it holds wav2vec2-base-960h, the generator
heads, a TH-VQVAE copy and a DEE copy (with its fine-tuned emotion2vec). The standalone
DEE.pth / TH-VQVAE.pth, when given, are converted too and cross-checked against those
copies (the copies are what the generator was trained with and are used); FER.pth feeds the
DEE's motion branch and the fer network (without it that branch is left untrained and the
manifest says so). Every source key is consumed by a rule or a named drop rule, every
target key matched with a strict load, all values finite. The folder is written in float32
to a temporary sibling and renamed into place after a smoke run, so a failed conversion
leaves nothing behind. FLAME basis: `flame2020`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from deeptalk.emotion_track import EmotionPrototypes
from deeptalk.model_presets import preset_configs
from deeptalk.models.dee import DEE
from deeptalk.models.fer import FerClassifier
from deeptalk.models.generator import Generator
from deeptalk.models.lipreader import MotionLipReader
from deeptalk.models.thvqvae import ThVqvae
from deeptalk.official import architecture as arch
from deeptalk.official.loading import ConvertError, _first, read_official
from deeptalk.official.rename import Renamed, match_target, rename_section
from deeptalk.official.rename_tables import GENERATOR_FILE_SECTIONS

log = logging.getLogger(__name__)

FLAME_BASIS = "flame2020"
LICENCE_NOTE = ("Converted from the official DEEPTalk checkpoints (code: MIT licence, whwjdqls/DEEPTalk). "
                "The weights were trained on MEAD and FLAME data, which are licensed for non-commercial "
                "research only: check both licences before any other use. Not redistributable by deeptalk.")


@dataclass
class ConversionReport:
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # slot -> path, sha256, keys
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)  # network -> from, tensors
    dropped: dict[str, dict[str, str]] = field(default_factory=dict)   # slot -> source key -> why
    cross_checks: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    smoke: dict[str, Any] = field(default_factory=dict)
    output: str = ""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _load_into(model: torch.nn.Module, renamed: Renamed, network: str, path: object) -> None:
    state = match_target(renamed, model.state_dict(), network, path)
    model.load_state_dict(state, strict=True)


def _cross_check(ours: Renamed, theirs: Renamed, what: str, path: Path) -> str:
    differ = [k for k, v in ours.tensors.items() if k not in theirs.tensors or not torch.equal(v, theirs.tensors[k])]
    if differ:
        return f"{path.name} differs from the {what} copy inside DEEPTalk.pth at {_first(differ)}; the copy is used"
    return "equal"


def _empty_network(slot: str) -> torch.nn.Module:
    prior = arch.thvqvae_config()
    return {"fer": lambda: FerClassifier(arch.fer_config()), "dee": lambda: DEE(arch.dee_config()),
            "thvqvae": lambda: ThVqvae(prior), "generator": lambda: Generator(arch.generator_config(prior))}[slot]()


def convert_single(path: str | Path, slot: str) -> torch.nn.Module:
    """One standalone official file (fer, thvqvae; dee without its FER) as our network, checked."""
    if slot not in ("fer", "thvqvae", "dee"):
        raise ValueError("convert_single converts fer, thvqvae or dee files")
    renamed = rename_section(read_official(path, slot), "", slot, path)
    net = _empty_network(slot)
    if slot == "dee":
        renamed.tensors.update({f"fer.{k}": v for k, v in net.fer.state_dict().items()})
    _load_into(net, renamed, slot, path)
    return net.eval()


def build_networks(generator: Path, *, dee: Path | None = None, thvqvae: Path | None = None,
                   fer: Path | None = None, report: ConversionReport | None = None) -> dict[str, torch.nn.Module]:
    """Read, rename, check and load every network (eval mode); ConvertError on any problem."""
    report = report or ConversionReport()
    paths = {"generator": generator, "dee": dee, "thvqvae": thvqvae, "fer": fer}
    states = {}
    for slot, path in paths.items():
        if path is None:
            continue
        states[slot] = read_official(path, slot)
        report.sources[slot] = {"path": str(Path(path).resolve()), "file": Path(path).name,
                                "sha256": file_sha256(Path(path)), "keys": len(states[slot])}
    torch.manual_seed(0)
    nets = {slot: _empty_network(slot) for slot in ("fer", "dee", "thvqvae", "generator")}
    gen_state, claimed = states["generator"], set()
    sections = {net: rename_section(gen_state, prefix, net, generator, claimed)
                for prefix, net in GENERATOR_FILE_SECTIONS}
    report.dropped["generator"] = {k: v for r in sections.values() for k, v in r.dropped.items()}
    if "fer" in states:
        fer_renamed = rename_section(states.pop("fer"), "", "fer", fer)
        report.dropped["fer"] = fer_renamed.dropped
        _load_into(nets["fer"], fer_renamed, "fer", fer)
        report.networks["fer"] = {"from": "fer", "tensors": len(fer_renamed.tensors)}
    else:
        report.notes.append("no FER file: the DEE's motion branch and fer.pt are untrained (speech -> motion "
                            "does not need them)")
    fer_part = Renamed({f"fer.{k}": v for k, v in nets["fer"].state_dict().items()})
    for net, slot_path in (("dee", dee), ("thvqvae", thvqvae)):
        inner = sections[net]
        if net in states:
            standalone = rename_section(states.pop(net), "", net, slot_path)
            report.dropped[net] = standalone.dropped
            report.cross_checks[net] = _cross_check(standalone, inner, net.upper(), Path(slot_path))
            if report.cross_checks[net] != "equal":
                log.warning("%s", report.cross_checks[net])
        if net == "dee":
            inner = Renamed({**inner.tensors, **fer_part.tensors}, inner.dropped, {**inner.sources})
        _load_into(nets[net], inner, net, generator)
        report.networks[net] = {"from": "generator", "tensors": len(inner.tensors)}
    _load_into(nets["generator"], sections["generator"], "generator", generator)
    report.networks["generator"] = {"from": "generator", "tensors": len(sections["generator"].tensors)}
    del states, gen_state, sections
    return {k: v.eval() for k, v in nets.items()}


def _smoke(nets: dict[str, torch.nn.Module]) -> dict[str, Any]:
    """One reference-mode run on 1 s of a synthetic voice: finite motion of the right shape."""
    from deeptalk.reference_mode import reference_animate

    t = np.arange(16000, dtype=np.float32) / 16000
    wave = (0.1 * np.sin(2 * np.pi * 140 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    out = reference_animate(nets["dee"], nets["thvqvae"], nets["generator"], wave, style=0)
    if not np.isfinite(out.motion).all():
        raise ConvertError("the converted model produced non-finite motion in its smoke run; report this bug")
    return {"frames": int(out.motion.shape[0]), "max_abs_motion": float(np.abs(out.motion).max())}


def convert_official(generator: str | Path, out: str | Path, *, dee: str | Path | None = None,
                     thvqvae: str | Path | None = None, fer: str | Path | None = None,
                     flame: str | Path | None = None, model_id: str = "deeptalk-official",
                     dry_run: bool = False, prototypes_from: Callable[[DEE], EmotionPrototypes] | None = None,
                     ) -> ConversionReport:
    """Convert and write the model folder `out` (nothing written on error or with `dry_run`)."""
    from deeptalk.model_dir import write_model_dir

    out = Path(out)
    if not dry_run and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConvertError(f"{out}: already exists and is not empty; choose a new --out folder or delete it")
    flame_path = None if flame is None else Path(flame)
    if flame_path is not None and not flame_path.is_file():
        raise ConvertError(f"{flame_path}: no such FLAME file (--flame expects generic_model.pkl of FLAME 2020)")
    report = ConversionReport()
    as_path = (lambda p: None if p is None else Path(p))
    nets = build_networks(Path(generator), dee=as_path(dee), thvqvae=as_path(thvqvae), fer=as_path(fer),
                          report=report)
    report.smoke = _smoke(nets)
    if dry_run:
        report.notes.append("dry run: nothing written")
        return report
    protos = prototypes_from(nets["dee"]) if prototypes_from is not None else None
    if protos is None:
        report.notes.append("no emotion prototypes: the emotion override is unavailable until they are built "
                            "with --prototype-clips DIR")
    torch.manual_seed(0)
    lipreader = MotionLipReader(preset_configs("default", num_emotions=len(arch.MEAD_EMOTIONS)).lipreader).eval()
    info = {"preset": "paper", "trained": True, "source": "official DEEPTalk checkpoints",
            "official_sources": report.sources, "licence": LICENCE_NOTE,
            "styles": list(arch.ACTORS), "untrained_parts": ["lipreader"] + ([] if fer else ["fer", "dee.fer"]),
            "prototypes_built": protos is not None}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.converting-", dir=out.parent))
    try:
        emotions = protos.emotions if protos is not None else arch.MEAD_EMOTIONS
        write_model_dir(tmp, model_id=model_id, emotions=emotions, dee=nets["dee"],
                        thvqvae=nets["thvqvae"], generator=nets["generator"], fer=nets["fer"],
                        lipreader=lipreader, prototypes=protos,
                        flame=str(flame_path.resolve()) if flame_path else "standin",
                        flame_basis=FLAME_BASIS, info=info, half=False)
        if out.exists():
            out.rmdir()  # empty (checked above)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report.output = str(out)
    return report
