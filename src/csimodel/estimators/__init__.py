"""Estimators: one per module. ``pls`` (PLS-PM), ``plsc`` (consistent PLS)."""

from .pls import PLS
from .plsc import PLSc

__all__ = ["PLS", "PLSc"]
