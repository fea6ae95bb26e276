"""eval_figures.speech_emotion: "Heard" per clip, accuracy and per-engine confusion matrices."""

from __future__ import annotations

import numpy as np

from deeptalk.eval_figures.speech_emotion import HeardCollector, confusion, heard_class


def test_heard_is_the_dominant_class_over_the_seconds():
    track = np.array([[0.6, 0.4, 0.0], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1]])
    assert heard_class(track) == 1 and heard_class(np.zeros((0, 3))) == -1


def test_confusion_rows_are_shares_of_each_label():
    matrix = confusion([0, 0, 0, 1], [0, 2, 2, 1], 3)
    assert np.allclose(matrix, [[1 / 3, 0, 2 / 3], [0, 1, 0], [0, 0, 0]])


def test_collector_reports_accuracy_and_a_matrix_per_engine():
    collector = HeardCollector(("neutral", "angry"))
    calm, harsh = np.array([[0.9, 0.1]]), np.array([[0.2, 0.8]])
    collector.add(0, "espeak-ng", calm)
    collector.add(1, "espeak-ng", harsh)
    collector.add(0, "flite", harsh)  # a calm line heard angry
    figures = collector.figures()
    assert figures["speech_emotion_accuracy"] == 2 / 3
    assert figures["speech_emotion_accuracy@espeak-ng"] == 1.0 and figures["speech_emotion_accuracy@flite"] == 0.0
    assert figures["heard_confusion@flite:neutral->angry"] == 1.0
    assert figures["heard_confusion@espeak-ng:neutral->neutral"] == 1.0
    assert figures["heard_confusion@flite:angry->angry"] == 0.0  # no angry flite clip: an empty row
