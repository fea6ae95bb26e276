"""Frozen sub-networks that stay frozen: `Freezable.freeze()` survives a parent's `.train()`.

Spec §9.11: the released generator's `model.train()` put its frozen DEE back into
training mode (dropout on). A frozen `Freezable` ignores `train(True)` and keeps its
parameters at `requires_grad=False`; gradients still flow through it to its inputs.
"""

from __future__ import annotations

from torch import nn


class Freezable(nn.Module):
    """nn.Module whose `freeze()` pins eval mode and disables parameter gradients."""

    _frozen: bool = False

    @property
    def frozen(self) -> bool:
        return self._frozen

    def freeze(self) -> "Freezable":
        """requires_grad=False on every parameter, eval mode now and after later `.train()`."""
        self._frozen = True
        self.requires_grad_(False)
        return self.eval()

    def unfreeze(self) -> "Freezable":
        """Undo `freeze()`: parameters trainable again, except inside frozen sub-networks and
        the parts a sub-network always keeps frozen (`_partial_freeze`); mode left to the caller."""
        self._frozen = False
        self.requires_grad_(True)
        for module in self.modules():
            if isinstance(module, Freezable):
                if module is not self and module._frozen:
                    module.requires_grad_(False)
                else:
                    module._partial_freeze()
        return self

    def train(self, mode: bool = True) -> "Freezable":
        super().train(mode and not self._frozen)
        self._after_train(mode and not self._frozen)
        return self

    def _after_train(self, mode: bool) -> None:
        """Hook for subclasses that keep some parts in eval while the rest trains."""

    def _partial_freeze(self) -> None:
        """Hook: re-freeze the parts this module always keeps frozen (called by `unfreeze`)."""
