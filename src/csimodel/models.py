"""Preset models: the ECSI model of the bundled data and the ACSI structure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .exceptions import ModelError
from .spec import Model

__all__ = ["ecsi", "acsi", "ACSI_CONSTRUCTS"]

ECSI_ITEMS: dict[str, tuple[str, ...]] = {
    "Image": ("IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"),
    "Expectation": ("CUEX1", "CUEX2", "CUEX3"),
    "Quality": tuple(f"PERQ{i}" for i in range(1, 8)),
    "Value": ("PERV1", "PERV2"),
    "Satisfaction": ("CUSA1", "CUSA2", "CUSA3"),
    "Complaints": ("CUSCO",),
    "Loyalty": ("CUSL1", "CUSL2", "CUSL3"),
}
ECSI_PATHS = (
    "Expectation ~ Image",
    "Quality ~ Expectation",
    "Value ~ Expectation + Quality",
    "Satisfaction ~ Image + Expectation + Quality + Value",
    "Complaints ~ Satisfaction",
    "Loyalty ~ Image + Satisfaction + Complaints",
)

ACSI_CONSTRUCTS = ("Expectations", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty")
ACSI_PATHS = (
    "Quality ~ Expectations",
    "Value ~ Expectations + Quality",
    "Satisfaction ~ Expectations + Quality + Value",
    "Complaints ~ Satisfaction",
    "Loyalty ~ Satisfaction + Complaints",
)
_ACSI_DEFAULT_ITEMS = {
    "Expectations": ECSI_ITEMS["Expectation"],
    "Quality": ECSI_ITEMS["Quality"],
    "Value": ECSI_ITEMS["Value"],
    "Satisfaction": ECSI_ITEMS["Satisfaction"],
    "Complaints": ECSI_ITEMS["Complaints"],
    "Loyalty": ECSI_ITEMS["Loyalty"],
}


def _syntax(items: Mapping[str, Sequence[str]], modes: Mapping[str, str], paths) -> str:
    lines = []
    for c, its in items.items():
        op = "<~" if modes.get(c, "A") == "B" else "=~"
        lines.append(f"{c} {op} " + " + ".join(its))
    return "\n".join(lines + list(paths)) + "\n"


def ecsi(modes: Mapping[str, str] | None = None) -> Model:
    """The ECSI model (Tenenhaus et al. 2005) with the item names of the bundled data.

    Seven constructs: Image, Expectation, Quality, Value, Satisfaction, Complaints,
    Loyalty; all reflective (mode A) unless ``modes`` says otherwise.

    Parameters
    ----------
    modes : dict, optional
        Construct -> ``'A'`` or ``'B'`` to override the measurement mode.

    Examples
    --------
    >>> import csimodel as cm
    >>> cm.models.ecsi()
    <csimodel.Model: 7 constructs, 24 items, 12 paths>
    """
    return Model(_syntax(ECSI_ITEMS, _check_modes(modes, ECSI_ITEMS), ECSI_PATHS))


def acsi(
    items: Mapping[str, Sequence[str]] | None = None, modes: Mapping[str, str] | None = None
) -> Model:
    """The six-construct ACSI model (Fornell et al. 1996).

    Expectations -> Quality, Value, Satisfaction; Quality -> Value, Satisfaction;
    Value -> Satisfaction; Satisfaction -> Complaints, Loyalty; Complaints -> Loyalty.

    Parameters
    ----------
    items : dict
        Construct -> list of item (column) names, for the constructs
        ``Expectations, Quality, Value, Satisfaction, Complaints, Loyalty``.
        Default: the matching items of the bundled ECSI data (``load_ecsi_mobi``).
    modes : dict, optional
        Construct -> ``'A'`` (reflective, default) or ``'B'`` (composite).

    Examples
    --------
    >>> import csimodel as cm
    >>> m = cm.models.acsi(items={"Expectations": ["e1", "e2"], "Quality": ["q1", "q2"],
    ...     "Value": ["v1", "v2"], "Satisfaction": ["s1", "s2", "s3"],
    ...     "Complaints": ["c1"], "Loyalty": ["l1", "l2"]})
    >>> m.predecessors("Satisfaction")
    ('Expectations', 'Quality', 'Value')
    """
    if items is None:
        items = _ACSI_DEFAULT_ITEMS
    if not isinstance(items, Mapping):
        raise ModelError("acsi(items=...) must be a dict: construct name -> list of item names.")
    missing = [c for c in ACSI_CONSTRUCTS if c not in items]
    extra = [c for c in items if c not in ACSI_CONSTRUCTS]
    if missing or extra:
        raise ModelError(
            f"acsi(items=...) needs exactly the constructs {', '.join(ACSI_CONSTRUCTS)}; "
            f"missing: {missing or 'none'}, unknown: {extra or 'none'}."
        )
    clean: dict[str, tuple[str, ...]] = {}
    for c in ACSI_CONSTRUCTS:
        its = items[c]
        if isinstance(its, str):
            its = [its]
        its = tuple(its)
        if not its:
            raise ModelError(f"Construct {c!r} has no items; give at least one column name.")
        clean[c] = its
    return Model(_syntax(clean, _check_modes(modes, clean), ACSI_PATHS))


def _check_modes(modes, items) -> dict[str, str]:
    modes = dict(modes or {})
    for c, m in modes.items():
        if c not in items:
            raise ModelError(f"modes= names unknown construct {c!r}; known: {', '.join(items)}.")
        if m not in ("A", "B"):
            raise ModelError(f"modes[{c!r}] must be 'A' or 'B'. Got {m!r} instead.")
    return modes
