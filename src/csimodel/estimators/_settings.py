"""What the estimators share: settings (``get_params``, repr, checks) and the model argument."""

from __future__ import annotations

from typing import Any

from .._validation import check_number
from ..exceptions import ModelError
from ..spec import Model


class EstimatorSettings:
    """Mixin: ``get_params()`` from ``_param_names``; a repr naming the non-default settings.

    The defaults are those of the nearest class (in the method resolution order) that
    declares ``_param_names`` itself.
    """

    _param_names: tuple[str, ...] = ()
    tol: float
    max_iter: int

    def get_params(self) -> dict[str, Any]:
        """The estimator's settings as a dict."""
        return {name: getattr(self, name) for name in self._param_names}

    def __repr__(self) -> str:
        owner = next(c for c in type(self).__mro__ if "_param_names" in vars(c))
        defaults = owner().get_params()
        shown = [f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults[k]]
        return f"{type(self).__name__}({', '.join(shown)})"

    def _check_iterations(self, owner: str) -> None:
        """Check ``tol`` (> 0) and ``max_iter`` (integer >= 1)."""
        check_number(self.tol, "tol", owner, low=0, low_open=True)
        check_number(self.max_iter, "max_iter", owner, integer=True, low=1)


def as_model(model: Any) -> Model:
    """A :class:`~csimodel.Model` from a Model or model syntax text."""
    if isinstance(model, str):
        return Model(model)
    if not isinstance(model, Model):
        raise ModelError(
            f"model must be a csimodel.Model or model syntax text. Got {type(model).__name__}."
        )
    return model


def refuse_extensions(model: Model, owner: str) -> Model:
    """Raise :class:`~csimodel.ModelError` for interaction terms / higher-order constructs."""
    if model.has_extensions:
        what = [*model.interactions, *model.higher_order]
        raise ModelError(
            f"{owner} does not estimate interaction terms or higher-order constructs "
            f"({', '.join(repr(w) for w in what)}). Use cm.PLS(interaction=..., "
            "higher_order=...) for them."
        )
    return model
