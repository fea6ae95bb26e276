"""eval_figures.engines: the engine of each clip, from the dataset or the voice table."""

from __future__ import annotations

import json

from deeptalk.eval_figures.engines import by_engine, clip_engines, engine_of_speaker, speaker_engines


def test_both_shapes_of_the_dataset_table():
    assert speaker_engines({"engines": {"kal": "flite", "us_m1": "espeak-ng"}}) == {"kal": "flite",
                                                                                  "us_m1": "espeak-ng"}
    assert speaker_engines({"engines": {"festival": ["kal16", "slt"]}}) == {"kal16": "festival", "slt": "festival"}
    assert speaker_engines({}) == {} and speaker_engines({"engines": 3}) == {}


def test_voice_table_fills_in_and_strangers_are_unknown():
    assert engine_of_speaker("us_m1", {}) == "espeak-ng"
    assert engine_of_speaker("M003", {}) == "unknown"
    assert by_engine(["b", "a", "b"]) == {"a": [1], "b": [0, 2]}


def test_clip_engines_of_a_corpus_follow_its_dataset_json(eval_corpus, tmp_path):
    engines = clip_engines(eval_corpus)
    assert engines and set(engines.values()) == {"espeak-ng"}
    copy = tmp_path / "corpus"
    copy.mkdir()
    (copy / "manifest.jsonl").write_text((eval_corpus / "manifest.jsonl").read_text())
    info = json.loads((eval_corpus / "dataset.json").read_text())
    info.setdefault("extra", {})["engines"] = {"flite": ["lanc_f4"]}
    (copy / "dataset.json").write_text(json.dumps(info))
    relabelled = clip_engines(copy)
    assert {e for c, e in relabelled.items() if "lanc_f4" in c} == {"flite"}
    assert {e for c, e in relabelled.items() if "lanc_f4" not in c} == {"espeak-ng"}
