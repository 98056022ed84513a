"""Resample draws for the bootstrap: generator, resample counts, replayable state.

Resample *b* is the row draw ``rng.integers(0, n, n)``; a batch of resamples is a
``(m, n)`` matrix of counts (how often each row is drawn), which one matrix product turns
into moments (:class:`~csimodel.moments.MomentBuilder`).
"""

from __future__ import annotations

import numbers
import sys
from typing import Any

import numpy as np

from .._validation import ParameterError

_CELL_BUDGET = 1 << 23  # counts cells (resamples x respondents) per chunk: ~64 MiB of float64


def _generator(random_state: Any) -> np.random.Generator:
    if random_state is None or isinstance(
        random_state, (numbers.Integral, np.random.SeedSequence, np.random.BitGenerator)
    ):
        if isinstance(random_state, bool):
            raise ParameterError(
                "The 'random_state' parameter of bootstrap must be None, an int, a "
                f"numpy SeedSequence or a numpy Generator. Got {random_state!r} instead."
            )
        return np.random.default_rng(random_state)  # type: ignore[arg-type]  # Integral is int-like
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise ParameterError(
        "The 'random_state' parameter of bootstrap must be None, an int, a numpy "
        f"SeedSequence or a numpy Generator. Got {random_state!r} instead."
    )


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # pragma: no cover - exotic IPython states
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _progress_bar(progress: bool | None, total: int, desc: str = "bootstrap"):
    """A tqdm bar (disabled unless wanted). ``progress=None``: on only in a terminal or a
    notebook; ``False``: off. A disabled bar's ``update``/``close`` do nothing."""
    notebook = _in_notebook()
    if progress is None:
        progress = notebook or bool(getattr(sys.stderr, "isatty", lambda: False)())
    if notebook:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit="fit", leave=False, disable=not progress)


def _resample_indices(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """Row indices ``(m, n)`` of ``m`` resamples: row b is ``rng.integers(0, n, n)``."""
    return rng.integers(0, n, size=(m, n))


def counts_from_indices(idx: np.ndarray, n: int) -> np.ndarray:
    """Resample counts ``(m, n)`` (float) from row indices ``(m, n_draw)`` of ``n`` rows."""
    m = idx.shape[0]
    flat = (idx + (np.arange(m) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=m * n).reshape(m, n).astype(np.float64)


def _resample_counts(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """Counts ``(m, n)`` of ``m`` resamples: row b counts ``rng.integers(0, n, n)``."""
    return counts_from_indices(_resample_indices(rng, n, m), n)


def _rng_snapshot(rng: np.random.Generator) -> tuple[type, dict]:
    """(bit generator class, state): enough to rebuild ``rng`` as it is now."""
    import copy

    bg = rng.bit_generator
    return type(bg), copy.deepcopy(dict(bg.state))


def _rng_restore(snapshot: tuple[type, dict]) -> np.random.Generator:
    cls, state = snapshot
    bg = cls()
    bg.state = state
    return np.random.Generator(bg)
