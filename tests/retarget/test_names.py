from deeptalk.retarget import names


def test_52_unique_apple_names_in_live_link_order():
    assert len(names.ARKIT_NAMES) == 52 == len(set(names.ARKIT_NAMES))
    assert names.ARKIT_NAMES[0] == "eyeBlinkLeft" and names.ARKIT_NAMES[17] == "jawOpen"
    assert names.ARKIT_NAMES[-1] == "tongueOut"
    assert len(names.ROTATION_NAMES) == 9


def test_mirrors_regions_and_columns():
    assert names.mirror_name("mouthSmileLeft") == "mouthSmileRight"
    assert names.mirror_name("jawOpen") is None
    assert len(names.MIRROR_PAIRS) == 14  # 20 Left/Right pairs less the 6 directional ones
    assert {names.region_of(n) for n in names.ARKIT_NAMES} == set(names.REGIONS)
    assert names.region_of("browInnerUp") == "brows" and names.region_of("cheekPuff") == "mouth"
    assert names.livelink_column("eyeBlinkLeft") == "EyeBlinkLeft"
