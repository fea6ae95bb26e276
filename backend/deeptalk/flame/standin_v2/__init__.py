"""Head v2 (`standin-v2`): teeth, gums, tongue, eyes with corneas, lids, an independent named basis."""

from deeptalk.flame.standin_v2.build import build_standin_v2, standin_v2_dir, standin_v2_model, write_standin_v2

__all__ = ["build_standin_v2", "standin_v2_dir", "standin_v2_model", "write_standin_v2"]
