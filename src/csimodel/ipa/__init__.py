r"""Importance-performance analysis: IPMA (derived importance) and classic IPA (stated).

:func:`ipma` (module :mod:`csimodel.ipa.ipma`) reads a fitted PLS model (Ringle & Sarstedt
2016): every item is put on a 0-100 scale with its declared answer scale, constructs become
weighted means of their rescaled items, the rescaled construct scores are regressed along the
structural model and the **unstandardized total effect** on a target construct is the
*importance*; the mean 0-100 score is the *performance*.

:func:`ipa` (module :mod:`csimodel.ipa.classic`) is the classic analysis of Martilla & James
(1977): respondents rated how important each attribute is and how well the company performs
on it; the means are placed on a map divided into four quadrants.

Shared pieces (quadrant names, frozen results) live in :mod:`csimodel.ipa._common`.
"""

from ._common import QUADRANTS
from .classic import IPAResults, ipa
from .ipma import IPMAResults, ipma

__all__ = ["ipma", "ipa", "IPMAResults", "IPAResults", "QUADRANTS"]
