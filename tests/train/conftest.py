"""A real tiny corpus (espeak-ng), built once for the training tests."""

from __future__ import annotations

import pytest

from deeptalk.corpus.build import build_corpus


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-corpus") / "corpus"
    build_corpus(root, profile="tiny", seed=0, progress=False)
    return root
