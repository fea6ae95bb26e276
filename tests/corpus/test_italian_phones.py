"""The Italian phone table: every festival `italian` phone maps to a mnemonic with the right viseme."""

from __future__ import annotations

import pytest

from deeptalk.corpus.cmu_phones import UnknownPhoneError
from deeptalk.corpus.italian_phones import ITALIAN_TO_ESPEAK, italian_phone
from deeptalk.corpus.visemes import PHONEME_VISEMES, SILENCE, VISEME_INDEX

# festival's italian phone set (italian_scm/italian_phoneset.scm), stressed vowels written with a 1
PHONE_SET = ("i e E a o O u i1 e1 E1 a1 o1 O1 u1 j w p t k b d g f s S v z Z ts tS dz dZ m n J ng nf l L r #").split()


def test_every_phone_of_the_set_reaches_the_viseme_inventory() -> None:
    assert all(italian_phone(p) in PHONEME_VISEMES for p in PHONE_SET)
    assert set(ITALIAN_TO_ESPEAK.values()) <= set(PHONEME_VISEMES)


@pytest.mark.parametrize("phone,viseme", [("m", "PP"), ("b", "PP"), ("nf", "FF"), ("v", "FF"), ("u1", "U"),
                                          ("o", "O"), ("a1", "aa"), ("tS", "CH"), ("ts", "SS"), ("i", "I")])
def test_shapes_of_the_sounds(phone: str, viseme: str) -> None:
    assert PHONEME_VISEMES[italian_phone(phone)] == (VISEME_INDEX[viseme],)


def test_silence_and_unknown_phones() -> None:
    assert PHONEME_VISEMES[italian_phone("#")] == (SILENCE,)
    with pytest.raises(UnknownPhoneError, match="ITALIAN_TO_ESPEAK"):
        italian_phone("qq")
