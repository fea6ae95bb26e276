"""Italian sentence generator: deterministic, distinct, festival-safe text, rich in visible sounds."""

from __future__ import annotations

import pytest

from deeptalk.corpus.sentences_it import agree, generate_italian_sentences


def test_deterministic_distinct_and_sized() -> None:
    one = generate_italian_sentences(200, seed=3)
    assert one == generate_italian_sentences(200, seed=3)
    assert one != generate_italian_sentences(200, seed=4)
    assert len(set(one)) == 200
    assert all(5 <= len(s.split()) <= 18 and s[0].isupper() and s[-1] in ".?!" for s in one)


def test_plain_ascii_letters_only() -> None:
    text = " ".join(generate_italian_sentences(300, seed=0))
    assert text.isascii() and "'" not in text and '"' not in text


def test_bilabials_and_labiodentals_are_frequent() -> None:
    words = " ".join(generate_italian_sentences(200, seed=1)).lower()
    letters = sum(c.isalpha() for c in words)
    assert sum(words.count(c) for c in "pbm") / letters > 0.05
    assert sum(words.count(c) for c in "fv") / letters > 0.015


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        generate_italian_sentences(-1)


def test_adjectives_agree_with_their_noun() -> None:
    assert agree("la borsa", "morbido") == "morbida" and agree("il vaso", "morbido") == "morbido"
    assert agree("la luna", "grande") == "grande"
    text = " ".join(generate_italian_sentences(300, seed=2))
    assert "la bicicletta morbido" not in text and not any(f"la {w} vecchio" in text for w in ("casa", "luna"))
