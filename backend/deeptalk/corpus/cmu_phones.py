"""CMU / festival "radio" phones -> the espeak-ng mnemonics that `visemes` understands.

festival's US voices (kal, ked, slt HTS) and flite's voices all use the CMU phone set
(the ARPAbet-style names of the CMU pronouncing dictionary, lower case, plus `pau`
for silence). `CMU_TO_ESPEAK` is a data table: each CMU phone to the espeak-ng
English mnemonic of the same sound, so `viseme_segments` / `frame_visemes` work on
every engine's phonemes unchanged. Lexical stress digits (`ah0`, `iy1`), which some
front ends attach, are stripped before the look-up.
"""

from __future__ import annotations

CMU_TO_ESPEAK: dict[str, str] = {
    # vowels
    "aa": "A:", "ae": "a", "ah": "V", "ao": "O:", "ax": "@", "axr": "3", "eh": "E", "er": "3:",
    "ih": "I", "ix": "I2", "iy": "i:", "uh": "U", "uw": "u:", "ux": "u:",
    # diphthongs
    "aw": "aU", "ay": "aI", "ey": "eI", "ow": "oU", "oy": "OI",
    # stops, affricates, flap
    "p": "p", "b": "b", "t": "t", "d": "d", "k": "k", "g": "g", "dx": "t#", "ch": "tS", "jh": "dZ",
    # fricatives
    "f": "f", "v": "v", "th": "T", "dh": "D", "s": "s", "z": "z", "sh": "S", "zh": "Z", "hh": "h",
    # nasals, liquids, glides (syllabic ones as espeak writes them)
    "m": "m", "n": "n", "ng": "N", "nx": "n", "em": "m", "en": "n", "el": "@L",
    "l": "l", "r": "r", "w": "w", "y": "j",
    # silence (festival's `h#`/`brth` and flite's `pau`)
    "pau": "_", "h#": "_", "brth": "_", "sil": "_",
}


class UnknownPhoneError(ValueError):
    """An engine produced a phone that is not in `CMU_TO_ESPEAK`."""


def espeak_phone(cmu: str) -> str:
    """The espeak-ng mnemonic for one CMU phone (e.g. `ay` -> `aI`, `pau` -> `_`)."""
    key = cmu.strip().lower().rstrip("012")
    try:
        return CMU_TO_ESPEAK[key]
    except KeyError:
        raise UnknownPhoneError(f"no espeak-ng equivalent for phone {cmu!r}; add it to CMU_TO_ESPEAK") from None
