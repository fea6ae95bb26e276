"""Build the synthetic corpus: plan clips, render them in a small process pool, write the dataset.

Splits are disjoint in speakers (voices) and in sentences: each split has its own
voices and its own block of generated sentences, and its clips are that split's voices
saying that split's sentences with every emotion. Every clip's randomness comes from
`np.random.default_rng([seed, clip_index])`, so the same seed gives the same bytes,
whatever the number of workers.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import random
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from tqdm import tqdm

from deeptalk.audio import write_wav
from deeptalk.corpus.emotion_styles import EMOTION_INDEX, EMOTIONS
from deeptalk.corpus.sentences import generate_sentences
from deeptalk.corpus.sentences_it import generate_italian_sentences
from deeptalk.corpus.tts import ClipSpec, RenderConfig, render_clip
from deeptalk.corpus.voices import DEFAULT_SPLIT, ENGINES, VOICE_BY_NAME
from deeptalk.data.clipfile import ClipMotion, save_clip
from deeptalk.data.manifest import SPLITS, ClipRecord, DatasetInfo, write_dataset

log = logging.getLogger(__name__)
MAX_WORKERS = 2


@dataclass(frozen=True, kw_only=True)
class CorpusProfile:
    """How big a corpus is: voices and sentence counts per split, clips per (voice, emotion)."""

    name: str
    voices: dict[str, tuple[str, ...]]
    sentences: dict[str, int]
    clips_per_emotion: dict[str, int]
    render: RenderConfig = field(default_factory=RenderConfig)

    def __post_init__(self) -> None:
        for table in (self.voices, self.sentences, self.clips_per_emotion):
            if set(table) != set(SPLITS):
                raise ValueError(f"profile {self.name}: every table needs keys {SPLITS}")
        names = [v for split in SPLITS for v in self.voices[split]]
        if len(set(names)) != len(names):
            raise ValueError(f"profile {self.name}: a voice is in two splits")
        unknown = set(names) - set(VOICE_BY_NAME)
        if unknown:
            raise ValueError(f"profile {self.name}: unknown voice(s) {sorted(unknown)}")
        if any(self.sentences[s] < 1 or self.clips_per_emotion[s] < 1 or not self.voices[s] for s in SPLITS):
            raise ValueError(f"profile {self.name}: each split needs voices, sentences and clips")

    @property
    def n_clips(self) -> int:
        return sum(len(self.voices[s]) * len(EMOTIONS) * self.clips_per_emotion[s] for s in SPLITS)


PROFILES: dict[str, CorpusProfile] = {
    "default": CorpusProfile(
        name="default", voices=dict(DEFAULT_SPLIT),
        sentences={"train": 170, "val": 30, "test": 30},
        clips_per_emotion={"train": 6, "val": 12, "test": 9}),  # many voices, fewer clips each
    "tiny": CorpusProfile(
        name="tiny", voices={"train": ("us_m1", "gb_f3"), "val": ("nyc_m7",), "test": ("lanc_f4",)},
        sentences={"train": 4, "val": 2, "test": 2},
        clips_per_emotion={"train": 1, "val": 1, "test": 1},
        render=RenderConfig(p_augment=0.5, p_speed=0.5)),
    "tiny-engines": CorpusProfile(  # one voice per engine and split role: espeak-ng, festival, held-out flite
        name="tiny-engines", voices={"train": ("us_m1", "fest_kal"), "val": ("fest_ked",), "test": ("flite_slt",)},
        sentences={"train": 2, "val": 1, "test": 1},
        clips_per_emotion={"train": 1, "val": 1, "test": 1},
        render=RenderConfig(p_augment=1.0, p_speed=0.5)),
}


@dataclass(frozen=True)
class _Job:
    spec: ClipSpec
    split: str
    out_dir: str
    render: RenderConfig


def plan_clips(profile: CorpusProfile, seed: int) -> list[tuple[str, ClipSpec]]:
    """(split, spec) for every clip, in a fixed order; sentence ids are global and split-disjoint."""
    total = sum(profile.sentences[s] for s in SPLITS)
    # one table per language, indexed by the same sentence ids (an id is one sentence slot of its split)
    texts = {"en": generate_sentences(total, seed=seed), "it": generate_italian_sentences(total, seed=seed)}
    order = random.Random(seed + 1)
    plan: list[tuple[str, ClipSpec]] = []
    first = 0
    for split in SPLITS:
        ids = list(range(first, first + profile.sentences[split]))
        first += profile.sentences[split]
        cycle = _cycle(ids, order)
        for v_index, voice_name in enumerate(profile.voices[split]):
            for emotion in EMOTIONS:
                for k in range(profile.clips_per_emotion[split]):
                    intensity = 1 if emotion == "neutral" else (k + v_index) % 3 + 1
                    sentence = next(cycle)
                    index = len(plan)
                    clip_id = f"{index:05d}_{voice_name}_{emotion}{intensity}_s{sentence:04d}"
                    voice = VOICE_BY_NAME[voice_name]
                    plan.append((split, ClipSpec(clip_id=clip_id, text=texts[voice.language][sentence],
                                                 sentence=sentence, voice=voice, emotion=emotion,
                                                 intensity=intensity, seed=(seed, index))))
    return plan


def _cycle(ids: list[int], rng: random.Random) -> Iterator[int]:
    """Endless reshuffled passes over `ids`, so sentences are used evenly."""
    while True:
        batch = list(ids)
        rng.shuffle(batch)
        yield from batch


def _render_and_write(job: _Job) -> ClipRecord:
    """Worker: render one clip and write its wav + npz; return its manifest record."""
    spec = job.spec
    clip = render_clip(spec, job.render)
    clips = Path(job.out_dir) / "clips"
    write_wav(clips / f"{spec.clip_id}.wav", clip.audio, job.render.sample_rate)
    save_clip(clips / f"{spec.clip_id}.npz", ClipMotion(
        exp=clip.exp, jaw=clip.jaw, fps=job.render.fps, visemes=clip.visemes,
        emotion=EMOTION_INDEX[spec.emotion], intensity=spec.intensity, speaker=spec.voice.name,
        sentence=spec.sentence, alt_exp=clip.alt_exp, alt_jaw=clip.alt_jaw))
    return ClipRecord(id=spec.clip_id, audio=f"clips/{spec.clip_id}.wav", motion=f"clips/{spec.clip_id}.npz",
                      speaker=spec.voice.name, emotion=spec.emotion, intensity=spec.intensity, split=job.split,
                      sentence=spec.sentence, text=spec.text, frames=int(clip.exp.shape[0]),
                      duration_s=round(len(clip.audio) / job.render.sample_rate, 6))


def build_corpus(out_dir: str | Path, *, profile: str | CorpusProfile = "default", seed: int = 0,
                 workers: int = MAX_WORKERS, overwrite: bool = False, progress: bool = True) -> DatasetInfo:
    """Render the corpus into `out_dir` (clips/, manifest.jsonl, dataset.json) and return its info."""
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    out = Path(out_dir)
    if (out / "manifest.jsonl").exists() or (out / "clips").exists():
        if not overwrite:
            raise FileExistsError(f"{out} already holds a corpus; pass overwrite=True (--force) to replace it")
        shutil.rmtree(out / "clips", ignore_errors=True)
        (out / "manifest.jsonl").unlink(missing_ok=True)
    (out / "clips").mkdir(parents=True, exist_ok=True)
    plan = plan_clips(prof, seed)
    jobs = [_Job(spec=spec, split=split, out_dir=str(out), render=prof.render) for split, spec in plan]
    workers = max(1, min(int(workers), MAX_WORKERS))
    log.info("building %s corpus: %d clips with %d worker(s) into %s", prof.name, len(jobs), workers, out)
    bar = tqdm(total=len(jobs), desc="corpus", unit="clip", disable=not progress, file=None)
    records: list[ClipRecord] = []
    if workers == 1:
        for job in jobs:
            records.append(_render_and_write(job))
            bar.update()
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for record in pool.map(_render_and_write, jobs, chunksize=4):
                records.append(record)
                bar.update()
    bar.close()
    engines = {name: VOICE_BY_NAME[name].engine for split in SPLITS for name in prof.voices[split]}
    info = DatasetInfo(emotions=EMOTIONS, fps=prof.render.fps, sample_rate=prof.render.sample_rate,
                       source="synthetic-" + "+".join(e for e in ENGINES if e in engines.values()),
                       held_out_sentences=True,
                       extra={"profile": prof.name, "seed": seed, "engines": engines, "basis": prof.render.basis,
                              "voices": {s: list(prof.voices[s]) for s in SPLITS},
                              "render": json.loads(json.dumps(asdict(prof.render)))})
    write_dataset(out, info, records)
    hours = sum(r.duration_s or 0.0 for r in records) / 60.0
    log.info("corpus done: %d clips, %.1f minutes of speech", len(records), hours)
    return info
