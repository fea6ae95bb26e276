"""TH-VQVAE: shapes for odd lengths, exact encode/decode round trip, overfitting, checkpoints."""

from dataclasses import asdict

import pytest
import torch
import torch.nn.functional as F

from deeptalk.models.thvqvae import ThVqvae, ThVqvaeConfig, pad_to_multiple


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def smooth_motion(batch: int, frames: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(frames).float()[None, :, None] / 25.0
    freq = torch.rand(batch, 1, 53, generator=g) * 3 + 0.5
    phase = torch.rand(batch, 1, 53, generator=g) * 6.28
    return 0.5 * torch.sin(2 * torch.pi * freq * t + phase)  # (B, T, 53)


@pytest.mark.parametrize("frames", [1, 2, 5, 31, 32, 37])
def test_shapes_for_any_length(frames):
    model = ThVqvae(config=ThVqvaeConfig.preset("tiny")).eval()
    with torch.no_grad():
        out = model(torch.randn(2, frames, 53))
    n_top = -(-frames // 4)
    assert out.motion.shape == (2, frames, 53)
    assert out.codes_top.shape == (2, n_top) and out.codes_bottom.shape == (2, 2 * n_top)
    assert torch.all(torch.isfinite(out.motion))


def test_pad_repeats_the_last_frame():
    x = torch.arange(6.0).view(1, 3, 2)
    y = pad_to_multiple(x, 4)
    assert y.shape == (1, 4, 2) and torch.equal(y[0, 3], x[0, 2])


def test_encode_decode_is_the_exact_quantised_path():
    torch.manual_seed(0)
    model = ThVqvae(config=ThVqvaeConfig.preset("tiny"))
    model.train()
    model(torch.randn(4, 32, 53))  # initialise codebooks from data
    model.eval()
    x = torch.randn(3, 29, 53)
    with torch.no_grad():
        out = model(x)
        codes_t, codes_b = model.encode(x)
        decoded = model.decode_codes(codes_t, codes_b, length=29)
    assert torch.equal(codes_t, out.codes_top) and torch.equal(codes_b, out.codes_bottom)
    assert torch.equal(decoded, out.motion)


def test_overfits_a_tiny_batch():
    torch.manual_seed(0)
    model = ThVqvae(config=ThVqvaeConfig.preset("tiny"))
    x = smooth_motion(4, 32)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)

    def recon_error() -> float:
        model.eval()
        with torch.no_grad():
            err = F.mse_loss(model(x).motion, x).item()
        model.train()
        return err

    start = recon_error()
    for _ in range(100):
        out = model(x)
        loss = F.mse_loss(out.motion, x) + out.quant_loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert recon_error() < start / 10
    report = model.codebook_report()
    assert 0 < report["top_live"] <= report["top_total"]


def test_checkpoint_round_trip_with_weights_only(tmp_path):
    torch.manual_seed(0)
    config = ThVqvaeConfig.preset("tiny")
    model = ThVqvae(config=config)
    model(torch.randn(2, 16, 53))
    model.eval()
    path = tmp_path / "thvqvae.pt"
    torch.save({"config": asdict(config), "state_dict": model.state_dict()}, path)
    blob = torch.load(path, map_location="cpu", weights_only=True)
    loaded = ThVqvae(config=ThVqvaeConfig(**blob["config"]))
    loaded.load_state_dict(blob["state_dict"])
    loaded.eval()
    x = torch.randn(1, 20, 53)
    with torch.no_grad():
        assert torch.equal(loaded(x).motion, model(x).motion)


def test_presets_and_validation():
    paper = ThVqvaeConfig.preset("paper")
    assert (paper.dim, paper.codes_top, paper.codes_bottom, paper.dim_bottom) == (128, 256, 256, 256)
    assert ThVqvaeConfig.preset("default").dim < paper.dim
    with pytest.raises(ValueError):
        ThVqvaeConfig(dim=10, heads=4)
    with pytest.raises(ValueError):
        ThVqvaeConfig.preset("huge")
