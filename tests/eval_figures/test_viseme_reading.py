"""eval_figures.viseme_reading: per-class frame accuracy, unlabelled frames ignored, sources apart."""

from __future__ import annotations

import numpy as np

from deeptalk.corpus.visemes import VISEME_INDEX
from deeptalk.eval_figures.viseme_reading import VisemeReadingCollector

PP, AA, SIL = VISEME_INDEX["PP"], VISEME_INDEX["aa"], VISEME_INDEX["sil"]


def test_accuracy_is_counted_per_class_and_pooled_over_clips():
    collector = VisemeReadingCollector()
    truth = np.array([SIL, PP, PP, AA, AA, -100])
    collector.add(truth, {"ground_truth": truth.clip(0), "generated": np.array([SIL, PP, AA, AA, SIL, PP])})
    collector.add(np.array([PP, PP]), {"ground_truth": np.array([PP, PP]), "generated": np.array([AA, AA, AA])})
    figures = collector.figures()
    assert figures["viseme_accuracy_ground_truth"] == 1.0  # the -100 frame is not counted
    assert figures["viseme_accuracy_generated:PP"] == 1 / 4 and figures["viseme_accuracy_generated:aa"] == 0.5
    assert figures["viseme_accuracy_generated"] == 3 / 7 and figures["viseme_accuracy_generated:sil"] == 1.0
    assert "viseme_accuracy_generated:FF" not in figures  # a class without frames gives no figure
