"""Numeric helpers shared by several layers (internal).

Pure array algebra that estimators, result classes and consumers all need, so that none of
them imports another layer's internals: Dijkstra-Henseler rho_A from outer weights
(:mod:`.reliability`), the fit-index algebra of covariance structure models
(:mod:`.fit_indices`), missing-data patterns with their sufficient statistics
(:mod:`.patterns`), robust (MLR / scaled-shifted) statistics (:mod:`.robust`) and
polychoric correlations with their asymptotic covariance (:mod:`.polychoric`). These
modules import numpy, pandas, scipy (lazily) and the package's exceptions/validation only.
"""
