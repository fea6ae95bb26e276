"""scripts.pixel_font: glyph table shape, text masks, clipped drawing; the emotion sheet's layout."""

from __future__ import annotations

import numpy as np

from scripts.emotion_sheet import COLUMNS, LABEL_HEIGHT, compose
from scripts.pixel_font import GLYPHS, HEIGHT, WIDTH, draw_text, text_mask


def test_every_glyph_is_5x7_and_distinct() -> None:
    assert all(len(g) == HEIGHT and all(len(row) == WIDTH and set(row) <= {".", "#"} for row in g)
               for g in GLYPHS.values())
    drawn = {g for c, g in GLYPHS.items() if c != " "}
    assert len(drawn) == len(GLYPHS) - 1  # no two characters look the same


def test_text_mask_and_clipped_drawing() -> None:
    mask = text_mask("Hi 1", scale=2)
    assert mask.shape == (14, 4 * 6 * 2) and mask[:, :10].any() and not mask[:, 24:36].any()
    canvas = np.zeros((10, 20, 3), np.uint8)
    draw_text(canvas, "HAPPY SAD", top=5, left=3, colour=(1, 2, 3))  # runs off the right and bottom edges
    assert canvas.any() and set(map(tuple, canvas.reshape(-1, 3))) <= {(0, 0, 0), (1, 2, 3)}
    draw_text(canvas, "X", top=50, left=50)  # outside: nothing, no error


def test_compose_lays_tiles_out_with_labels() -> None:
    tiles = [(str(i), np.full((40, 30, 3), 10 * i, np.uint8)) for i in range(6)]
    sheet = compose(tiles, "title")
    assert sheet.shape == (LABEL_HEIGHT + 2 * (40 + LABEL_HEIGHT), COLUMNS * 30, 3)
    assert (sheet[LABEL_HEIGHT:LABEL_HEIGHT + 40, 30:60] == 10).all()  # tile 1: first row, second column
    row2 = 2 * LABEL_HEIGHT + 40
    assert (sheet[row2:row2 + 40, 60:90] == 50).all()
    assert (sheet[LABEL_HEIGHT + 40:row2] != 24).any()  # labels drawn under the first row
