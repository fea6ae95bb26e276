"""festival's Italian phones -> the espeak-ng mnemonics that `visemes` understands.

The Italian diphone voices (`lp_diphone`, `pc_diphone`, Debian `festvox-italp16k` /
`festvox-itapc16k`) speak the `italian` phone set (SAMPA-like; a trailing `1` marks a
stressed vowel). `ITALIAN_TO_ESPEAK` is a data table: each phone to the espeak-ng mnemonic
whose mouth shape is the same, since visemes are shapes, not sounds: the affricates /ts dz/
look like /s z/, the labiodental nasal (the n of "inferno") like f, the palatal nasal and
lateral (the gn of "gnocchi", the gli of "figlio") like espeak's `n^` and `l^`.
"""

from __future__ import annotations

from deeptalk.corpus.cmu_phones import UnknownPhoneError

ITALIAN_TO_ESPEAK: dict[str, str] = {
    # vowels (open E and O are their own)
    "a": "a", "e": "e", "E": "E", "i": "i", "o": "o", "O": "O", "u": "u",
    # glides
    "j": "j", "w": "w",
    # stops and fricatives
    "p": "p", "b": "b", "t": "t", "d": "d", "k": "k", "g": "g",
    "f": "f", "v": "v", "s": "s", "z": "z", "S": "S", "Z": "Z",
    # affricates
    "ts": "s", "dz": "z", "tS": "tS", "dZ": "dZ",
    # nasals and liquids
    "m": "m", "n": "n", "J": "n^", "ng": "N", "nf": "f", "l": "l", "L": "l^", "r": "r",
    # silence
    "#": "_",
}


def italian_phone(phone: str) -> str:
    """The espeak-ng mnemonic for one festival Italian phone (`a1` -> `a`, `#` -> `_`)."""
    key = phone.strip()
    if len(key) > 1 and key.endswith("1"):
        key = key[:-1]
    try:
        return ITALIAN_TO_ESPEAK[key]
    except KeyError:
        raise UnknownPhoneError(f"no espeak-ng equivalent for Italian phone {phone!r}; "
                                f"add it to ITALIAN_TO_ESPEAK") from None
