"""Exception and warning classes of csimodel.

Every error raised on bad user input is a :class:`CsimodelError`; each class
also subclasses the builtin it refines, so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "CsimodelError",
    "ModelSyntaxError",
    "ModelError",
    "DataError",
    "SuspectedCodeError",
    "ModelFileError",
    "EstimationError",
    "CsimodelWarning",
    "ConvergenceWarning",
    "DataWarning",
    "InadmissibleWarning",
]


class CsimodelError(Exception):
    """Root of all csimodel errors.

    Examples
    --------
    >>> import csimodel as cm
    >>> try:
    ...     cm.Model("Sat =~")
    ... except cm.CsimodelError as e:
    ...     print(type(e).__name__)
    ModelSyntaxError
    """


class ModelSyntaxError(CsimodelError, ValueError):
    """The model text cannot be parsed; the message shows line, column and a caret."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


class ModelError(CsimodelError, ValueError):
    """The model parses but is not a valid model (undefined construct, cycle, ...)."""


class DataError(CsimodelError, ValueError):
    """The data cannot be used as given; the message names columns and rows."""


class SuspectedCodeError(DataError):
    """Item values look like no-answer codes (-99, 9, 999, ...) left in the data.

    Raised by the data door for items without a declared scale; ``codes`` holds the
    suspected values. Declare them with ``missing_values=``, declare the answer scale, or
    pass ``suspect_codes='ignore'`` if they are real answers.
    """

    def __init__(self, message: str, codes: tuple[float, ...] | list[float] = ()):
        super().__init__(message)
        self.codes = tuple(codes)


class ModelFileError(CsimodelError, ValueError):
    """A saved model file is invalid, tampered with or of an unknown version."""


class EstimationError(CsimodelError, RuntimeError):
    """The estimator cannot produce a result (e.g. a singular construct correlation matrix)."""


class CsimodelWarning(UserWarning):
    """Root of all csimodel warnings."""


class ConvergenceWarning(CsimodelWarning):
    """An iterative algorithm stopped before reaching its tolerance."""


class DataWarning(CsimodelWarning):
    """Rows were excluded or cells imputed under an explicit missing-data policy."""


class InadmissibleWarning(CsimodelWarning):
    """An estimate is outside its admissible range (e.g. a reliability above 1)."""
