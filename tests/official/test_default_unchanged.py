"""The official-mode switches leave the committed default model alone: its outputs equal those
recorded when the model was committed (`data/default_model_outputs_before_official.npz`: first
written by the commit before the switches existed, re-recorded with the same call whenever the
default model is replaced: `python -m tests.official.default_outputs`). Bit-identical on the
machine that wrote it; on
another CPU the float32 kernels differ in the last bits (seen: 2.0e-6 on a Sapphire Rapids Xeon),
so the tolerance is 2e-5, far below what any change of behaviour gives (>= 1e-3). On an AMD EPYC the
first four frames of expression channels 0 and 8 differ by up to 1.9e-4 (every other value within
1e-6): up to 0.5 % of the motion values may differ by up to 5e-4."""

from __future__ import annotations

import numpy as np

from deeptalk.model_dir import load_inference_models
from deeptalk.paths import default_model_dir
from tests.official.default_outputs import RECORDING, default_model_outputs


def test_default_model_outputs_unchanged(one_torch_thread):
    models = load_inference_models(default_model_dir())
    assert models.manifest.flame_basis == "standin-v2"  # the default speaks head v2's basis
    gen, dee = models.generator.config, models.dee.config
    assert not gen.period_units and dee.audio_input_projection and not dee.clip_after_encoding
    result = default_model_outputs()
    with np.load(RECORDING) as before:
        difference = np.abs(result.motion - before["motion"])
        assert difference.max() < 5e-4 and (difference > 2e-5).mean() <= 0.005, difference.max()
        np.testing.assert_allclose(result.emotion_mean, before["emotion_mean"], rtol=0, atol=2e-5)
        np.testing.assert_allclose(result.emotion_track, before["emotion_track"], rtol=0, atol=2e-5)


def test_paper_preset_is_the_official_architecture():
    from deeptalk.model_presets import preset_configs
    from deeptalk.official import architecture as arch

    paper = preset_configs("paper", num_emotions=8, num_styles=32)
    assert paper.dee == arch.dee_config() and paper.fer == arch.fer_config()
    assert paper.generator == arch.generator_config() and paper.thvqvae == arch.thvqvae_config()
    dee = paper.dee
    assert (dee.audio.kind, dee.audio_dim, dee.audio_layers, dee.motion_dim, dee.motion_layers) == (
        "emotion2vec", 768, 2, 512, 6)
    assert (dee.num_heads, dee.ff_dim, paper.fer.feature_layer, paper.fer.features_skip_batchnorm) == (8, 2048, 5, True)
    assert paper.generator.period_units and paper.generator.audio.kind == "pretrained"
    small = preset_configs("paper", num_emotions=5, num_styles=8)  # fits our corpus for training
    assert small.fer.num_classes == 5 and small.generator.num_styles == 8 and small.dee.fer == small.fer


def test_demo_padding_rule():
    from deeptalk.reference_mode import demo_padding

    for samples, frames in ((51200, 84), (640 * 80 + 1, 84), (640 * 3, 4), (639, 4), (640 * 83, 84)):
        out = demo_padding(np.ones(samples, np.float32))
        assert len(out) == frames * 640 and out[:samples].all() and not out[samples:].any()
