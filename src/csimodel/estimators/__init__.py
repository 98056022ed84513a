"""Estimators: one per module. ``pls`` (PLS-PM)."""

from .pls import PLS

__all__ = ["PLS"]
