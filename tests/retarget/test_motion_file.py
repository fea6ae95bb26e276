"""The optional `arkit` / `arkit_names` keys of the animation .npz and the `arkit` request field."""

import numpy as np
import pytest

from deeptalk.motion_io import MotionFile, MotionFileError, read_motion, write_motion
from deeptalk.protocol import AnimateRequest, decode_request, encode
from deeptalk.retarget.names import ARKIT_NAMES


def motion(**kw):
    return MotionFile(exp=np.zeros((2, 5, 50)), jaw=np.zeros((2, 5, 3)), fps=25.0, seeds=(0, 1), model_id="m",
                      protocol=1, duration_s=0.2, **kw)


def test_arkit_keys_round_trip_and_stay_optional(tmp_path):
    weights = np.random.default_rng(0).uniform(0, 1, size=(2, 5, 52)).astype(np.float32)
    read = read_motion(write_motion(tmp_path / "a.npz", motion(arkit=weights, arkit_names=ARKIT_NAMES)))
    assert read.arkit_names == ARKIT_NAMES and np.array_equal(read.arkit, weights)
    plain = write_motion(tmp_path / "b.npz", motion())
    assert "arkit" not in np.load(plain).files and read_motion(plain).arkit.size == 0
    with pytest.raises(MotionFileError):
        motion(arkit=weights[:, :4], arkit_names=ARKIT_NAMES)
    with pytest.raises(MotionFileError):
        motion(arkit=weights * 2, arkit_names=ARKIT_NAMES)


def test_request_field_is_optional_and_typed():
    request = AnimateRequest(id="r", audio_path="a.wav", arkit=True)
    assert decode_request(encode(request)).arkit is True
    assert decode_request('{"v":1,"type":"animate","id":"r","audio_path":"a.wav"}').arkit is False
    with pytest.raises(Exception, match="wrong type"):
        decode_request('{"v":1,"type":"animate","id":"r","audio_path":"a.wav","arkit":"yes"}')
