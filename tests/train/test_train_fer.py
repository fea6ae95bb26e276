"""FER training rows taken from a clip's alternative-emotion faces keep their class."""

from __future__ import annotations

import torch


def test_fer_rows_from_alternative_emotions_carry_their_class() -> None:
    from deeptalk.train.clipbank import Batch
    from deeptalk.train.train_fer import with_alt_rows

    rows = 200
    alt = torch.arange(5.0)[None, :, None, None].expand(rows, 5, 4, 53).clone()  # row value = its class
    batch = Batch(audio=torch.zeros(rows, 4 * 640), motion=torch.full((rows, 4, 53), -1.0),
                  visemes=torch.zeros(rows, 4, dtype=torch.long), emotion=torch.full((rows,), 9),
                  intensity=torch.ones(rows, dtype=torch.long), speaker=torch.zeros(rows, dtype=torch.long),
                  clip_index=torch.arange(rows), alt_motion=alt)
    motion, labels = with_alt_rows(batch, 0.25, torch.Generator().manual_seed(0))
    swapped = labels != 9
    assert 25 < int(swapped.sum()) < 75
    assert torch.equal(motion[swapped, 0, 0], labels[swapped].float())
    assert (motion[~swapped] == -1).all()
