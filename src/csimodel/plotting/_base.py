"""Shared helpers of the Display objects (internal)."""

from __future__ import annotations

from typing import Any


def get_ax(ax: Any, figsize: tuple[float, float] = (7.0, 5.5)):
    """The given axes, or new ones on a new figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    return ax, ax.figure
