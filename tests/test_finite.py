"""`finite`: NaN/inf found in arrays, tensors and numbers, and named."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deeptalk.finite import NonFiniteError, non_finite, require_finite


def test_names_what_is_not_finite() -> None:
    found = non_finite({"ok": np.ones(3), "nan": np.array([1.0, np.nan, np.nan]), "ints": np.arange(3),
                        "tensor": torch.tensor([float("inf")], dtype=torch.float16), "number": float("-inf"),
                        "empty": np.zeros(0)})
    assert found == ["nan (2 values)", "tensor (1 value)", "number (1 value)"]


def test_require_finite_raises_with_the_names() -> None:
    require_finite("result", [("motion", np.zeros((2, 3)))])
    with pytest.raises(NonFiniteError, match=r"result holds NaN or infinite values in a0 \(1 value\), a1"):
        require_finite("result", [(f"a{i}", np.array([np.nan])) for i in range(8)])
    with pytest.raises(NonFiniteError, match="and 3 more"):
        require_finite("result", [(f"a{i}", np.array([np.nan])) for i in range(8)])
