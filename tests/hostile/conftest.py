"""The hostile-input suite (issue #9): every way users, files, messages and processes go wrong.

Blender fixtures come from tests/blender/conftest.py (imported under the name pytest gives
it: `tests/` is on sys.path, `blender` is the package), so each test starts from an empty
factory file with the add-on enabled; `tiny_model_dir` and `speech_wav` are suite-wide.
"""

from __future__ import annotations

from blender.conftest import backend, flame_npz, fresh_blender, model_dir, rig  # noqa: F401
