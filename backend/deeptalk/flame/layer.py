"""FLAME forward pass for DEEPTalk motion: (..., 53) -> vertices (..., V, 3).

Motion holds expression [0:50] and jaw axis-angle [50:53]; shape, global rotation,
neck and eyes stay zero. `FlameLayer` computes exactly smplx's LBS for that case in
pure torch (fast, differentiable, batched); `SmplxFlame` runs smplx.FLAME itself
and serves as the reference the fast path is tested against.
"""

from __future__ import annotations

import tempfile
from typing import NamedTuple

import torch
from torch import nn

from deeptalk.flame.model import FlameModel
from deeptalk.flame.semantics import EXPRESSION_DIM, JAW_JOINT, MOTION_DIM
from deeptalk.flame.smplx_folder import write_smplx_folder

JAW_POSE_ROWS = slice((JAW_JOINT - 1) * 9, JAW_JOINT * 9)  # jaw's (R - I) rows in posedirs


class FlameOutput(NamedTuple):
    vertices: torch.Tensor  # (..., V, 3)
    joints: torch.Tensor  # (..., 5, 3)


def axis_angle_to_matrix(rot_vecs: torch.Tensor) -> torch.Tensor:
    """Rodrigues, (N, 3) -> (N, 3, 3); the same formula (and epsilon) as smplx."""
    angle = torch.norm(rot_vecs + 1e-8, dim=1, keepdim=True)  # (N, 1)
    rx, ry, rz = torch.split(rot_vecs / angle, 1, dim=1)  # (N, 1) each
    zeros = torch.zeros_like(rx)
    k = torch.cat([zeros, -rz, ry, rz, zeros, -rx, -ry, rx, zeros], dim=1).view(-1, 3, 3)  # (N, 3, 3)
    eye = torch.eye(3, dtype=rot_vecs.dtype, device=rot_vecs.device).unsqueeze(0)
    sin, cos = torch.sin(angle).unsqueeze(2), torch.cos(angle).unsqueeze(2)  # (N, 1, 1)
    return eye + sin * k + (1 - cos) * torch.bmm(k, k)


