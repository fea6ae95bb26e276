"""Write a model folder's README.md from its manifest and `deeptalk eval --json` figures.

    .venv/bin/python -m scripts.model_card assets/models/default --eval assets/models/default/eval.json \
        [--notes notes.md] [--corpus runs/default/corpus]

The card says how the model was made (recipe, stage seconds, size), lists every held-out
figure beside its target from issue #5, and says which targets are met and which are not.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

# figure -> (comparison, target) for the embedded default (issue #5)
TARGETS: dict[str, tuple[str, float]] = {
    "jaw_correlation": (">=", 0.7),
    "lip_vertex_error_ratio": ("<=", 0.5),
    "lipreading_error_ratio": ("<=", 1.5),
    "emotion_accuracy_generated": (">=", 0.6),
    "dee_r1_emotion": (">=", 0.8),
    "codebook_usage_top": (">=", 0.6),
    "codebook_usage_bottom": (">=", 0.6),
}
EVAL_COMMAND = "deeptalk eval {model} --data {corpus} --max-clips 200 --json {model}/eval.json"


def met(name: str, value: float) -> bool:
    op, target = TARGETS[name]
    return value >= target if op == ">=" else value <= target


def diversity_rises(figures: dict[str, float]) -> bool:
    """Zero at alpha 0 / temperature 0, and growing with each."""
    alpha = [figures.get(f"diversity_alpha_{a}", 0.0) for a in ("0", "0.5", "1")]
    temp = [figures.get(f"diversity_temperature_{t}", 0.0) for t in ("0", "0.5", "1")]
    return alpha[0] < 1e-6 and temp[0] < 1e-6 and alpha[0] < alpha[1] < alpha[2] and temp[0] < temp[1] < temp[2]


def weight_dtype(model_dir: Path, manifest: dict) -> str:
    """"float16" when the generator's weights are stored in half precision, else "float32"."""
    import torch

    state = torch.load(model_dir / manifest["files"]["generator"], map_location="cpu", weights_only=True)["state_dict"]
    return "float16" if any(v.dtype == torch.float16 for v in state.values()) else "float32"


def head_of(manifest: dict) -> str:
    """The stand-in head a manifest's `flame_basis` names, for the card's text."""
    basis = manifest.get("flame_basis", "standin-v1")
    folder = {"standin-v1": "assets/flame/standin", "standin-v2": "assets/flame/standin-v2"}.get(basis)
    return f"`{basis}` (`{folder}`)" if folder else f"of the `{basis}` basis"


def render(model_dir: Path, figures: dict[str, float], notes: str, corpus: str = "runs/default/corpus") -> str:
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    info = manifest.get("info", {})
    recipe = info.get("recipe", {})
    size_mb = sum(p.stat().st_size for p in model_dir.iterdir() if p.is_file()) / 1e6
    lines = [f"# Embedded default model: `{manifest['model_id']}`", "",
             f"Trained by our recipe (`deeptalk train all`, seed {recipe.get('seed', 0)}, preset "
             f"`{recipe.get('preset', '?')}`, corpus profile `{recipe.get('corpus_profile', '?')}`, "
             f"{info.get('train_clips', '?')} training clips from voices {', '.join(info.get('speakers', []))}) "
             f"on a 2-core CPU, weights stored as {weight_dtype(model_dir, manifest)}. Folder size {size_mb:.1f} MB. Motion is in the "
             f"expression space of the stand-in head {head_of(manifest)}.", ""]
    if notes:
        lines += [notes.strip(), ""]
    if info.get("stage_seconds"):
        lines += [f"Stage seconds of the last recipe run: {info['stage_seconds']}.", ""]
    budgets = {k.removeprefix("budget_"): v for k, v in recipe.items() if k.startswith("budget_") and k != "budget_scale"}
    if budgets:
        lines += [f"Stage budgets (seconds, x{recipe.get('budget_scale', 1)}): {budgets}.", ""]
    lines += [f"## Held-out figures (`{EVAL_COMMAND.format(model='assets/models/default', corpus=corpus)}`)", "",
              "| figure | value | target | met |", "|---|---|---|---|"]
    for name, value in figures.items():
        target = f"{TARGETS[name][0]} {TARGETS[name][1]:g}" if name in TARGETS else ""
        verdict = ("yes" if met(name, value) else "**no**") if name in TARGETS else ""
        lines.append(f"| {name} | {value:.4g} | {target} | {verdict} |")
    hit = [n for n in TARGETS if n in figures and met(n, figures[n])]
    missed = [n for n in TARGETS if n in figures and not met(n, figures[n])]
    lines += ["", f"Met: {', '.join(hit) or 'none'}. Missed: {', '.join(missed) or 'none'}. Diversity is "
              + ("zero at alpha 0 / temperature 0 and rises with both." if diversity_rises(figures)
                 else "not monotone in alpha and temperature (see the table).")]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--eval", type=Path, required=True, help="figures written by `deeptalk eval --json`")
    parser.add_argument("--notes", type=Path, help="a markdown paragraph on how this model was made")
    parser.add_argument("--corpus", default="runs/default/corpus", help="the corpus the figures were measured on")
    args = parser.parse_args(argv)
    figures = json.loads(args.eval.read_text(encoding="utf-8"))
    notes = args.notes.read_text(encoding="utf-8") if args.notes else ""
    card = args.model_dir / "README.md"
    card.write_text(render(args.model_dir, figures, notes, args.corpus), encoding="utf-8")
    print(f"wrote {card}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
