"""Which expression components carry speech and which carry emotion, per expression basis (a data table).

Speech (articulation) is the lips, the tongue and the jaw: the channels the backend's
lip-reader reads (`flame.semantics.ARTICULATION_CHANNELS`, `semantics_v2.ARTICULATION_CHANNELS_V2`,
copied here as data because the add-on never imports the backend; a backend test checks
they agree). Blinks belong to the idle layer. Everything else is expression: the part the
keyable emotion intensity scales. A basis without a table (the FLAME 2020 PCA mixes lips
and emotion in every direction) has no split: its takes stay whole and the intensity does
not apply. Pure Python (no bpy): the backend's tests load this file alone.
"""

from __future__ import annotations

from dataclasses import dataclass

EXPRESSION_DIM = 50


@dataclass(frozen=True)
class ChannelSplit:
    articulation: tuple[int, ...]  # expression components (of the 50) that shape speech
    blinks: tuple[int, ...]  # components the idle layer keys

    @property
    def expression(self) -> tuple[int, ...]:
        """Components scaled by the emotion intensity: neither articulation nor blinks."""
        return tuple(i for i in range(EXPRESSION_DIM) if i not in self.articulation and i not in self.blinks)


SPLITS: dict[str, ChannelSplit] = {
    # lips_part, lip_pucker, lip_stretch, lip_press, upper_lip_raise, lower_lip_depress, lip_funnel,
    # lower_lip_tuck | eyes_close, blink_left, blink_right  (flame/semantics.py)
    "standin-v1": ChannelSplit(articulation=(0, 3, 4, 5, 6, 7, 13, 14), blinks=(11, 21, 22)),
    # lips_part, lip_pucker, lip_stretch_L/R, lip_press, upper_lip_raise_L/R, lower_lip_depress_L/R,
    # lip_funnel, lower_lip_tuck, upper_lip_tuck, tongue_up, tongue_back | blink_L/R  (flame/semantics_v2.py)
    "standin-v2": ChannelSplit(articulation=(0, 5, 6, 7, 8, 9, 10, 11, 12, 27, 29, 39, 41, 42), blinks=(19, 20)),
}


def split_for(basis: str) -> ChannelSplit | None:
    """The speech / expression split of a basis, or None when the basis has none."""
    return SPLITS.get(basis)
