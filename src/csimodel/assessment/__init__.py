"""Assessment of PLS / PLSc fits: reliability, validity, collinearity, effect sizes, fit."""

from .assess import CUTOFFS, Assessment, assess

__all__ = ["assess", "Assessment", "CUTOFFS"]
