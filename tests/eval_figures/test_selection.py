"""eval_figures.selection: the head of a model's basis and which clips are measured."""

from __future__ import annotations

import pytest

from deeptalk.eval_figures.selection import head_for_basis, round_robin, spread


def test_each_stand_in_basis_has_its_head_and_flame2020_needs_a_file():
    assert head_for_basis("standin-v1") == "standin" and head_for_basis("standin-v2") == "standin-v2"
    assert head_for_basis("flame2020", "/data/flame/generic_model.pkl") == "/data/flame/generic_model.pkl"
    with pytest.raises(ValueError, match="--flame"):
        head_for_basis("flame2020")


def test_round_robin_keeps_every_engine_in_a_short_subset():
    groups = ["espeak-ng"] * 4 + ["flite"] * 2
    assert round_robin(groups, groups, 3) == [0, 4, 1]
    assert round_robin(groups, groups, None) == [0, 4, 1, 5, 2, 3]


def test_spread_spaces_picks_over_the_list():
    assert spread(list(range(10)), 3) == [0, 4, 9] or spread(list(range(10)), 3) == [0, 5, 9]
    assert spread(list(range(3)), 5) == [0, 1, 2] and spread(list(range(7)), 1) == [0]
