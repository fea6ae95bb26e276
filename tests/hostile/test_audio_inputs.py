"""Every hostile audio file through the real `deeptalk serve` process: the specific error code, a
message that names the file and what to do, and the same process serving a good request after
all of them; valid odd files animate with the right frame count and finite motion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from deeptalk.audio import FIX_HINTS
from deeptalk.motion_io import read_motion
from deeptalk.motion_resample import frame_count
from deeptalk.protocol import AnimateRequest, ErrorCode
from deeptalk.serve_client import RemoteError, ServeClient

from .audio_files import AUDIO_CASES, tone

TIMEOUT = 120.0
MAX_SECONDS = 20.0


@pytest.fixture(scope="module")
def server(tiny_model_dir: Path) -> Iterator[ServeClient]:
    client = ServeClient.start(model_dir=tiny_model_dir, device="cpu",
                               args=["--threads", "1", "--max-seconds", str(MAX_SECONDS), "--no-warmup"])
    client.hello(timeout=TIMEOUT)
    yield client
    assert client.stray_lines == []  # nothing but protocol lines on stdout, whatever came in
    assert client.close() == 0


@pytest.mark.parametrize("case", sorted(AUDIO_CASES))
def test_audio_file(server: ServeClient, tmp_path: Path, case: str) -> None:
    write, expected = AUDIO_CASES[case]
    source = write(tmp_path)
    out = tmp_path / "out" / "motion.npz"
    request = AnimateRequest(id=case, audio_path=str(source), output_path=str(out), fps=25.0)
    if expected != "ok":
        with pytest.raises(RemoteError) as info:
            server.animate(request, timeout=TIMEOUT)
        assert info.value.code == expected, info.value
        assert source.name in info.value.message  # names the file ...
        assert FIX_HINTS[ErrorCode(expected)] in info.value.message  # ... and what to do
        assert not out.exists() and not list(tmp_path.glob("out/*"))  # no result, no temp files left
        return
    result = server.animate(request, timeout=TIMEOUT)
    motion = read_motion(out)
    duration = sf.info(str(source)).duration
    assert result.frames == motion.frames == frame_count(duration, 25.0)
    assert abs(result.duration_s - duration) < 0.03
    assert np.isfinite(motion.exp).all() and np.isfinite(motion.jaw).all()  # (an untrained model: no range)


def test_too_long_is_refused_from_the_header_with_the_limit_named(server: ServeClient, tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    sf.write(str(path), tone(8000, MAX_SECONDS + 5), 8000, subtype="PCM_16")
    with pytest.raises(RemoteError) as info:
        server.animate(AnimateRequest(id="long", audio_path=str(path), output_path=str(tmp_path / "x.npz")),
                       timeout=TIMEOUT)
    assert info.value.code == "audio_too_long"
    assert f"limit is {MAX_SECONDS:g} s" in info.value.message and "--max-seconds" in info.value.message
    # a slice of the same file within the limit is fine
    result = server.animate(AnimateRequest(id="slice", audio_path=str(path), start_s=10.0, end_s=12.0,
                                           output_path=str(tmp_path / "slice.npz")), timeout=TIMEOUT)
    assert result.frames == 50


def test_the_server_still_serves_after_every_case(server: ServeClient, speech_wav: Path, tmp_path: Path) -> None:
    result = server.animate(AnimateRequest(id="after-all", audio_path=str(speech_wav),
                                           output_path=str(tmp_path / "ok.npz")), timeout=TIMEOUT)
    assert read_motion(result.path).frames == result.frames > 25
    assert server.process.poll() is None
