"""ARKit channel <-> shape key name matching (pure Python; lives in the add-on package)."""

import pytest

from blender_addon import backend_locator
from blender_addon.name_matching import canonical, match_names, split_side

ARKIT = tuple(backend_locator.arkit_names().ARKIT_NAMES)


@pytest.mark.parametrize("key,channel", [
    ("eyeBlinkLeft", "eyeBlinkLeft"), ("EYEBLINKLEFT", "eyeBlinkLeft"), ("eyeBlink_L", "eyeBlinkLeft"),
    ("eyeBlink.R", "eyeBlinkRight"), ("eyeBlink-L", "eyeBlinkLeft"), ("EyeBlinkL", "eyeBlinkLeft"),
    ("eye_blink_r", "eyeBlinkRight"), ("ARKit_mouthSmile_L", "mouthSmileLeft"), ("BS_cheekPuff", "cheekPuff"),
    ("blendShape1.jawOpen", "jawOpen"), ("Face.browInnerUp", "browInnerUp"), ("jawOpen_bs", "jawOpen"),
    ("A25_Jaw_Open", "jawOpen"), ("Mouth_Smile_Left", "mouthSmileLeft"), ("head|mouthClose", "mouthClose"),
])
def test_variants_match(key, channel):
    assert match_names(ARKIT, ["Basis", key])[channel] == key


def test_words_ending_in_l_or_r_are_not_sides():
    assert split_side("mouthFunnel") == ("mouthFunnel", "")
    assert split_side("mouthPucker") == ("mouthPucker", "")
    assert canonical("mouthRollLower") == "mouthrolllower|"
    assert canonical("mouthLeft") == "mouth|left" != canonical("mouthRight")


def test_each_key_is_used_once_and_exact_names_win():
    keys = ["jawOpen", "JawOpen", "jaw_open", "mouthSmileLeft"]
    mapping = match_names(ARKIT, keys)
    assert mapping["jawOpen"] == "jawOpen" and mapping["mouthSmileLeft"] == "mouthSmileLeft"
    assert list(mapping.values()).count("jawOpen") == 1 and "JawOpen" not in mapping.values()
    assert mapping["mouthSmileRight"] == "" and mapping["tongueOut"] == ""
