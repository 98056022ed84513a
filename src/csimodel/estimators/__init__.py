"""Estimators: one per module. ``pls`` (PLS-PM), ``cbsem`` (CB-SEM via semopy)."""

from .cbsem import CBSEM
from .pls import PLS

__all__ = ["PLS", "CBSEM"]
