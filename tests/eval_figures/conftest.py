"""A tiny synthetic corpus and a tiny untrained model for the eval figures (built once)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def eval_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from deeptalk.corpus.build import build_corpus

    root = tmp_path_factory.mktemp("eval-corpus") / "corpus"
    build_corpus(root, profile="tiny", seed=0, workers=1, progress=False)
    return root


@pytest.fixture(scope="session")
def test_clips(eval_corpus: Path):
    from deeptalk.train.clipbank import ClipBank

    return ClipBank.load(eval_corpus, ("test",)).clips
