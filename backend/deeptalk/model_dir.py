"""A model directory: `manifest.json`, one checkpoint per network, the emotion prototypes.

manifest.json:
    {"model_id": str, "format": 1, "emotions": [...],
     "files": {"dee": "dee.pt", "thvqvae": "thvqvae.pt", "generator": "generator.pt",
               "fer": "fer.pt", "lipreader": "lipreader.pt"},
     "prototypes": "emotion_prototypes.npz" | null, "flame": "standin" | path,
     "flame_basis": "standin-v1" | "standin-v2" | "flame2020" | ..., "info": {...},
     "sha256": {"dee.pt": hex, ...}}   (optional: checked at load when present)
`prototypes` null: the model has none (converted official weights without --prototype-clips);
its emotion override is unavailable. `flame_basis` names the expression basis the model was
trained in (missing: "standin-v1"); a rig in another basis must not be driven by it.
Each `.pt` is `deeptalk.models.checkpoint` format (config + state dict, read with
weights_only=True). The generator file holds the generator and its content audio encoder;
the DEE (with its FER copy) and the TH-VQVAE it decodes through live in their own files.
Inference needs dee, thvqvae, generator and the prototypes; fer and lipreader are there
for training and evaluation. Every problem is a `ModelDirError` naming the file and what
to do. `build_untrained_model_dir` writes real, randomly initialised networks.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from deeptalk.emotion_track import EmotionPrototypes
from deeptalk.lip_seal import LipSealPose
from deeptalk.model_integrity import HASH_KEY, ModelIntegrityError, valid_hashes, verify_sha256, weight_hashes
from deeptalk.model_presets import PRESETS, PresetConfigs, preset_configs
from deeptalk.models.checkpoint import load_checkpoint, save_checkpoint
from deeptalk.models.dee import DEE, DeeConfig
from deeptalk.models.fer import EMOTIONS, FerClassifier, FerConfig
from deeptalk.models.generator import Generator, GeneratorConfig
from deeptalk.models.lipreader import LipReaderConfig, MotionLipReader
from deeptalk.models.thvqvae import ThVqvae, ThVqvaeConfig
from deeptalk.safe_write import write_atomic

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST_NAME = "manifest.json"
PROTOTYPES_NAME = "emotion_prototypes.npz"
NETWORKS: dict[str, tuple[type[nn.Module], type]] = {
    "dee": (DEE, DeeConfig),
    "thvqvae": (ThVqvae, ThVqvaeConfig),
    "generator": (Generator, GeneratorConfig),
    "fer": (FerClassifier, FerConfig),
    "lipreader": (MotionLipReader, LipReaderConfig),
}
INFERENCE_NETWORKS = ("dee", "thvqvae", "generator")
DEFAULT_FLAME_BASIS = "standin-v1"  # models written before the basis was recorded
_FIX = "rebuild it with `deeptalk train` (or `build_untrained_model_dir` for a test model)"


class ModelDirError(ValueError):
    """A model directory that cannot be used; the message names the file and what to do."""


@dataclass(frozen=True)
class Manifest:
    model_id: str
    emotions: tuple[str, ...]
    files: Mapping[str, str] = field(default_factory=lambda: {k: f"{k}.pt" for k in NETWORKS})
    prototypes: str | None = PROTOTYPES_NAME
    flame: str = "standin"
    info: Mapping[str, Any] = field(default_factory=dict)
    format: int = FORMAT
    flame_basis: str = DEFAULT_FLAME_BASIS
    sha256: Mapping[str, str] = field(default_factory=dict)  # file name -> hex digest (model_integrity)
    lip_seal: LipSealPose | None = None  # the bilabial pose the pipeline seals the lips to (`lip_seal`)

    def to_json(self) -> dict[str, Any]:
        data = {"model_id": self.model_id, "format": self.format, "emotions": list(self.emotions),
                "files": dict(self.files), "prototypes": self.prototypes, "flame": self.flame,
                "flame_basis": self.flame_basis, "info": dict(self.info)}
        if self.lip_seal is not None:
            data["lip_seal"] = self.lip_seal.to_json()
        return {**data, HASH_KEY: dict(self.sha256)} if self.sha256 else data


def _err(path: Path, problem: str, fix: str = _FIX) -> ModelDirError:
    return ModelDirError(f"{path}: {problem}; {fix}")


def read_manifest(path: str | Path) -> Manifest:
    """Read and check `<path>/manifest.json`; raise ModelDirError saying what is wrong."""
    root = Path(path)
    file = root / MANIFEST_NAME
    if not root.is_dir():
        raise ModelDirError(f"{root}: no such model directory; point the add-on or --model-dir at a folder "
                            f"holding {MANIFEST_NAME}")
    if not file.is_file():
        raise _err(file, "missing (not a deeptalk model directory?)")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _err(file, f"unreadable or not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise _err(file, "must hold a JSON object")
    fmt = data.get("format")
    if fmt != FORMAT:
        hint = "update deeptalk" if isinstance(fmt, int) and fmt > FORMAT else _FIX
        raise _err(file, f"format {fmt!r} is not supported (this deeptalk reads format {FORMAT})", hint)
    model_id, emotions, files = data.get("model_id"), data.get("emotions"), data.get("files")
    if not isinstance(model_id, str) or not model_id:
        raise _err(file, "'model_id' must be a non-empty string")
    if (not isinstance(emotions, list) or not emotions or not all(isinstance(e, str) and e for e in emotions)
            or len(set(emotions)) != len(emotions)):
        raise _err(file, "'emotions' must be a non-empty list of distinct names")
    if not isinstance(files, dict) or set(files) != set(NETWORKS):
        raise _err(file, f"'files' must map exactly {', '.join(NETWORKS)} to file names")
    named = [*files.items()] + ([("prototypes", data.get("prototypes"))] if data.get("prototypes") is not None else [])
    for key, name in named:
        if not isinstance(name, str) or not _plain_name(name):
            raise _err(file, f"{key!r} must be a plain file name inside the directory, got {name!r}")
    flame, info = data.get("flame", "standin"), data.get("info", {})
    basis = data.get("flame_basis", DEFAULT_FLAME_BASIS)
    if not isinstance(flame, str) or not isinstance(info, dict) or not isinstance(basis, str) or not basis:
        raise _err(file, "'flame' and 'flame_basis' must be strings and 'info' an object")
    hashes = data.get(HASH_KEY, {})
    if not valid_hashes(hashes):
        raise _err(file, f"{HASH_KEY!r} must map file names to sha256 hex digests")
    lip_seal = None
    if data.get("lip_seal") is not None:
        try:
            lip_seal = LipSealPose.from_json(data["lip_seal"])
        except ValueError as exc:
            raise _err(file, f"'lip_seal' is not usable ({exc})") from None
    return Manifest(model_id, tuple(emotions), dict(files), data.get("prototypes"), flame, info, FORMAT,
                    flame_basis=basis, sha256=dict(hashes), lip_seal=lip_seal)


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


def load_network(root: str | Path, manifest: Manifest, key: str, device: torch.device | str = "cpu", *,
                 verify: bool = True) -> nn.Module:
    """Rebuild one network of the directory (eval mode); ModelDirError on any problem.

    verify: then check the file's sha256 against the manifest (a damaged file is named as such first).
    """
    model_cls, config_cls = NETWORKS[key]
    path = Path(root) / manifest.files[key]
    if not path.is_file():
        raise _err(path, f"the {key} checkpoint listed in {MANIFEST_NAME} is missing")
    try:
        loaded = load_checkpoint(path, model_cls, config_cls, map_location=device)
    except ModelIntegrityError as exc:
        raise ModelDirError(f"{exc}; {_FIX}") from None
    except Exception as exc:  # torch.load on damaged bytes raises many kinds (UnpicklingError, IndexError ...)
        detail = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        raise _err(path, f"not a usable {model_cls.__name__} checkpoint ({detail})") from None
    if verify:
        _verify(path, manifest)
    return loaded.model


def _verify(path: Path, manifest: Manifest) -> None:
    try:
        verify_sha256(path, manifest.sha256)
    except ModelIntegrityError as exc:
        raise ModelDirError(str(exc)) from None
    except OSError as exc:
        raise _err(path, f"cannot be read ({exc.strerror or exc})") from None


def load_prototypes(root: str | Path, manifest: Manifest) -> EmotionPrototypes | None:
    """The model's emotion prototypes, or None when its manifest lists none."""
    if manifest.prototypes is None:
        return None
    path = Path(root) / manifest.prototypes
    if not path.is_file():
        raise _err(path, "the emotion prototypes listed in the manifest are missing")
    try:
        protos = EmotionPrototypes.load(path)
    except ValueError as exc:
        raise _err(path, str(exc)) from None
    if protos.emotions != manifest.emotions:
        raise _err(path, f"its emotions {list(protos.emotions)} differ from the manifest's {list(manifest.emotions)}")
    return protos


