"""The conversion report: a JSON file (`--report FILE`) and a short human summary."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from deeptalk.official.convert import ConversionReport


def write_report(report: ConversionReport, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8")
    return path


def summary(report: ConversionReport) -> str:
    lines = []
    for slot, src in report.sources.items():
        lines.append(f"read {src['file']} ({src['keys']} keys, sha256 {src['sha256'][:12]}...)")
    for net, info in report.networks.items():
        lines.append(f"  {net}: {info['tensors']} tensors (from the {info['from']} file)")
    dropped = sum(len(d) for d in report.dropped.values())
    lines.append(f"  {dropped} saved-but-unused keys dropped by name (see --report)")
    for net, result in report.cross_checks.items():
        lines.append(f"  cross-check {net}: {result}")
    lines += [f"  note: {n}" for n in report.notes]
    if report.smoke:
        lines.append(f"  smoke run: {report.smoke['frames']} frames, finite")
    if report.output:
        lines.append(f"wrote {report.output}")
    return "\n".join(lines)
