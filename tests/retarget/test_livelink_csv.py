import csv

import numpy as np
import pytest

from deeptalk.retarget.livelink_csv import (LiveLinkCsvError, parse_timecode, read_livelink_csv, timecode,
                                            write_livelink_csv)
from deeptalk.retarget.names import ARKIT_NAMES


def test_round_trip_header_rows_and_values(tmp_path):
    rng = np.random.default_rng(0)
    weights = rng.uniform(0, 1, size=(61, 52))
    rotations = rng.normal(scale=0.1, size=(61, 9))
    path = write_livelink_csv(tmp_path / "take.csv", weights, ARKIT_NAMES, fps=30.0, rotations=rotations)
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    assert header[:2] == ["Timecode", "BlendShapeCount"] and len(header) == 2 + 61
    assert header[2] == "EyeBlinkLeft" and header[-9:][0] == "HeadYaw" and header[-1] == "RightEyeRoll"
    assert len(rows) == 1 + 61 and all(row[1] == "61" for row in rows[1:])  # one row per frame
    assert rows[1][0] == "00:00:00:00.000" and rows[31][0] == "00:00:01:00.000" and rows[2][0] == "00:00:00:01.000"
    take = read_livelink_csv(path)
    assert take.names == ARKIT_NAMES and take.fps == 30.0
    assert np.abs(take.weights - weights).max() < 1e-6 and np.abs(take.rotations - rotations).max() < 1e-6
    assert np.allclose(take.channel("jawOpen"), weights[:, 17], atol=1e-6)


def test_fractional_rates_and_timecodes():
    assert timecode(3661.5, 24.0) == "01:01:01:12.000"
    assert parse_timecode("17:03:22:09.341") == (17, 3, 22, 9, 0.341)
    code = timecode(1.0 / 29.97 * 45, 29.97)
    assert code.startswith("00:00:01:15")


def test_writer_clips_and_rejects_bad_input(tmp_path):
    path = write_livelink_csv(tmp_path / "c.csv", np.full((2, 52), 1.7), ARKIT_NAMES, fps=25)
    assert read_livelink_csv(path).weights.max() == 1.0
    with pytest.raises(ValueError):
        write_livelink_csv(tmp_path / "bad.csv", np.zeros((3, 51)), ARKIT_NAMES, fps=25)
    with pytest.raises(ValueError):
        write_livelink_csv(tmp_path / "bad.csv", np.full((3, 52), np.nan), ARKIT_NAMES, fps=25)
    assert not (tmp_path / "bad.csv").exists()


def test_reader_errors_say_what_is_wrong(tmp_path):
    for text, fragment in (("", "empty"), ("a,b\n1,2\n", "not a Live Link"),
                           ("Timecode,BlendShapeCount,JawOpen\n", "no frames"),
                           ("Timecode,BlendShapeCount,JawOpen\n00:00:00:00.000,1,x\n", "non-numeric")):
        path = tmp_path / "f.csv"
        path.write_text(text)
        with pytest.raises(LiveLinkCsvError, match=fragment):
            read_livelink_csv(path)