@dataclass(frozen=True)
class InferenceModels:
    manifest: Manifest
    dee: DEE
    thvqvae: ThVqvae
    generator: Generator
    prototypes: EmotionPrototypes | None


def load_inference_models(root: str | Path, device: torch.device | str = "cpu") -> InferenceModels:
    """Manifest, DEE, TH-VQVAE, generator and prototypes, checked against each other."""
    manifest = read_manifest(root)
    nets = {key: load_network(root, manifest, key, device, verify=False) for key in INFERENCE_NETWORKS}
    dee, prior, gen = nets["dee"], nets["thvqvae"], nets["generator"]
    assert isinstance(dee, DEE) and isinstance(prior, ThVqvae) and isinstance(gen, Generator)
    gen_file = Path(root) / manifest.files["generator"]
    try:
        gen.config.check_prior(prior.config)
    except ValueError as exc:
        raise _err(gen_file, f"does not fit {manifest.files['thvqvae']}: {exc}") from None
    if gen.config.emotion_dim != dee.embed_dim:
        raise _err(gen_file, f"expects {gen.config.emotion_dim}-d emotions but the DEE gives {dee.embed_dim}-d")
    protos = load_prototypes(root, manifest)
    if protos is not None and protos.dim != dee.embed_dim:
        raise _err(Path(root) / manifest.prototypes, f"prototypes are {protos.dim}-d, the DEE's space is "
                   f"{dee.embed_dim}-d")
    for name in [*(manifest.files[key] for key in INFERENCE_NETWORKS), *([manifest.prototypes] if protos else [])]:
        _verify(Path(root) / name, manifest)  # last: a damaged or mismatched file is named as such first
    return InferenceModels(manifest, dee, prior, gen, protos)


