"""Inference on fitted models: bootstrap (batched through the estimator's engine)."""

from .bootstrap import BootstrapResults, bootstrap

__all__ = ["bootstrap", "BootstrapResults"]
