"""THE golden test: official-format checkpoints (regenerated from the manifest) -> `convert_official`
-> our networks reproduce the official networks' outputs on the golden inputs (README tolerances:
1e-4 absolute, codes equal, av_logits 1e-5 relative), and reference mode gives the demo's motion."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from deeptalk.models.gaussian import GaussianEmbedding
from deeptalk.model_dir import load_inference_models, load_network, read_manifest
from deeptalk.official.report import summary, write_report
from deeptalk.pipeline import Pipeline, PipelineConfig
from deeptalk.reference_mode import reference_animate

ATOL = 1e-4


@pytest.fixture(scope="module")
def nets(converted_official):
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    root, _ = converted_official
    models = load_inference_models(root)
    fer = load_network(root, read_manifest(root), "fer")
    yield {"dee": models.dee, "thvqvae": models.thvqvae, "generator": models.generator, "fer": fer,
           "root": root}
    torch.set_num_threads(before)


def close(ours: torch.Tensor | np.ndarray, golden: np.ndarray, atol: float = ATOL) -> None:
    ours = ours.detach().cpu().numpy() if isinstance(ours, torch.Tensor) else np.asarray(ours)
    assert ours.shape == golden.shape
    np.testing.assert_allclose(ours, golden, rtol=0, atol=atol)


def t(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x))


def test_manifest_records_basis_sources_and_licence(converted_official):
    root, report = converted_official
    manifest = read_manifest(root)
    assert manifest.flame_basis == "flame2020"
    assert set(manifest.info["official_sources"]) == {"generator", "dee", "thvqvae", "fer"}
    assert all(len(s["sha256"]) == 64 for s in manifest.info["official_sources"].values())
    assert "non-commercial" in manifest.info["licence"]
    assert manifest.prototypes is None
    assert report.cross_checks == {"dee": "equal", "thvqvae": "equal"}
    assert report.smoke["frames"] > 0
    dropped = report.dropped["generator"]
    assert sum(v.startswith("alias of") for v in dropped.values()) == 300
    assert any("obj_vector" in v for v in dropped.values())
    written = write_report(report, root.parent / "report.json")
    data = json.loads(written.read_text())
    assert data["cross_checks"]["dee"] == "equal" and "DEEPTalk.pth" in summary(report)
    assert set(data["dropped"]) == {"generator", "dee", "thvqvae", "fer"}
    # every tensor stored in float32 (fp16 would move logits past the argmax margins)
    state = torch.load(root / "generator.pt", weights_only=True)["state_dict"]
    assert {v.dtype for v in state.values() if v.is_floating_point()} == {torch.float32}


def test_fer(nets, golden_inputs, golden_outputs):
    motion = t(golden_inputs["motion"])
    with torch.inference_mode():
        for fer in (nets["fer"], nets["dee"].fer):
            close(fer(motion), golden_outputs["fer/logits"])
            close(fer.features(motion), golden_outputs["fer/features_layer-2"])


def test_thvqvae(nets, golden_inputs, golden_outputs):
    prior, motion = nets["thvqvae"], t(golden_inputs["motion"])
    with torch.inference_mode():
        enc_b = prior.encoder_b(motion)
        enc_t = prior.encoder_t(enc_b)
        close(enc_b, golden_outputs["thvqvae/enc_b"])
        close(enc_t, golden_outputs["thvqvae/enc_t"])
        codes_t, codes_b = prior.encode(motion)
        assert np.array_equal(codes_t.numpy(), golden_outputs["thvqvae/codes_t"])
        assert np.array_equal(codes_b.numpy(), golden_outputs["thvqvae/codes_b"])
        close(prior.quantize_t.lookup(codes_t), golden_outputs["thvqvae/quant_t"])
        close(prior.quantize_b.lookup(codes_b), golden_outputs["thvqvae/quant_b"])
        close(prior.decode_codes(codes_t, codes_b), golden_outputs["thvqvae/decode"])
        close(prior(motion).motion, golden_outputs["thvqvae/forward"])


def test_dee(nets, golden_inputs, golden_outputs):
    dee, wave = nets["dee"], t(golden_inputs["wave"])[None]
    with torch.inference_mode():
        feats = dee.audio_backbone(wave, None)
        close(feats, golden_outputs["dee/emotion2vec_x"])
        audio = dee.encode_audio(wave)
        close(audio.mean, golden_outputs["dee/audio_mu"])
        close(audio.logvar, golden_outputs["dee/audio_logvar"])
        motion = dee.encode_motion(t(golden_inputs["motion"]))
        close(motion.mean, golden_outputs["dee/motion_mu"])
        close(motion.logvar, golden_outputs["dee/motion_logvar"])
        pair = GaussianEmbedding(audio.mean.expand(2, -1), audio.logvar.expand(2, -1))
        logits = dee.audio_visual_logits(pair, motion)
        np.testing.assert_allclose(logits.numpy(), golden_outputs["dee/av_logits"], rtol=1e-5)
        long = dee.encode_audio(t(golden_inputs["wave_long"])[None])  # whole 12.5 s, then 500 frames
        close(long.mean, golden_outputs["dee/long_audio_mu"])
        close(long.logvar, golden_outputs["dee/long_audio_logvar"])


@pytest.mark.parametrize("run", ["a", "b"])
def test_generator(nets, golden_inputs, golden_outputs, run):
    dee, prior, gen = nets["dee"], nets["thvqvae"], nets["generator"]
    padded = t(golden_inputs["wave_padded"])[None]
    style_onehot = golden_inputs["style_actor0" if run == "a" else "style_actor5"]
    style = torch.tensor([int(style_onehot[0, 11:].argmax())])
    g = {k.split("/", 1)[1]: v for k, v in golden_outputs.items() if k.startswith(f"gen_{run}/")}
    with torch.inference_mode():
        emb = dee.encode_audio(padded)
        close(emb.mean, golden_outputs["gen/dee_audio_mu"])
        close(emb.logvar, golden_outputs["gen/dee_audio_logvar"])
        z = emb.mean if run == "a" else t(golden_inputs["z_fixed"])
        content = gen.content(padded, 84)
        if run == "a":
            close(content, g["content"])
            close(gen.audio_proj(content), g["content_proj"])
        feats = gen.frame_features(content, z, style)
        close(feats, g["frame_features"])
        logits_t = gen.top_logits(feats)
        close(logits_t, g["logits_t"])
        codes_t = logits_t.argmax(-1)
        assert np.array_equal(codes_t.numpy(), g["codes_t"])
        logits_b = gen.bottom_logits(feats, prior.decode_top(prior.quantize_t.lookup(codes_t)))
        close(logits_b, g["logits_b"])
        out = gen.sample(content, z, style, prior)
        assert np.array_equal(out.codes_bottom.numpy(), g["codes_b"])
        close(out.motion, g["motion"])
    if run == "a":  # the reference path end to end, from the unpadded wave
        ref = reference_animate(dee, prior, gen, golden_inputs["wave"], style=int(style))
        assert ref.padded_frames == 84
        assert np.array_equal(ref.codes_top, g["codes_t"][0]) and np.array_equal(ref.codes_bottom, g["codes_b"][0])
        close(ref.motion, g["motion"][0])


def test_pipeline_reference_and_windowed(nets, golden_inputs, golden_outputs):
    """Pipeline(reference=True) gives the demo's motion (trimmed to the audio); windowed mode runs too."""
    root = nets["root"]
    pipe = Pipeline(model_id="official", emotions=["x"], dee=nets["dee"], thvqvae=nets["thvqvae"],
                    generator=nets["generator"], prototypes=None, device=torch.device("cpu"),
                    config=PipelineConfig(style=0), reference=True, flame_basis="flame2020")
    assert pipe.emotions == []
    result = pipe.animate(golden_inputs["wave"], takes=2)
    assert result.motion.shape == (2, 80, 53) and result.emotion_track.shape == (4, 0)
    close(result.motion[0], golden_outputs["gen_a/motion"][0, :80])
    close(result.emotion_mean, golden_outputs["gen/dee_audio_mu"][0])
    with pytest.raises(ValueError, match="no emotion prototypes"):
        pipe.animate(golden_inputs["wave"], emotion="happy", emotion_weight=1.0)
    windowed = Pipeline(model_id="official", emotions=["x"], dee=nets["dee"], thvqvae=nets["thvqvae"],
                        generator=nets["generator"], prototypes=None, device=torch.device("cpu"),
                        config=PipelineConfig(window_frames=120, overlap_frames=24))
    long = windowed.animate(golden_inputs["wave_long"][:16000 * 6])  # 6 s: 2 windows of 4.8 s
    assert long.motion.shape == (1, 150, 53) and np.isfinite(long.motion).all()
    assert float(np.abs(long.motion).max()) > 0
    assert root.is_dir()
