"""Model specification: lavaan-style syntax parsed into a frozen :class:`Model`."""

from .model import Model
from .parser import parse

__all__ = ["Model", "parse"]
