import numpy as np

from deeptalk.retarget.solver import BlendshapeSolver, SolverConfig


def test_recovers_known_weights_within_the_box():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(300, 8))
    truth = np.clip(np.cumsum(rng.normal(scale=0.1, size=(120, 8)), axis=0) * 0.5 + 0.4, 0, 1)
    solver = BlendshapeSolver(basis, np.ones(300), config=SolverConfig(velocity=0, acceleration=0, symmetry=0,
                                                                      ridge=1e-6, iterations=300))
    got = solver.solve(truth @ basis.T)
    assert got.min() >= 0 and got.max() <= 1
    assert np.abs(got - truth).max() < 0.02


def test_bounds_are_enforced_for_targets_outside_them():
    basis = np.eye(3)
    solver = BlendshapeSolver(basis, np.ones(3))
    got = solver.solve(np.array([[2.0, -1.0, 0.5]] * 5))
    assert np.allclose(got[:, :2], [1.0, 0.0], atol=1e-3) and abs(got[0, 2] - 0.5) < 0.05


def test_smoothness_and_symmetry_priors():
    rng = np.random.default_rng(1)
    basis = np.eye(2)
    noisy = 0.5 + 0.2 * rng.normal(size=(200, 1)) * np.ones((1, 2))
    noisy[:, 1] += 0.1
    rough = BlendshapeSolver(basis, np.ones(2), config=SolverConfig(velocity=0, acceleration=0, symmetry=0)).solve(noisy)
    smooth = BlendshapeSolver(basis, np.ones(2), config=SolverConfig(velocity=5, acceleration=5, symmetry=0)).solve(noisy)
    assert np.abs(np.diff(smooth, axis=0)).mean() < 0.5 * np.abs(np.diff(rough, axis=0)).mean()
    sym = BlendshapeSolver(basis, np.ones(2), mirror_pairs=[(0, 1)],
                           config=SolverConfig(symmetry=10, velocity=0, acceleration=0)).solve(noisy)
    assert np.abs(sym[:, 0] - sym[:, 1]).mean() < 0.2 * np.abs(rough[:, 0] - rough[:, 1]).mean()
