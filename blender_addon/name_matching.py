"""Match ARKit channel names to a character's shape key names (pure Python, no bpy).

Tried in order, each shape key used once: the exact name; the same name ignoring case;
then a canonical form that ignores separators and case, reads the side from `Left`/`Right`,
`_L`/`.L`/`-L`/` L`, `_l` or a bare capital `L` after a lower-case letter (`eyeBlinkL`), and
drops common prefixes / suffixes (`ARKit_`, `BS_`, `blendShape1.`, `Face.`, `A25_`, `..._bs`).
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

PREFIXES = frozenset({"arkit", "bs", "blendshape", "blendshapes", "shape", "shapes", "shapekey", "facs", "cc",
                      "face", "head", "mesh", "key", "morph", "expr", "expression"})
SUFFIXES = frozenset({"arkit", "bs", "shape", "key", "morph", "blendshape"})
_SIDE = re.compile(r"(?:[._\- ](?P<sep>left|right|l|r)|(?P<word>left|right)|(?<=[a-z0-9])(?P<cap>[LR]))$",
                   re.IGNORECASE)
_TOKENS = re.compile(r"[._\-:| ]+")


def split_side(name: str) -> tuple[str, str]:
    """(base, side) with side 'left', 'right' or ''."""
    match = _SIDE.search(name)
    if match is None:
        return name, ""
    if match.group("cap") is not None and not match.group("cap").isupper():
        return name, ""
    found = (match.group("sep") or match.group("word") or match.group("cap")).lower()
    side = "left" if found in ("l", "left") else "right"
    return name[:match.start()], side


def canonical(name: str) -> str:
    """A comparison key: `ARKit_mouthSmile.L` and `mouthSmileLeft` -> `mouthsmile|left`."""
    name = name.rsplit("|", 1)[-1].rsplit(":", 1)[-1].strip()
    base, side = split_side(name)
    tokens = [t for t in _TOKENS.split(base) if t]
    while len(tokens) > 1 and (tokens[0].lower() in PREFIXES or re.fullmatch(r"[A-Za-z]\d+", tokens[0])
                               or re.fullmatch(r"[A-Za-z]+\d+", tokens[0])
                               and tokens[0].rstrip("0123456789").lower() in PREFIXES):
        tokens.pop(0)  # `ARKit_`, `blendShape1.`, numbered `A25_` (Character Creator style)
    while len(tokens) > 1 and tokens[-1].lower() in SUFFIXES:
        tokens.pop()
    joined = "".join(tokens)
    if not side:  # `mouthSmile_Left` with the side inside the last token
        joined, side = split_side(joined)
    return re.sub(r"[^a-z0-9]", "", joined.lower()) + "|" + side


def match_names(channels: Sequence[str], keys: Iterable[str]) -> dict[str, str]:
    """channel -> shape key name ('' when nothing matches), each key used at most once."""
    keys = [k for k in keys]
    free = list(keys)
    out = {c: "" for c in channels}
    steps = (lambda c, k: c == k, lambda c, k: c.lower() == k.lower(), lambda c, k: canonical(c) == canonical(k))
    for same in steps:
        for channel in channels:
            if out[channel]:
                continue
            hit = next((k for k in free if same(channel, k)), None)
            if hit is not None:
                out[channel] = hit
                free.remove(hit)
    return out