class FlameLayer(nn.Module):
    """Pure-torch FLAME for expression + jaw motion; buffers move with `.to(device)`.

    forward(motion (T, 53) or (B, T, 53) or (..., 53)) -> vertices (..., V, 3).
    `faces` (F, 3) long, `template` (V, 3), `masks` {name: (k,) long}.
    """

    def __init__(self, model: FlameModel, *, num_expressions: int = EXPRESSION_DIM,
                 vertex_ids: torch.Tensor | None = None) -> None:
        """`vertex_ids`: compute (and return) only these vertices, e.g. for cheaper training losses;
        joints still come from the whole mesh, masks are re-indexed into the subset, `faces` is empty."""
        super().__init__()
        if not 1 <= num_expressions <= model.exprdirs.shape[2]:
            raise ValueError(f"num_expressions must be in [1, {model.exprdirs.shape[2]}]")
        self.num_expressions = num_expressions
        n = model.num_vertices
        exprdirs = torch.from_numpy(model.exprdirs[:, :, :num_expressions].copy())  # (V, 3, E)
        regressor = torch.from_numpy(model.J_regressor.copy())  # (5, V)
        template = torch.from_numpy(model.v_template.copy())  # (V, 3)
        jaw_posedirs = torch.from_numpy(model.posedirs[JAW_POSE_ROWS].copy()).view(9, n, 3)  # (9, V, 3)
        jaw_weights = torch.from_numpy(model.weights[:, JAW_JOINT].copy())  # (V,)
        self.register_buffer("joints_rest", regressor @ template, persistent=False)  # (5, 3)
        self.register_buffer("joints_basis", torch.einsum("jv,vce->ejc", regressor, exprdirs),
                             persistent=False)  # (E, 5, 3)
        keep = torch.arange(n) if vertex_ids is None else torch.unique(torch.as_tensor(vertex_ids).long())  # (K,)
        exprdirs, template = exprdirs[keep], template[keep]  # (K, 3, E), (K, 3)
        jaw_posedirs, jaw_weights = jaw_posedirs[:, keep], jaw_weights[keep]  # (9, K, 3), (K,)
        # only vertices that expressions, jaw skinning or jaw correctives move are computed per frame
        moving = (exprdirs.abs().sum(dim=(1, 2)) > 0) | (jaw_weights != 0) | (jaw_posedirs.abs().sum(dim=(0, 2)) > 0)
        active = torch.nonzero(moving).squeeze(1)  # (A,) positions within keep
        self.register_buffer("template", template, persistent=False)
        self.register_buffer("active", active, persistent=False)
        self.register_buffer("expr_basis", exprdirs[active].permute(2, 0, 1).reshape(num_expressions, -1),
                             persistent=False)  # (E, A*3)
        self.register_buffer("jaw_posedirs", jaw_posedirs[:, active].reshape(9, -1), persistent=False)  # (9, A*3)
        self.register_buffer("jaw_weights", jaw_weights[active], persistent=False)  # (A,)
        faces = model.f.astype("int64") if vertex_ids is None else model.f[:0].astype("int64")
        self.register_buffer("faces", torch.from_numpy(faces), persistent=False)  # (F, 3)
        position = torch.full((n,), -1, dtype=torch.long)
        position[keep] = torch.arange(keep.shape[0])
        self.mask_names = tuple(model.masks)
        for name, ids in model.masks.items():
            local = position[torch.from_numpy(ids.astype("int64"))]
            self.register_buffer(f"mask_{name}", local[local >= 0], persistent=False)

    @property
    def masks(self) -> dict[str, torch.Tensor]:
        return {name: getattr(self, f"mask_{name}") for name in self.mask_names}

    @property
    def num_vertices(self) -> int:
        return int(self.template.shape[0])

    def forward(self, motion: torch.Tensor) -> torch.Tensor:
        """(..., 53) -> (..., V, 3) vertices."""
        return self.pose(motion).vertices

    def pose(self, motion: torch.Tensor) -> FlameOutput:
        """(..., 53) -> vertices (..., V, 3) and joints (..., 5, 3)."""
        if motion.shape[-1] != MOTION_DIM:
            raise ValueError(f"motion must end in {MOTION_DIM} values (50 expression + 3 jaw), got {tuple(motion.shape)}")
        lead = motion.shape[:-1]
        flat = motion.reshape(-1, MOTION_DIM).to(self.template.dtype)  # (N, 53)
        exp, jaw = flat[:, :self.num_expressions], flat[:, EXPRESSION_DIM:]  # (N, E), (N, 3)
        n, a = flat.shape[0], self.active.shape[0]
        rest = self.template[self.active].reshape(1, -1)  # (1, A*3)
        joints = self.joints_rest + torch.einsum("ne,ejc->njc", exp, self.joints_basis)  # (N, 5, 3)
        rot = axis_angle_to_matrix(jaw)  # (N, 3, 3)
        rot_minus_eye = rot - torch.eye(3, dtype=rot.dtype, device=rot.device)  # (N, 3, 3)
        v_shaped = torch.addmm(rest, exp, self.expr_basis)  # (N, A*3)
        v_posed = torch.addmm(v_shaped, rot_minus_eye.reshape(n, 9), self.jaw_posedirs).view(n, a, 3)  # (N, A, 3)
        about_jaw = v_posed - joints[:, JAW_JOINT:JAW_JOINT + 1]  # (N, A, 3)
        swing = torch.bmm(about_jaw, rot_minus_eye.transpose(1, 2))  # (N, A, 3)
        moved = torch.addcmul(v_posed, self.jaw_weights[:, None], swing)  # (N, A, 3)
        vertices = self.template.expand(n, -1, -1).clone()  # (N, V, 3)
        vertices.index_copy_(1, self.active, moved)
        return FlameOutput(vertices.reshape(*lead, -1, 3), joints.reshape(*lead, -1, 3))


class SmplxFlame(nn.Module):
    """smplx.FLAME on the same model (reference path); one instance, frames in chunks."""

    def __init__(self, model: FlameModel, *, num_expressions: int = EXPRESSION_DIM, chunk: int = 4096) -> None:
        super().__init__()
        import smplx

        self.num_expressions = num_expressions
        self.chunk = chunk
        with tempfile.TemporaryDirectory(prefix="deeptalk-smplx-") as folder:
            write_smplx_folder(model, folder)
            self.flame = smplx.FLAME(model_path=folder, num_expression_coeffs=num_expressions, num_betas=10,
                                     batch_size=1, create_betas=False, create_expression=False,
                                     create_global_orient=False, create_neck_pose=False, create_jaw_pose=False,
                                     create_leye_pose=False, create_reye_pose=False, create_transl=False)

    def forward(self, motion: torch.Tensor) -> FlameOutput:
        """(..., 53) -> vertices (..., V, 3), joints (..., 5, 3) (smplx's first 5 joints)."""
        lead = motion.shape[:-1]
        flat = motion.reshape(-1, MOTION_DIM).to(self.flame.v_template.dtype)
        verts, joints = [], []
        for start in range(0, flat.shape[0], self.chunk):
            part = flat[start:start + self.chunk]  # (n, 53)
            zeros = part.new_zeros(part.shape[0], 3)
            out = self.flame(betas=part.new_zeros(part.shape[0], self.flame.num_betas),
                             expression=part[:, :self.num_expressions], jaw_pose=part[:, EXPRESSION_DIM:],
                             global_orient=zeros, neck_pose=zeros, leye_pose=zeros, reye_pose=zeros)
            verts.append(out.vertices)
            joints.append(out.joints[:, :5])
        return FlameOutput(torch.cat(verts).reshape(*lead, -1, 3), torch.cat(joints).reshape(*lead, 5, 3))
