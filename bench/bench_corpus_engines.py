"""Seconds per corpus clip for each synthesis engine (render_clip end to end, this process only).

Run: `taskset -c 0 .venv/bin/python -m bench.bench_corpus_engines` (one core).
"""

from __future__ import annotations

import time

from deeptalk.corpus.emotion_styles import EMOTIONS
from deeptalk.corpus.sentences import generate_sentences
from deeptalk.corpus.tts import ClipSpec, render_clip
from deeptalk.corpus.voices import VOICE_BY_NAME

VOICES = ("us_m1", "fest_kal", "fest_ked", "fest_slt", "flite_kal16", "flite_awb", "flite_rms", "flite_slt")
N = 5


def main() -> None:
    texts = generate_sentences(N, seed=0)
    for name in VOICES:
        start, speech = time.perf_counter(), 0.0
        for i, text in enumerate(texts):
            clip = render_clip(ClipSpec(clip_id="b", text=text, sentence=i, voice=VOICE_BY_NAME[name],
                                        emotion=EMOTIONS[i % len(EMOTIONS)], intensity=2, seed=(0, i)))
            speech += len(clip.audio) / 16000
        took = (time.perf_counter() - start) / N
        print(f"{name:12s} {VOICE_BY_NAME[name].engine:9s} {took:5.2f} s/clip  ({speech / N:.1f} s audio/clip)")


if __name__ == "__main__":
    main()
