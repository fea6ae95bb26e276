"""scripts.png: the stdlib PNG writer round-trips through a real PNG reader (Blender's)."""

from __future__ import annotations

import numpy as np
import pytest

import bpy
from scripts.png import write_png


def test_written_png_reads_back_exactly(tmp_path) -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (7, 11, 3), dtype=np.uint8)
    path = write_png(tmp_path / "sub" / "x.png", rgb)
    image = bpy.data.images.load(str(path))
    try:
        assert tuple(image.size) == (11, 7)
        pixels = np.empty(11 * 7 * 4, np.float32)
        image.pixels.foreach_get(pixels)
    finally:
        bpy.data.images.remove(image)
    back = np.round(pixels.reshape(7, 11, 4)[::-1, :, :3] * 255).astype(np.uint8)  # Blender rows start at the bottom
    np.testing.assert_array_equal(back, rgb)


def test_shape_is_checked(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        write_png(tmp_path / "x.png", np.zeros((4, 4), np.uint8))
