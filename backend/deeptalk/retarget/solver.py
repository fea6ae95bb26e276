"""Box-constrained least squares for blendshape weights over a whole clip at once.

For frames t with target offsets b_t (D,) and a basis A (D, C):

    min_W  sum_t ||A w_t - b_t||^2_M  +  ridge ||W||^2  +  symmetry sum_(l,r) (w_tl - w_tr)^2
           + velocity ||D W||^2 + acceleration ||D^T D W||^2      subject to 0 <= W <= 1

M weights each coordinate (face regions: lips most), D is the first difference in time. The
quadratic part is diagonalised once: the C x C normal matrix by its eigenvectors, the time
penalties by the DCT-II (the eigenvectors of D^T D with held ends), so each ADMM iteration
is two DCTs and two (T, C) x (C, C) products. Numpy + scipy.fft.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.fft import dct, idct


@dataclass(frozen=True)
class SolverConfig:
    """Prior strengths relative to the mean diagonal of the weighted normal matrix."""

    ridge: float = 1e-3
    symmetry: float = 0.02
    velocity: float = 0.02
    acceleration: float = 0.01
    iterations: int = 30
    rho: float = 0.03
    relaxation: float = 1.6  # ADMM over-relaxation (1 = plain ADMM); 1.5-1.8 converges faster

    def __post_init__(self) -> None:
        for name in ("ridge", "symmetry", "velocity", "acceleration", "rho"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0")
        if self.iterations < 1 or self.rho <= 0 or not 0 < self.relaxation < 2:
            raise ValueError("iterations must be >= 1, rho > 0 and relaxation in (0, 2)")


class BlendshapeSolver:
    """Solve (T, D) targets -> (T, C) weights in [0, 1]; `basis (D, C)`, `row_weights (D,)`."""

    def __init__(self, basis: np.ndarray, row_weights: np.ndarray, *, mirror_pairs: Sequence[tuple[int, int]] = (),
                 config: SolverConfig = SolverConfig()) -> None:
        basis = np.asarray(basis, dtype=np.float64)
        m = np.asarray(row_weights, dtype=np.float64)
        if basis.ndim != 2 or m.shape != (basis.shape[0],):
            raise ValueError(f"basis (D, C) and row_weights (D,) expected, got {basis.shape}, {m.shape}")
        self.config = config
        self.channels = basis.shape[1]
        self.weighted_basis = basis * m[:, None]  # (D, C): A^T M = weighted_basis^T
        gram = basis.T @ self.weighted_basis  # (C, C)
        self.unit = float(np.mean(np.diag(gram))) or 1.0
        prior = config.ridge * np.eye(self.channels)
        for left, right in mirror_pairs:
            e = np.zeros(self.channels)
            e[left], e[right] = 1.0, -1.0
            prior += config.symmetry * np.outer(e, e)
        self.normal = gram / self.unit + prior  # (C, C), scaled so priors are relative
        self.eigenvalues, self.eigenvectors = np.linalg.eigh(self.normal)

    def rhs(self, targets: np.ndarray) -> np.ndarray:
        """(T, D) -> (T, C): A^T M b_t scaled like the normal matrix."""
        return np.asarray(targets, dtype=np.float64) @ self.weighted_basis / self.unit

    def solve(self, targets: np.ndarray) -> np.ndarray:
        """(T, D) target offsets -> (T, C) weights in [0, 1]."""
        return self.solve_rhs(self.rhs(targets))

    def solve_rhs(self, rhs: np.ndarray) -> np.ndarray:
        """ADMM on the whole clip from the projected right-hand side (T, C)."""
        cfg = self.config
        t = rhs.shape[0]
        nu = 2.0 - 2.0 * np.cos(np.pi * np.arange(t) / t)  # (T,) eigenvalues of D^T D (held ends)
        time_penalty = cfg.velocity * nu + cfg.acceleration * nu ** 2  # (T,)
        q = self.eigenvectors
        denominator = self.eigenvalues[None, :] + time_penalty[:, None] + cfg.rho  # (T, C)
        rhs_q = dct(rhs @ q, type=2, norm="ortho", axis=0)  # (T, C) in both eigenbases

        def minimise(z_minus_u: np.ndarray) -> np.ndarray:
            shifted = rhs_q + cfg.rho * dct(z_minus_u @ q, type=2, norm="ortho", axis=0)
            return idct(shifted / denominator, type=2, norm="ortho", axis=0) @ q.T  # (T, C)

        z = np.clip(minimise(np.zeros_like(rhs)), 0.0, 1.0)
        u = np.zeros_like(z)
        for _ in range(cfg.iterations):
            w = minimise(z - u)
            relaxed = cfg.relaxation * w + (1.0 - cfg.relaxation) * z
            z = np.clip(relaxed + u, 0.0, 1.0)
            u += relaxed - z
        return z
