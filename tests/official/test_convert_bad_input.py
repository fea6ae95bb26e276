"""Bad official files are refused with one line naming the file and the first offending keys,
and nothing is written: truncated, wrong kind, code payloads, foreign or edited state dicts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

from deeptalk.official.convert import convert_official, convert_single
from deeptalk.official.loading import ConvertError


def _state(path: Path) -> OrderedDict:
    return torch.load(path, weights_only=True)


def _save(state: dict, path: Path) -> Path:
    torch.save(state, path)
    return path


def test_standalone_files_convert(small_official_files):
    fer = convert_single(small_official_files["FER.pth"], "fer")
    prior = convert_single(small_official_files["TH-VQVAE.pth"], "thvqvae")
    assert fer.config.num_classes == 8 and prior.config.codes_top == 256
    assert bool(prior.quantize_t.initialized)


def test_truncated_file(small_official_files, tmp_path):
    data = small_official_files["TH-VQVAE.pth"].read_bytes()
    bad = tmp_path / "TH-VQVAE.pth"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ConvertError, match=r"TH-VQVAE\.pth: not a readable torch checkpoint.*download"):
        convert_single(bad, "thvqvae")


def test_wrong_kind_names_the_right_flag(small_official_files, tmp_path):
    out = tmp_path / "model"
    with pytest.raises(ConvertError, match=r"FER\.pth: this is the official FER .* pass it as --fer"):
        convert_official(small_official_files["FER.pth"], out)
    with pytest.raises(ConvertError, match=r"this is the official TH-VQVAE\.pth .* pass it as --thvqvae"):
        convert_single(small_official_files["TH-VQVAE.pth"], "dee")
    assert not out.exists()


class _Payload:
    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_code_payload_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    payload = _Payload()
    payload.marker = marker
    bad = tmp_path / "DEEPTalk.pth"
    torch.save({"sequence_decoder.squasher_2_t.pre_linear.weight": torch.zeros(1), "x": payload}, bad)
    out = tmp_path / "model"
    with pytest.raises(ConvertError, match=r"DEEPTalk\.pth: refused: the file carries pickled code"):
        convert_official(bad, out)
    assert not marker.exists() and not out.exists()


def test_foreign_state_dict(tmp_path):
    bad = _save({"encoder.weight": torch.zeros(2, 2), "decoder.bias": torch.zeros(2)}, tmp_path / "model.pth")
    with pytest.raises(ConvertError, match=r"not an official DEEPTalk checkpoint .*encoder\.weight"):
        convert_official(bad, tmp_path / "out")
    bad = _save([torch.zeros(1)], tmp_path / "list.pth")
    with pytest.raises(ConvertError, match="not a state dict"):
        convert_single(bad, "fer")


def test_nan_and_inf(small_official_files, tmp_path):
    state = _state(small_official_files["TH-VQVAE.pth"])
    state["decoder_t.expander.0.0.weight"] = state["decoder_t.expander.0.0.weight"].clone()
    state["decoder_t.expander.0.0.weight"][0, 0, 0] = float("nan")
    bad = _save(state, tmp_path / "TH-VQVAE.pth")
    with pytest.raises(ConvertError, match=r"TH-VQVAE\.pth: NaN or infinite values in decoder_t\.expander\.0\.0\.weight"):
        convert_single(bad, "thvqvae")
    state = _state(small_official_files["FER.pth"])
    state["out_fc.bias"] = torch.full_like(state["out_fc.bias"], float("inf"))
    with pytest.raises(ConvertError, match=r"NaN or infinite values in out_fc\.bias"):
        convert_single(_save(state, tmp_path / "FER.pth"), "fer")


def test_missing_extra_and_misshaped_keys(small_official_files, tmp_path):
    base = _state(small_official_files["TH-VQVAE.pth"])
    missing = OrderedDict((k, v) for k, v in base.items() if k != "upsample_t.bias")
    with pytest.raises(ConvertError, match=r"missing tensors for thvqvae: upsample_t\.bias"):
        convert_single(_save(missing, tmp_path / "a.pth"), "thvqvae")
    extra = OrderedDict(base, **{"decoder_t.extra_layer.weight": torch.zeros(3)})
    with pytest.raises(ConvertError, match=r"keys no conversion rule knows: decoder_t\.extra_layer\.weight"):
        convert_single(_save(extra, tmp_path / "b.pth"), "thvqvae")
    shaped = OrderedDict(base)
    shaped["quantize_t.codebook.weight"] = torch.zeros(128, 128)
    with pytest.raises(ConvertError, match=r"wrong shapes: quantize_t\.codebook\.weight \[128, 128\] \(expected \[256, 128\]\)"):
        convert_single(_save(shaped, tmp_path / "c.pth"), "thvqvae")


def test_cli_one_line_and_nothing_written(small_official_files, tmp_path):
    out = tmp_path / "model"
    proc = subprocess.run([sys.executable, "-m", "deeptalk", "convert-official", "--generator",
                           str(small_official_files["TH-VQVAE.pth"]), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "TH-VQVAE.pth" in lines[0] and "--thvqvae" in lines[0]
    assert not out.exists() and list(tmp_path.iterdir()) == []
