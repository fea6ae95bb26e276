"""flite synthesis with its segment timings, through the `flite` command line.

`flite -psdur` prints every segment of the utterance it synthesised with its end time
(`phone:end_s`, from the Segment relation), in the same run that writes the WAV, so
the timings belong to that very audio. The diphone voice (kal) ends its audio in
the middle of the final pause, so the last span is clipped to the samples.
flite prints no word boundaries with the segments, so `PhonemeSpan.word` is -1
for flite (nothing downstream of the corpus reads it).

Prosody (espeak-ng units) maps to flite features: `duration_stretch`, and for the f0
`int_f0_target_mean` (the voice's own mean, shifted by the semitones) and
`int_f0_target_stddev` (scaled by the range factor). The `rms` voice ignores the f0
features (measured), so only its rate follows the emotion. SSML contours are not used.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from deeptalk.corpus.engine_common import EngineError, prosody_controls, read_wav_int16, require, run_engine, \
    spans_from_ends
from deeptalk.corpus.phonemes import Prosody, Synthesis

# the built-in voices of Debian's flite 2.2 (`flite -lv`, less the limited-domain awb_time) and their
# measured median f0 in Hz at default settings (the base for `int_f0_target_mean`)
FLITE_F0_HZ: dict[str, float] = {"kal": 96.0, "kal16": 96.0, "awb": 125.0, "rms": 101.0, "slt": 168.0}
_F0_STD_FRACTION = 0.12  # default f0 standard deviation as a fraction of the mean (about the voices' own)


def synthesize(text: str, *, voice: str, prosody: Prosody = Prosody()) -> Synthesis:
    """Speak `text` with flite's built-in voice `voice` (one of `FLITE_F0_HZ`)."""
    if not text.strip():
        raise ValueError("text is empty")
    if voice not in FLITE_F0_HZ:
        raise ValueError(f"flite voice must be one of {sorted(FLITE_F0_HZ)}, got {voice!r}")
    flite = require("flite", "flite")
    stretch, semitones, range_factor = prosody_controls(prosody.rate_wpm, prosody.pitch, prosody.pitch_range)
    mean = FLITE_F0_HZ[voice] * 2.0 ** (semitones / 12.0)
    with tempfile.TemporaryDirectory(prefix="deeptalk-flite-") as tmp:
        wav = Path(tmp) / "out.wav"
        out = run_engine([flite, "-voice", voice,
                          "--setf", f"duration_stretch={stretch:.4f}",
                          "--setf", f"int_f0_target_mean={mean:.3f}",
                          "--setf", f"int_f0_target_stddev={mean * _F0_STD_FRACTION * range_factor:.3f}",
                          "-psdur", "-t", " ".join(text.split()), "-o", str(wav)], cwd=tmp)
        if not wav.is_file():
            raise EngineError(f"flite wrote no audio for voice {voice!r}")
        samples, rate = read_wav_int16(wav)
    marks: list[tuple[str, float, int]] = []
    for token in out.split():
        phone, sep, end = token.rpartition(":")
        if sep and phone:
            try:
                marks.append((phone, float(end), -1))
            except ValueError:
                continue
    if not marks:
        raise EngineError(f"flite gave no segment timings for voice {voice!r}")
    samples = (samples * (prosody.volume / 100.0)).astype(np.float32)
    return Synthesis(samples=samples, sample_rate=rate, phonemes=spans_from_ends(marks, len(samples) / rate))
