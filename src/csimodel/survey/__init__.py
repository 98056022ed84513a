"""The survey programme: tracking waves, gaps, NPS and composites, planning the sample.

Everything here reads fitted results or goes through the data door; nothing mutates results.
"""

from ..summary_data import SummaryData
from .composite import composite_index, nps
from .gaps import GapResults, gap_analysis
from .planning import PowerResults, index_precision, power, sample_size
from .tracker import TrackResults, track

__all__ = [
    "SummaryData",
    "sample_size",
    "power",
    "PowerResults",
    "index_precision",
    "track",
    "TrackResults",
    "gap_analysis",
    "GapResults",
    "nps",
    "composite_index",
]
