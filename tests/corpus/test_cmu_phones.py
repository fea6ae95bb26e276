"""The CMU phone table: every entry maps to an espeak-ng mnemonic with a real viseme."""

from __future__ import annotations

import pytest

from deeptalk.corpus.cmu_phones import CMU_TO_ESPEAK, UnknownPhoneError, espeak_phone
from deeptalk.corpus.visemes import PHONEME_VISEMES, SILENCE, VISEME_INDEX


def test_table_maps_into_the_viseme_inventory() -> None:
    assert set(CMU_TO_ESPEAK.values()) <= set(PHONEME_VISEMES)
    assert PHONEME_VISEMES[espeak_phone("pau")] == (SILENCE,)
    assert PHONEME_VISEMES[espeak_phone("m")] == (VISEME_INDEX["PP"],)
    assert PHONEME_VISEMES[espeak_phone("ay")] == (VISEME_INDEX["aa"], VISEME_INDEX["I"])
    assert PHONEME_VISEMES[espeak_phone("dh")] == (VISEME_INDEX["TH"],)
    assert PHONEME_VISEMES[espeak_phone("uw")] == (VISEME_INDEX["U"],)


def test_stress_digits_and_unknown_phones() -> None:
    assert espeak_phone("IY1") == "i:" and espeak_phone("ah0") == "V"
    with pytest.raises(UnknownPhoneError, match="CMU_TO_ESPEAK"):
        espeak_phone("qq")
