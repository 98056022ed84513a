"""Pieces shared by IPMA and classic IPA: quadrant names and frozen result objects."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["QUADRANTS"]

#: Martilla & James (1977) quadrant names, by (high importance?, high performance?).
QUADRANTS = {
    (True, False): "Concentrate here",
    (True, True): "Keep up the good work",
    (False, False): "Low priority",
    (False, True): "Possible overkill",
}


def _quadrant(imp: np.ndarray, perf: np.ndarray, ci: float, cp: float) -> list[str]:
    return [QUADRANTS[(bool(i >= ci), bool(p >= cp))] for i, p in zip(imp, perf, strict=True)]


class _Frozen:
    def __init__(self, **kwargs: Any) -> None:
        for k, v in kwargs.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only; cannot set {name!r}.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only; cannot delete {name!r}.")

    def _repr_html_(self) -> str:
        return self.summary().as_html()
