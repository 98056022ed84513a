"""Numeric helpers shared by several layers (internal).

Pure array algebra that estimators, result classes and consumers all need, so that none of
them imports another layer's internals: Dijkstra-Henseler rho_A from outer weights
(:mod:`.reliability`), the fit-index algebra of covariance structure models
(:mod:`.fit_indices`) and missing-data patterns with their sufficient statistics
(:mod:`.patterns`). These modules import numpy, pandas, scipy (lazily) and the
package's exceptions/validation only.
"""
