"""Which expression components close the eyelids, per expression basis (a data table).

The idle layer keys blinks onto these components (each driven to the given amount at a
full blink). A basis without a blink component (the official FLAME 2020 PCA has none that
closes the lids on its own) gets no blinks; gaze and head motion use the FLAME joints
and work on every head. The rig's basis is its `deeptalk_flame_basis` property
(missing: `standin-v1`, the head every rig had before the property existed).
"""

from __future__ import annotations

from dataclasses import dataclass

BASIS_PROP = "deeptalk_flame_basis"
DEFAULT_BASIS = "standin-v1"


@dataclass(frozen=True)
class IdleChannels:
    blink: tuple[int, ...] = ()  # expression component indices that close the lids (left, right)
    blink_amount: float = 1.0  # coefficient of a fully closed lid


IDLE_CHANNELS: dict[str, IdleChannels] = {
    "standin-v1": IdleChannels(blink=(21, 22)),  # blink_left, blink_right (flame/semantics.py)
    "standin-v2": IdleChannels(blink=(19, 20)),  # blink_L, blink_R (flame/semantics_v2.py)
    "flame2020": IdleChannels(),  # PCA basis: no blink component
}
UNKNOWN = IdleChannels()


def basis_of(rig) -> str:
    """The rig's expression basis id."""
    return str(rig.get(BASIS_PROP, DEFAULT_BASIS)) if rig is not None else DEFAULT_BASIS


def channels_for(basis: str) -> IdleChannels:
    """The blink channels of a basis; none for a basis this table does not know."""
    return IDLE_CHANNELS.get(basis, UNKNOWN)
