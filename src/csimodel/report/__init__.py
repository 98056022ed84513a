"""Presentation: text and HTML summaries."""

from .summary import Summary

__all__ = ["Summary"]
