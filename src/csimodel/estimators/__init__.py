"""Estimators: one per module. ``pls`` (PLS-PM), ``plsc`` (consistent PLS), ``cbsem``
(CB-SEM via semopy, imported lazily)."""

from .cbsem import CBSEM
from .pls import PLS
from .plsc import PLSc

__all__ = ["PLS", "PLSc", "CBSEM"]
