"""ACSI-style indices, roll-ups, KPIs and the scoring model for services."""

from .aggregate import aggregate
from .indices import indices, respondent_scores
from .kpis import kpis
from .model import ScoringModel
from .weights import index_weights

__all__ = ["indices", "respondent_scores", "index_weights", "aggregate", "kpis", "ScoringModel"]
