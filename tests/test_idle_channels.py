"""The add-on's blink table agrees with each stand-in basis's own component names."""

from __future__ import annotations

from blender_addon.idle_channels import IDLE_CHANNELS, channels_for
from deeptalk.flame.semantics import COMPONENT_INDEX
from deeptalk.flame.semantics_v2 import INDEX_V2


def test_v1_blinks_are_the_v1_blink_components() -> None:
    assert IDLE_CHANNELS["standin-v1"].blink == (COMPONENT_INDEX["blink_left"], COMPONENT_INDEX["blink_right"])


def test_v2_blinks_are_the_v2_blink_components() -> None:
    assert IDLE_CHANNELS["standin-v2"].blink == (INDEX_V2["blink_L"], INDEX_V2["blink_R"])


def test_unknown_and_pca_bases_get_no_blinks() -> None:
    assert channels_for("flame2020").blink == ()
    assert channels_for("someone-elses-head").blink == ()



def test_the_add_on_loads_head_v2_names_alone() -> None:
    from blender_addon import backend_locator
    from deeptalk.flame import semantics, semantics_v2

    alone = backend_locator.flame_semantics_v2()  # executed without the deeptalk package (as in Blender)
    assert alone.NAMES_V2 == semantics_v2.NAMES_V2 and alone.EXPRESSION_DIM == semantics.EXPRESSION_DIM
