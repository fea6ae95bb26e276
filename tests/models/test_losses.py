"""Motion-side losses through the real FLAME layer (tiny synthetic head), DEE and lip-reader."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from deeptalk.flame.layer import FlameLayer
from deeptalk.flame.model import FlameModel
from deeptalk.models.audio_backbone import AudioBackboneConfig
from deeptalk.models.dee import DEE, DeeConfig
from deeptalk.models.dee_loss import paired_sampled_distance
from deeptalk.models.fer import FerConfig
from deeptalk.models.gaussian import GaussianEmbedding
from deeptalk.models.lipreader import LipReaderConfig, MotionLipReader
from deeptalk.models.losses import (GeneratorLossWeights, code_cross_entropy, emotion_consistency_loss,
                                    emotion_swap_loss, frame_cross_entropy, frame_vertex_mse, lip_reading_loss, parameter_mse,
                                    reconstruction_terms, swap_permutation, thvqvae_loss, velocity_mse, vertex_mse, viseme_loss,
                                    weighted_sum)
from deeptalk.models.thvqvae import ThVqvae, ThVqvaeConfig


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def tiny_head(vertices: int = 40, seed: int = 0) -> FlameLayer:
    rng = np.random.default_rng(seed)
    weights = rng.random((vertices, 5)) + 0.1
    regressor = rng.random((5, vertices))
    model = FlameModel(
        v_template=rng.normal(size=(vertices, 3)) * 0.1, f=np.array([[0, 1, 2], [1, 2, 3]]),
        shapedirs=np.zeros((vertices, 3, 300)), exprdirs=rng.normal(size=(vertices, 3, 100)) * 0.01,
        posedirs=rng.normal(size=(36, vertices * 3)) * 0.001, J_regressor=regressor / regressor.sum(1, keepdims=True),
        weights=weights / weights.sum(1, keepdims=True), kintree_table=np.array([[-1, 0, 1, 1, 1], [0, 1, 2, 3, 4]]),
        masks={"mouth": np.arange(10)})
    return FlameLayer(model)


def tiny_dee() -> DEE:
    torch.manual_seed(0)
    config = DeeConfig(
        audio=AudioBackboneConfig(conv_dim=(8,) * 7, hidden_size=16, num_layers=1, num_heads=2,
                                  intermediate_size=32, pos_conv_kernel=4, pos_conv_groups=2, dropout=0.0),
        fer=FerConfig(hidden_dims=(16, 16, 8), feature_layer=1, dropout=0.0),
        embed_dim=8, audio_dim=16, audio_layers=1, motion_dim=16, motion_layers=1, num_heads=2, ff_dim=32,
        gpo_dim=8, dropout=0.0)
    return DEE(config).freeze()


def test_vertex_terms_are_zero_for_identical_motion_and_grow_with_error():
    head = tiny_head()
    motion = torch.randn(2, 6, 53) * 0.3
    terms = reconstruction_terms(motion, motion.clone(), head, head.masks["mouth"])
    assert set(terms) == {"vertex", "mouth_vertex", "mouth_velocity"}
    assert all(float(v) == 0.0 for v in terms.values())
    worse = reconstruction_terms(motion + 0.5, motion, head, head.masks["mouth"])
    assert float(worse["vertex"]) > 0 and float(worse["mouth_vertex"]) > 0


def test_closure_term_measures_only_the_marked_frames():
    head = tiny_head()
    target = torch.randn(2, 6, 53) * 0.3
    pred = target.clone()
    pred[0, 2] += 0.5  # an error on one frame
    marked = torch.zeros(2, 6, dtype=torch.bool)
    marked[1, 4] = True  # a frame without error
    terms = reconstruction_terms(pred, target, head, head.masks["mouth"], marked)
    assert float(terms["closure"]) == 0.0 and float(terms["mouth_vertex"]) > 0
    marked[0, 2] = True
    hit = reconstruction_terms(pred, target, head, head.masks["mouth"], marked)["closure"]
    # the mean over two marked frames, one of them wrong: far above the all-frames mean
    assert float(hit) > 5 * float(terms["mouth_vertex"])
    none = frame_vertex_mse(torch.ones(1, 3, 4, 3, requires_grad=True), torch.zeros(1, 3, 4, 3),
                            torch.zeros(1, 3, dtype=torch.bool))
    assert float(none.detach()) == 0.0 and none.requires_grad


def test_velocity_ignores_a_constant_offset_but_sees_jitter():
    v = torch.randn(1, 8, 5, 3)
    assert float(velocity_mse(v + 1.0, v)) == pytest.approx(0.0, abs=1e-12)
    jitter = v.clone()
    jitter[:, ::2] += 0.1
    assert float(velocity_mse(jitter, v)) > 0
    assert float(velocity_mse(v[:, :1], v[:, :1])) == 0.0
    ids = torch.tensor([0, 2])
    assert torch.allclose(vertex_mse(jitter, v, ids), F.mse_loss(jitter[:, :, ids], v[:, :, ids]))


def test_reconstruction_gradient_reaches_the_prediction_only():
    head = tiny_head()
    pred = (torch.randn(2, 4, 53) * 0.3).requires_grad_(True)
    target = (torch.randn(2, 4, 53) * 0.3).requires_grad_(True)
    reconstruction_terms(pred, target, head)["vertex"].backward()
    assert pred.grad.abs().sum() > 0 and target.grad is None


def test_thvqvae_loss_combines_vertex_and_quantiser_terms():
    head = tiny_head()
    model = ThVqvae(config=ThVqvaeConfig.preset("tiny"))
    motion = torch.randn(2, 12, 53) * 0.3
    out = model(motion)
    loss, logs = thvqvae_loss(out, motion, head, vertex_weight=10.0, quant_weight=2.0)
    expected = 10.0 * F.mse_loss(head(out.motion), head(motion)) + 2.0 * out.quant_loss
    assert torch.allclose(loss, expected, rtol=1e-5)
    assert set(logs) == {"vertex", "quant", "perplexity_top", "perplexity_bottom"}
    loss.backward()
    assert model.out_conv.weight.grad.abs().sum() > 0


def test_parameter_mse_is_in_units_of_each_channel_scale():
    target = torch.zeros(1, 2, 3)
    pred = torch.tensor([[[0.1, 2.0, 0.0], [0.1, 2.0, 0.0]]], requires_grad=True)
    scale = torch.tensor([0.1, 2.0, 1.0])
    assert float(parameter_mse(pred.detach(), target, scale)) == pytest.approx(2.0 / 3.0)  # one std off on 2 of 3
    parameter_mse(pred, target, scale).backward()
    assert pred.grad[0, 0, 0] == pytest.approx(20 * pred.grad[0, 0, 1])  # per unit, a quiet channel weighs more
    assert float(parameter_mse(pred.detach(), target, scale, channels=(1, 2))) == pytest.approx(0.5)  # only those channels


def test_thvqvae_loss_adds_the_parameter_term_when_asked():
    head = tiny_head()
    model = ThVqvae(config=ThVqvaeConfig.preset("tiny"))
    motion = torch.randn(2, 12, 53) * 0.3
    out = model(motion)
    scale = torch.full((53,), 0.5)
    plain, _ = thvqvae_loss(out, motion, head, vertex_weight=10.0)
    loss, logs = thvqvae_loss(out, motion, head, vertex_weight=10.0, parameter_weight=3.0, parameter_scale=scale,
                              parameter_channels=(0, 50))
    term = parameter_mse(out.motion, motion, scale, (0, 50))
    assert torch.allclose(loss, plain + 3.0 * term, rtol=1e-5)
    assert logs["parameter"] == pytest.approx(float(term.detach()), rel=1e-5)
    with pytest.raises(ValueError, match="parameter_scale"):
        thvqvae_loss(out, motion, head, parameter_weight=1.0)


def test_thvqvae_loss_weighs_the_other_channels_separately():
    model = ThVqvae(config=ThVqvaeConfig.preset("tiny"))
    motion = torch.randn(2, 12, 53) * 0.3
    out = model(motion)
    scale = torch.full((53,), 0.5)
    no_vertex = dict(vertex_weight=0.0, parameter_scale=scale, parameter_channels=(0, 50))
    only_listed, logs = thvqvae_loss(out, motion, tiny_head(), parameter_weight=3.0, **no_vertex)
    assert "parameter_other" not in logs  # off by default
    both, logs = thvqvae_loss(out, motion, tiny_head(), parameter_weight=3.0, other_parameter_weight=0.5, **no_vertex)
    others = [c for c in range(53) if c not in (0, 50)]
    assert torch.allclose(both, only_listed + 0.5 * parameter_mse(out.motion, motion, scale, others), rtol=1e-5)
    other_term = float(parameter_mse(out.motion.detach(), motion, scale, others))
    assert logs["parameter_other"] == pytest.approx(other_term, rel=1e-5)


def test_thvqvae_loss_adds_the_closure_term_on_the_marked_frames_only():
    head = tiny_head()
    model = ThVqvae(ThVqvaeConfig.preset("tiny")).eval()
    motion = torch.randn(2, 8, 53) * 0.3
    output = model(motion)
    scale = torch.ones(53)
    frames = torch.zeros(2, 8, dtype=torch.bool)
    base, logs = thvqvae_loss(output, motion, head, parameter_weight=1.0, parameter_scale=scale,
                              parameter_channels=(50, 51), closure_weight=3.0, closure_frames=frames)
    assert logs["closure"] == 0.0
    frames[1, 2:5] = True
    loss, logs = thvqvae_loss(output, motion, head, parameter_weight=1.0, parameter_scale=scale,
                              parameter_channels=(50, 51), closure_weight=3.0, closure_frames=frames)
    expected = float(((output.motion[1, 2:5, 50:52] - motion[1, 2:5, 50:52]) ** 2).mean())
    assert logs["closure"] == pytest.approx(expected, rel=1e-5)
    assert float(loss) == pytest.approx(float(base) + 3.0 * expected, rel=1e-5)


def test_thvqvae_loss_without_vertex_weight_skips_the_flame_pass():
    model = ThVqvae(config=ThVqvaeConfig.preset("tiny"))
    motion = torch.randn(2, 12, 53) * 0.3
    out = model(motion)
    scale = torch.full((53,), 0.5)

    def no_flame(_: torch.Tensor) -> torch.Tensor:
        raise AssertionError("the FLAME layer ran although the vertex term weighs nothing")

    loss, logs = thvqvae_loss(out, motion, no_flame, vertex_weight=0.0, parameter_weight=2.0, parameter_scale=scale)
    assert torch.allclose(loss, out.quant_loss + 2.0 * parameter_mse(out.motion, motion, scale), rtol=1e-5)
    assert "vertex" not in logs and "parameter" in logs


def test_emotion_consistency_is_bce_of_the_dee_logits_and_trains_the_motion():
    dee = tiny_dee()
    wave = torch.randn(2, 8000)
    with torch.no_grad():
        speech = dee.encode_audio(wave)
    pred = (torch.randn(2, 10, 53) * 0.3).requires_grad_(True)
    loss = emotion_consistency_loss(dee, speech, pred)
    logits = -dee.criterion.scale * paired_sampled_distance(speech, dee.encode_motion(pred)) + dee.criterion.shift
    assert torch.allclose(loss, F.binary_cross_entropy_with_logits(logits, torch.ones(2)))
    opt = torch.optim.Adam([pred], lr=0.05)
    start = loss.item()
    for _ in range(10):
        loss = emotion_consistency_loss(dee, speech, pred)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert emotion_consistency_loss(dee, speech, pred).item() < start
    assert all(p.grad is None for p in dee.parameters())


def test_swap_permutation_and_swap_loss_use_the_partner_emotion():
    assert swap_permutation(4).tolist() == [1, 0, 3, 2]
    assert swap_permutation(5).tolist() == [1, 0, 3, 2, 4]
    dee = tiny_dee()
    speech = GaussianEmbedding(F.normalize(torch.randn(4, 8), dim=-1), torch.randn(4, 8) - 3)
    pred = torch.randn(4, 12, 53) * 0.3
    perm = swap_permutation(4)
    expected = emotion_consistency_loss(dee, GaussianEmbedding(speech.mean[perm], speech.logvar[perm]), pred)
    assert torch.allclose(emotion_swap_loss(dee, speech, pred), expected)
    assert not torch.allclose(emotion_swap_loss(dee, speech, pred), emotion_consistency_loss(dee, speech, pred))


def test_lip_reading_loss_is_zero_on_the_reference_and_differentiable():
    torch.manual_seed(0)
    reader = MotionLipReader(LipReaderConfig(num_classes=15, channels=16, dropout=0.0)).freeze()
    target = torch.randn(2, 15, 53)
    assert float(lip_reading_loss(reader, target, target)) == pytest.approx(0.0, abs=1e-5)
    pred = torch.randn(2, 15, 53, requires_grad=True)
    loss = lip_reading_loss(reader, pred, target)
    loss.backward()
    assert loss.item() > 0.01 and pred.grad.abs().sum() > 0


def test_code_cross_entropy_prefers_the_right_codes():
    codes_t, codes_b = torch.tensor([[1, 2]]), torch.tensor([[0, 3, 3, 1]])
    right = code_cross_entropy(F.one_hot(codes_t, 4) * 20.0, F.one_hot(codes_b, 4) * 20.0, codes_t, codes_b)
    wrong = code_cross_entropy(torch.zeros(1, 2, 4), torch.zeros(1, 4, 4), codes_t, codes_b)
    assert float(right) < 1e-6 < float(wrong)


def test_weighted_sum_and_weights():
    terms = {"vertex": torch.tensor(2.0), "emotion": torch.tensor(3.0)}
    assert float(weighted_sum(terms, {"vertex": 1.0, "emotion": 0.5, "lip": 0.0})) == 3.5
    with pytest.raises(ValueError):
        weighted_sum(terms, {"lip": 1.0})
    weights = GeneratorLossWeights()
    assert weights.as_dict()["swap"] == 2.5e-5 and weights.codes == 0.0
    with pytest.raises(ValueError):
        GeneratorLossWeights(vertex=-1.0)


def test_viseme_loss_pushes_motion_toward_the_labelled_visemes() -> None:
    torch.manual_seed(0)
    reader = MotionLipReader(LipReaderConfig(num_classes=5, channels=16, dropout=0.0)).freeze()
    labels = torch.tensor([[1, 1, 3, 3, -100, 2]])
    pred = torch.zeros(1, 6, 53, requires_grad=True)
    loss = viseme_loss(reader, pred, labels)
    expected = F.cross_entropy(reader.logits(pred)[0, [0, 1, 2, 3, 5]], labels[0, [0, 1, 2, 3, 5]])
    assert torch.allclose(loss, expected)  # the unlabelled frame is left out
    loss.backward()
    assert pred.grad is not None and pred.grad.abs().sum() > 0
    assert all(p.grad is None for p in reader.parameters())  # the reader stays frozen
    assert float(viseme_loss(reader, pred.detach(), torch.full((1, 6), -100))) == 0.0  # no labels, no loss


def test_frame_cross_entropy_ignores_unlabelled_frames() -> None:
    logits = torch.randn(2, 4, 6, requires_grad=True)
    labels = torch.tensor([[1, -100, 5, 0], [-100, -100, 2, 2]])
    known = labels != -100
    expected = F.cross_entropy(logits[known], labels[known])
    assert torch.allclose(frame_cross_entropy(logits, labels), expected)
    empty = frame_cross_entropy(logits, torch.full((2, 4), -100))
    assert float(empty.detach()) == 0.0
    empty.backward()  # still part of the graph: a batch without labels does not break the step
    assert logits.grad is not None
