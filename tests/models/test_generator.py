"""Generator: odd lengths, temperature/seed semantics, overfitting, gradients, checkpoints."""

from dataclasses import asdict

import pytest
import torch
import torch.nn.functional as F

from deeptalk.model_presets import tiny_audio_config
from deeptalk.models.generator import (Generator, GeneratorConfig, gumbel_noise, pick_codes,
                                       straight_through_gumbel)
from deeptalk.models.losses import code_cross_entropy
from deeptalk.models.thvqvae import ThVqvae, ThVqvaeConfig

TINY_AUDIO = tiny_audio_config()
EMOTION_DIM = 8


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def build(seed: int = 0) -> tuple[Generator, ThVqvae]:
    torch.manual_seed(seed)
    prior_config = ThVqvaeConfig.preset("tiny")
    prior = ThVqvae(config=prior_config)
    prior.train()
    prior(torch.randn(8, 32, 53))  # codebooks from data, so codes decode to distinct motion
    prior.eval().requires_grad_(False)
    config = GeneratorConfig.preset("tiny", audio=TINY_AUDIO, prior=prior_config, emotion_dim=EMOTION_DIM,
                                    num_styles=4)
    return Generator(config=config).eval(), prior


def inputs(batch: int, frames: int, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    wave = torch.randn(batch, frames * 640, generator=g)
    emotion = F.normalize(torch.randn(batch, EMOTION_DIM, generator=g), dim=-1)
    return wave, emotion, torch.zeros(batch, dtype=torch.long)


@pytest.mark.parametrize("frames", [1, 3, 6, 33])
def test_shapes_for_odd_lengths(frames):
    gen, prior = build()
    wave, emotion, style = inputs(2, frames)
    with torch.no_grad():
        content = gen.content(wave, frames)
        out = gen.sample(content, emotion, style, prior)
        train_out = gen(content, emotion, style, prior, tau=1.0)
    n_top = -(-frames // 4)
    for o in (out, train_out):
        assert o.motion.shape == (2, frames, 53) and torch.all(torch.isfinite(o.motion))
        assert o.logits_top.shape == (2, n_top, prior.config.codes_top)
        assert o.logits_bottom.shape == (2, 2 * n_top, prior.config.codes_bottom)


def test_sample_decodes_its_codes_through_the_prior():
    gen, prior = build()
    wave, emotion, style = inputs(1, 20)
    with torch.no_grad():
        out = gen.sample(gen.content(wave, 20), emotion, style, prior)
        assert torch.equal(out.motion, prior.decode_codes(out.codes_top, out.codes_bottom, 20))
        assert torch.equal(out.codes_top, out.logits_top.argmax(-1))


def test_zero_temperature_is_argmax_and_ignores_the_seed():
    gen, prior = build()
    wave, emotion, style = inputs(1, 24)
    with torch.no_grad():
        content = gen.content(wave, 24)
        a = gen.sample(content, emotion, style, prior, generators=[torch.Generator().manual_seed(1)])
        b = gen.sample(content, emotion, style, prior, generators=[torch.Generator().manual_seed(2)])
    assert torch.equal(a.motion, b.motion)


def test_temperature_sampling_is_seeded_per_row():
    gen, prior = build()
    wave, emotion, style = inputs(1, 40)
    knobs = dict(temperature_top=1.0, temperature_bottom=1.0)
    with torch.no_grad():
        content = gen.content(wave, 40)
        run = lambda seeds: gen.sample(content.expand(len(seeds), -1, -1), emotion.expand(len(seeds), -1),  # noqa: E731
                                       style.expand(len(seeds)), prior,
                                       generators=[torch.Generator().manual_seed(s) for s in seeds], **knobs)
        a, b, pair = run([5]), run([5]), run([5, 6])
    assert torch.equal(a.motion, b.motion)
    assert torch.equal(pair.codes_top[0], a.codes_top[0]) and torch.equal(pair.codes_bottom[0], a.codes_bottom[0])
    assert not torch.equal(pair.codes_bottom[0], pair.codes_bottom[1])


def test_pick_codes_follows_the_softmax_distribution():
    logits = torch.log(torch.tensor([0.7, 0.2, 0.1]))[None, None].expand(1, 20000, 3)
    codes = pick_codes(logits, 1.0, [torch.Generator().manual_seed(0)])
    freq = torch.bincount(codes.flatten(), minlength=3).float() / codes.numel()
    assert torch.allclose(freq, torch.tensor([0.7, 0.2, 0.1]), atol=0.02)
    sharp = pick_codes(logits, 0.05, [torch.Generator().manual_seed(0)])
    assert (sharp == 0).float().mean() > 0.99
    assert gumbel_noise((2, 3), None, torch.device("cpu")).shape == (2, 3)
    with pytest.raises(ValueError):
        pick_codes(logits, -1.0, None)


def test_straight_through_gumbel_is_one_hot_with_soft_gradient():
    logits = torch.randn(3, 5, requires_grad=True)
    onehot, index = straight_through_gumbel(logits, 0.5)
    assert torch.equal(onehot.detach(), F.one_hot(index, 5).float())
    (onehot * torch.arange(5.0)).sum().backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0


def test_training_path_sends_gradients_to_both_token_heads_not_the_prior():
    gen, prior = build()
    gen.train()
    wave, emotion, style = inputs(2, 16)
    out = gen(gen.content(wave, 16), emotion, style, prior, tau=1.0)
    F.mse_loss(out.motion, torch.zeros_like(out.motion)).backward()
    assert gen.top.post.weight.grad.abs().sum() > 0
    assert gen.bottom.post.weight.grad.abs().sum() > 0
    assert gen.audio_proj.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in prior.parameters())


def test_overfits_a_tiny_batch():
    """Motion MSE (through straight-through Gumbel) + code cross-entropy on ground-truth codes."""
    gen, prior = build()
    wave, emotion, style = inputs(2, 16)
    g = torch.Generator().manual_seed(3)
    codes_t = torch.randint(0, prior.config.codes_top, (2, 4), generator=g)
    codes_b = torch.randint(0, prior.config.codes_bottom, (2, 8), generator=g)
    with torch.no_grad():
        target = prior.decode_codes(codes_t, codes_b)  # (2, 16, 53) reachable motion
    opt = torch.optim.Adam(gen.parameters(), lr=1e-2)

    def error() -> float:
        gen.eval()
        with torch.no_grad():
            err = F.mse_loss(gen.sample(gen.content(wave, 16), emotion, style, prior).motion, target).item()
        gen.train()
        return err

    start = error()
    for step in range(40):
        tau = 0.1 ** (step / 40)
        out = gen(gen.content(wave, 16), emotion, style, prior, tau=tau)
        loss = F.mse_loss(out.motion, target) + code_cross_entropy(out.logits_top, out.logits_bottom,
                                                                    codes_t, codes_b)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert error() < start / 10


def test_checkpoint_round_trip_with_weights_only(tmp_path):
    gen, prior = build()
    path = tmp_path / "generator.pt"
    torch.save({"config": asdict(gen.config), "state_dict": gen.state_dict()}, path)
    blob = torch.load(path, map_location="cpu", weights_only=True)
    config = GeneratorConfig(**blob["config"])
    assert config == gen.config
    loaded = Generator(config=config)
    loaded.load_state_dict(blob["state_dict"])
    loaded.eval()
    wave, emotion, style = inputs(1, 12)
    with torch.no_grad():
        a = gen.sample(gen.content(wave, 12), emotion, style, prior).motion
        b = loaded.sample(loaded.content(wave, 12), emotion, style, prior).motion
    assert torch.equal(a, b)


def test_config_validation_and_prior_check():
    prior = ThVqvaeConfig.preset("tiny")
    config = GeneratorConfig.preset("tiny", audio=TINY_AUDIO, prior=prior, emotion_dim=EMOTION_DIM)
    config.check_prior(prior)
    with pytest.raises(ValueError):
        config.check_prior(ThVqvaeConfig.preset("default"))
    with pytest.raises(ValueError):
        GeneratorConfig(audio=TINY_AUDIO, feature_dim=10, heads=8)
    with pytest.raises(ValueError):
        GeneratorConfig.preset("giant", audio=TINY_AUDIO, prior=prior, emotion_dim=8)
    gen, _ = build()
    with pytest.raises(ValueError):
        gen.frame_features(torch.zeros(1, 4, 16), torch.zeros(1, EMOTION_DIM + 1), torch.zeros(1, dtype=torch.long))


def test_content_classifier_learns_labels_from_the_content_features():
    prior_config = ThVqvaeConfig.preset("tiny")
    config = GeneratorConfig.preset("tiny", audio=TINY_AUDIO, prior=prior_config, emotion_dim=EMOTION_DIM,
                                    content_classes=3)
    torch.manual_seed(0)
    gen = Generator(config=config).train()
    wave = torch.randn(2, 8 * 640, generator=torch.Generator().manual_seed(3))
    labels = torch.tensor([[0, 0, 1, 1, 2, 2, -100, -100], [2, 2, 2, 1, 1, 0, 0, 0]])
    optimiser = torch.optim.Adam(gen.parameters(), lr=3e-3)
    first = None
    for _ in range(60):
        logits = gen.content_logits(gen.content(wave, 8))  # (2, 8, 3)
        loss = F.cross_entropy(logits.transpose(1, 2), labels, ignore_index=-100)
        first = float(loss.detach()) if first is None else first
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    assert float(loss.detach()) < 0.2 * first  # the gradient reaches the audio encoder through the head
    assert gen.top.pre.weight.grad is None  # the classifier does not touch the token heads
    plain, _ = build()
    assert plain.content_head is None
    with pytest.raises(ValueError, match="content classifier"):
        plain.content_logits(torch.zeros(1, 4, 16))
    with pytest.raises(ValueError, match="content_classes"):
        GeneratorConfig(audio=TINY_AUDIO, content_classes=1)
