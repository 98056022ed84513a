"""Presentation: text and HTML summaries, self-contained HTML reports."""

from .html import render_report, write_report
from .summary import Summary

__all__ = ["Summary", "render_report", "write_report"]
