import numpy as np
import smplx
import torch

from deeptalk.flame.loading import load_landmark_embedding
from deeptalk.flame.smplx_folder import write_smplx_folder
from deeptalk.paths import standin_flame_dir


def _flame(folder, ext):
    return smplx.FLAME(model_path=str(folder), ext=ext, num_expression_coeffs=50)


def test_standin_loads_in_smplx_like_the_real_model(standin, tmp_path):
    committed = _flame(standin_flame_dir(), "npz")  # the committed folder
    folder = write_smplx_folder(standin, tmp_path / "pkl")  # official pickle layout
    written = _flame(folder, "pkl")
    assert committed.expr_dirs.shape == (standin.num_vertices, 3, 50)  # not smplx's 10+10 fallback
    jaw = torch.tensor([[0.25, 0.0, 0.0]])
    expression = torch.zeros(1, 50)
    expression[0, 1] = 1.0
    a = committed(jaw_pose=jaw, expression=expression).vertices
    b = written(jaw_pose=jaw, expression=expression).vertices
    assert torch.allclose(a, b)
    faces, bary = load_landmark_embedding(folder / "flame_static_embedding.pkl")
    assert faces.shape == (51,) and np.allclose(bary.sum(axis=1), 1.0)