def write_model_dir(path: str | Path, *, model_id: str, emotions: Sequence[str], dee: DEE, thvqvae: ThVqvae,
                    generator: Generator, fer: FerClassifier, lipreader: MotionLipReader,
                    prototypes: EmotionPrototypes | None, flame: str = "standin",
                    info: Mapping[str, Any] | None = None, half: bool = False,
                    flame_basis: str = DEFAULT_FLAME_BASIS, lip_seal: LipSealPose | None = None) -> Path:
    """Write every file, then the manifest last (atomically), so a half-written folder has none.
    `half` stores the weights as float16 (the shipped default: half the size, same outputs to ~1e-3)."""
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(model_id=model_id, emotions=tuple(emotions), flame=flame, info=dict(info or {}),
                        prototypes=PROTOTYPES_NAME if prototypes is not None else None, flame_basis=flame_basis,
                        lip_seal=lip_seal)
    if prototypes is not None and tuple(prototypes.emotions) != manifest.emotions:
        raise ValueError("prototypes.emotions must equal emotions")
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", model_id):
        raise ValueError(f"model_id must be 1-100 letters, digits, '.', '_' or '-', got {model_id!r}")
    networks = {"dee": dee, "thvqvae": thvqvae, "generator": generator, "fer": fer, "lipreader": lipreader}
    for key, net in networks.items():
        model_cls, _ = NETWORKS[key]
        if not isinstance(net, model_cls):
            raise TypeError(f"{key} must be a {model_cls.__name__}")
        save_checkpoint(root / manifest.files[key], net, net.config, half=half)
    if prototypes is not None:
        prototypes.save(root / PROTOTYPES_NAME)
    write_manifest(root, manifest)
    return root


def write_manifest(root: str | Path, manifest: Manifest) -> Path:
    """Write `manifest.json` atomically, recording the sha256 of every file it lists (read from disk)."""
    names = [*manifest.files.values(), *([manifest.prototypes] if manifest.prototypes else [])]
    hashed = replace(manifest, sha256=weight_hashes(root, [n for n in names if (Path(root) / n).is_file()]))
    text = json.dumps(hashed.to_json(), indent=2) + "\n"
    return write_atomic(Path(root) / MANIFEST_NAME, text.encode("utf-8"))


def build_untrained_model_dir(path: str | Path, preset: str = "tiny", emotions: Sequence[str] = EMOTIONS, *,
                              seed: int = 0, model_id: str | None = None, num_styles: int = 8) -> Path:
    """A complete directory of randomly initialised networks (a real, untrained model).

    The prototypes are random unit vectors (seeded); the TH-VQVAE codebooks are initialised
    from one batch of random motion, as its first training step would. Takes about a second
    for "tiny".
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    torch.manual_seed(seed)
    configs: PresetConfigs = preset_configs(preset, num_emotions=len(emotions), num_styles=num_styles)
    fer = FerClassifier(configs.fer).eval()
    dee = DEE(configs.dee)
    dee.set_fer(fer)
    prior = ThVqvae(configs.thvqvae)
    prior.train()
    with torch.no_grad():
        prior(0.1 * torch.randn(4, 32, prior.config.motion_dim))
    generator = Generator(configs.generator)
    lipreader = MotionLipReader(configs.lipreader)
    g = torch.Generator().manual_seed(seed)
    mean = F.normalize(torch.randn(len(emotions), dee.embed_dim, generator=g), dim=-1).numpy()
    protos = EmotionPrototypes(tuple(emotions), mean, np.full_like(mean, -4.0), float(dee.criterion.scale.detach()))
    return write_model_dir(path, model_id=model_id or f"untrained-{preset}", emotions=emotions, dee=dee.eval(),
                           thvqvae=prior.eval(), generator=generator.eval(), fer=fer, lipreader=lipreader.eval(),
                           prototypes=protos, info={"preset": preset, "trained": False, "seed": seed})
