"""festival synthesis with exact segment timings (diphone and HTS voices), through `festival -b`.

One batch script per call selects the voice, applies the prosody, synthesises, saves
the wave and prints every Segment's end time (`item.feat seg "end"`): festival's
own timings of the very audio it wrote, so they are exact. Word starts come from the
SylStructure tree (a segment with no previous sibling in a word's first syllable).

Prosody (espeak-ng units, see `Prosody`) maps to what the voices support:
- diphone voices (kal, ked): `Duration_Stretch` (times the voice's own) and the
  linear-regression intonation targets `int_lr_params` (target_f0_mean shifted by
  the semitones, target_f0_std scaled by the shift and the range factor);
- HTS voices (slt): festival's hts_engine ignores a `-fm` half-tone shift (measured), so
  the f0 shift is a playback-rate change: synthesise with `-r` at speed 1 / (stretch * f),
  then label the samples with sample rate * f (f = 2^(semitones/12)); the result lasts
  `stretch` times as long with the pitch (and formants) times f, and the segment times
  are divided by f, so they stay exact. The pitch range has no HTS control and is ignored;
- Italian diphone voices (lp, pc): their intonation is a rule function with its own f0
  constants (`int_general_params`' `targ_func`), which ignores `int_lr_params`; the script
  wraps that function so each target becomes shift * (centre + range * (f0 - centre)),
  centre = the mean target f0 of a first, plain synthesis of the same text. Their phones
  are festival's `italian` set (`italian_phones`).
SSML contours (espeak-ng markup) are not used for festival.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from deeptalk.corpus.cmu_phones import espeak_phone
from deeptalk.corpus.engine_common import EngineError, prosody_controls, read_wav_int16, require, run_engine, \
    spans_from_ends
from deeptalk.corpus.italian_phones import italian_phone
from deeptalk.corpus.phonemes import Prosody, Synthesis

HTS_VOICES = frozenset({"cmu_us_slt_arctic_hts"})
ITALIAN_VOICES = frozenset({"lp_diphone", "pc_diphone"})
_MARK = "@seg"

_SCRIPT = """
(voice_{voice})
{prosody}
(define (deeptalk_word_start s)
  (let ((ss (item.relation s 'SylStructure)))
    (if (and ss (not (item.prev ss)) (not (item.prev (item.parent ss)))) 1 0)))
(set! deeptalk_utt (utt.synth (Utterance Text "{text}")))
(utt.save.wave deeptalk_utt "{wav}" 'riff)
(mapcar (lambda (s) (format t "{mark} %s %f %d\\n" (item.name s) (item.feat s "end") (deeptalk_word_start s)))
        (utt.relation.items deeptalk_utt 'Segment))
"""

_DIPHONE_PROSODY = """
(Parameter.set 'Duration_Stretch (* {stretch:.4f} (Parameter.get 'Duration_Stretch)))
(set! int_lr_params
  (list (list 'target_f0_mean (* {f0:.4f} (car (cdr (assoc 'target_f0_mean int_lr_params)))))
        (list 'target_f0_std (* {std:.4f} (car (cdr (assoc 'target_f0_std int_lr_params)))))
        (assoc 'model_f0_mean int_lr_params)
        (assoc 'model_f0_std int_lr_params)))
"""

_TARGET_FUNCTION_PROSODY = """
(Parameter.set 'Duration_Stretch (* {stretch:.4f} (Parameter.get 'Duration_Stretch)))
(define (deeptalk_mean_f0 utt)
  (let ((total 0) (n 0))
    (mapcar (lambda (tg) (if (> (item.feat tg "f0") 0) (begin (set! total (+ total (item.feat tg "f0")))
                                                              (set! n (+ n 1)))))
            (utt.relation.items utt 'Target))
    (if (> n 0) (/ total n) 120)))
(set! deeptalk_centre (deeptalk_mean_f0 (utt.synth (Utterance Text "{text}"))))
(set! deeptalk_targ_func (car (cdr (assoc 'targ_func int_general_params))))
(set! int_general_params
  (list (list 'targ_func
    (lambda (utt syl)
      (mapcar (lambda (p) (list (car p) (* {f0:.4f} (+ deeptalk_centre (* {spread:.4f} (- (car (cdr p)) deeptalk_centre))))))
              (deeptalk_targ_func utt syl))))))
"""

_HTS_PROSODY = """
(set! hts_engine_params (append hts_engine_params (list (list "-r" {speed:.4f}))))
"""


def _scheme_string(text: str) -> str:
    """`text` as the inside of a Scheme string literal (one line, quotes and backslashes escaped)."""
    flat = " ".join(text.split())
    return flat.replace("\\", "\\\\").replace('"', '\\"')


def synthesize(text: str, *, voice: str, prosody: Prosody = Prosody()) -> Synthesis:
    """Speak `text` with festival voice `voice` (e.g. `kal_diphone`, `cmu_us_slt_arctic_hts`)."""
    if not text.strip():
        raise ValueError("text is empty")
    if not voice.replace("_", "").isalnum():
        raise ValueError(f"festival voice names are [A-Za-z0-9_]+, got {voice!r}")
    festival = require("festival", "festival")
    stretch, semitones, range_factor = prosody_controls(prosody.rate_wpm, prosody.pitch, prosody.pitch_range)
    shift = 2.0 ** (semitones / 12.0)
    if voice in HTS_VOICES:
        controls = _HTS_PROSODY.format(speed=1.0 / (stretch * shift))
    elif voice in ITALIAN_VOICES:
        controls = _TARGET_FUNCTION_PROSODY.format(stretch=stretch, f0=shift, spread=range_factor,
                                                   text=_scheme_string(text))
    else:
        controls = _DIPHONE_PROSODY.format(stretch=stretch, f0=shift, std=shift * range_factor)
    with tempfile.TemporaryDirectory(prefix="deeptalk-festival-") as tmp:
        wav = Path(tmp) / "out.wav"
        script = Path(tmp) / "synth.scm"
        script.write_text(_SCRIPT.format(voice=voice, prosody=controls, text=_scheme_string(text),
                                         wav=wav.as_posix(), mark=_MARK), encoding="utf-8")
        try:
            out = run_engine([festival, "-b", str(script)], cwd=tmp)
        except EngineError as exc:
            if f"unbound variable : voice_{voice}" in str(exc):
                raise EngineError(f"festival has no voice {voice!r}: install its festvox package "
                                  f"(see APT_PACKAGES in build_addon.py)") from None
            raise
        if not wav.is_file():
            raise EngineError(f"festival wrote no audio for voice {voice!r} (is festvox for it installed?): "
                              f"{out.strip()[-200:]}")
        samples, rate = read_wav_int16(wav)
    marks: list[tuple[str, float, int]] = []
    word = -1
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == _MARK:
            word += int(parts[3])
            marks.append((parts[1], float(parts[2]), word))
    if not marks:
        raise EngineError(f"festival gave no segment timings for voice {voice!r}")
    if voice in HTS_VOICES:  # play back f times faster: pitch * f, times / f
        played = int(round(rate * shift))
        marks = [(phone, end * rate / played, w) for phone, end, w in marks]
        rate = played
    samples = (samples * (prosody.volume / 100.0)).astype(np.float32)
    to_espeak = italian_phone if voice in ITALIAN_VOICES else espeak_phone
    return Synthesis(samples=samples, sample_rate=rate,
                     phonemes=spans_from_ends(marks, len(samples) / rate, to_espeak))
