"""The seeded sentence grammar."""

from __future__ import annotations

from deeptalk.corpus.sentences import generate_sentences


def test_deterministic_distinct_and_varied() -> None:
    a = generate_sentences(200, seed=5)
    assert a == generate_sentences(200, seed=5)
    assert a != generate_sentences(200, seed=6)
    assert len(set(a)) == 200
    assert all(6 <= len(s.split()) <= 18 and s[0].isupper() and s[-1] in ".?!" for s in a)
    assert {s[-1] for s in a} == {".", "?", "!"}
    text = " ".join(a).lower()
    for sound in (" b", " p", " m", " f", " v", "th", "sh", "ch", "oo", " w", "ou"):
        assert text.count(sound) >= 10, sound
    assert generate_sentences(0) == []
