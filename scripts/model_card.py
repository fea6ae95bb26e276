"""Write a model folder's README.md from its manifest and `deeptalk eval --json` figures.

    .venv/bin/python -m scripts.model_card assets/models/default --eval assets/models/default/eval.json \
        [--notes notes.md] [--corpus runs/default/corpus]

The card says how the model was made (recipe, stage seconds, size), lists every held-out
figure beside its target (`deeptalk.eval_figures.targets`, issue 20), says which targets are
met and which are not, and shows the "Heard" confusion matrix of each synthesis engine.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from deeptalk.eval_figures.targets import met as target_met
from deeptalk.eval_figures.targets import target_of

EVAL_COMMAND = "deeptalk eval {model} --data {corpus} --max-clips {clips} --json {model}/eval.json"
CONFUSION = "heard_confusion@"


def met(name: str, value: float) -> bool:
    return bool(target_met(name, value))


def confusion_tables(figures: dict[str, float]) -> list[str]:
    """Markdown matrices from `heard_confusion@ENGINE:TRUE->HEARD` figures, one per engine."""
    cells: dict[str, dict[tuple[str, str], float]] = {}
    for name, value in figures.items():
        if name.startswith(CONFUSION) and ":" in name and "->" in name:
            engine, pair = name[len(CONFUSION):].split(":", 1)
            true, heard = pair.split("->", 1)
            cells.setdefault(engine, {})[(true, heard)] = value
    lines: list[str] = []
    for engine, table in cells.items():
        classes = list(dict.fromkeys(t for t, _ in table))
        lines += ["", f"\"Heard\" on {engine} speech (rows: label, columns: heard; share of the row's clips):", "",
                  "| label | " + " | ".join(classes) + " |", "|---" * (len(classes) + 1) + "|"]
        lines += [f"| {t} | " + " | ".join(f"{table.get((t, h), 0.0):.2f}" for h in classes) + " |" for t in classes]
    return lines


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


def head_phrase(basis: str) -> str:
    folders = {"standin-v1": "assets/flame/standin", "standin-v2": "assets/flame/standin-v2"}
    return f"stand-in head (`{folders[basis]}`)" if basis in folders else f"`{basis}` FLAME basis"


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
             f"expression space of the {head_phrase(manifest.get('flame_basis', 'standin-v1'))}.", ""]
    if notes:
        lines += [notes.strip(), ""]
    if info.get("stage_seconds"):
        lines += [f"Stage seconds of the last recipe run: {info['stage_seconds']}.", ""]
    steps = {k.removeprefix("steps_"): v for k, v in recipe.items() if k.startswith("steps_") and k != "steps_scale"}
    if steps:
        lines += [f"Stage steps (x{recipe.get('steps_scale', 1)}): {steps}, generator stage 2 "
                  f"{recipe.get('generator_stage2_steps')}.", ""]
    budgets = {k.removeprefix("budget_"): v for k, v in recipe.items() if k.startswith("budget_") and k != "budget_scale"}
    if budgets and recipe.get("budget_scale", 1):  # recipes before v5 stopped each stage at its time budget
        lines += [f"Stage time budgets (seconds, x{recipe.get('budget_scale', 1)}): {budgets}.", ""]
    clips = int(figures.get("clips", 200))  # the figures say how many test clips they were measured on
    lines += [f"## Held-out figures (`{EVAL_COMMAND.format(model='assets/models/default', corpus=corpus, clips=clips)}`)", "",
              "| figure | value | target | met |", "|---|---|---|---|"]
    figures = {k: v for k, v in figures.items() if isinstance(v, (int, float))}  # the json's "targets" is derived
    for name, value in figures.items():
        if name.startswith(CONFUSION):
            continue
        found = target_of(name)
        target = f"{found[0]} {found[1]:g}" if found else ""
        verdict = ("yes" if met(name, value) else "**no**") if found else ""
        lines.append(f"| {name} | {value:.4g} | {target} | {verdict} |")
    judged = [n for n in figures if target_of(n) and not n.startswith(CONFUSION)]
    hit = [n for n in judged if met(n, figures[n])]
    missed = [n for n in judged if not met(n, figures[n])]
    lines += ["", f"Met: {', '.join(hit) or 'none'}. Missed: {', '.join(missed) or 'none'}. Diversity is "
              + ("zero at alpha 0 / temperature 0 and rises with both." if diversity_rises(figures)
                 else "not monotone in alpha and temperature (see the table).")]
    lines += confusion_tables(figures)
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
