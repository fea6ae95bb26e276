"""Pick the synthesis engine of a corpus voice: espeak-ng, festival or flite.

`synthesize_for` is the one synthesis call of `render_clip`. espeak-ng gets the
clip's SSML sentence contour (`tts.markup`, which draws from `rng`); festival and
flite get plain text and only the global prosody (rate, pitch, range, volume),
mapped in their modules; `rng` is not used for them.
"""

from __future__ import annotations

import numpy as np

from deeptalk.corpus import festival, flite
from deeptalk.corpus.emotion_styles import ClipStyle
from deeptalk.corpus.phonemes import Prosody, Synthesis, espeak
from deeptalk.corpus.voices import ENGINES, Voice


def synthesize_for(voice: Voice, text: str, style: ClipStyle, prosody: Prosody,
                   rng: np.random.Generator) -> Synthesis:
    """Speech and phoneme timings for `text` in `voice`, with the clip's style and prosody."""
    if voice.engine == "espeak-ng":
        from deeptalk.corpus.tts import markup  # tts imports this module

        return espeak().synthesize(markup(text, style, rng), voice=voice.espeak, prosody=prosody, ssml=True)
    if voice.engine == "festival":
        return festival.synthesize(text, voice=voice.espeak, prosody=prosody)
    if voice.engine == "flite":
        return flite.synthesize(text, voice=voice.espeak, prosody=prosody)
    raise ValueError(f"{voice.name}: engine must be one of {ENGINES}, got {voice.engine!r}")
