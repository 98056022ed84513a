"""Summary objects: DataFrames and notes, rendered as text or HTML at the last moment."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Summary"]


@dataclass
class Summary:
    """A titled collection of info lines, tables and notes.

    Nothing inside is rounded; :meth:`as_text` and :meth:`as_html` format numbers
    with ``float_format`` when rendering.

    Examples
    --------
    >>> import pandas as pd
    >>> s = Summary("Demo")
    >>> s.add_info("Respondents (used / total)", "250 / 250")
    >>> s.add_table("Paths", pd.DataFrame({"estimate": [0.5]}, index=["A -> B"]))
    >>> print(s.as_text().splitlines()[0])
    Demo
    """

    title: str
    info: list[tuple[str, str]] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    float_format: str = "{:.3f}"

    def add_info(self, key: str, value: object) -> None:
        self.info.append((key, str(value)))

    def add_table(self, title: str, table: pd.DataFrame) -> None:
        self.tables.append((title, table))

    def add_note(self, text: str) -> None:
        self.notes.append(text)

    def _fmt(self, v: object) -> str:
        if isinstance(v, float):
            return "" if v != v else self.float_format.format(v)
        return str(v)

    def as_text(self) -> str:
        """Plain-text rendering."""
        out = [self.title, "=" * len(self.title)]
        if self.info:
            width = max(len(k) for k, _ in self.info)
            out += [f"{k:<{width}}  {v}" for k, v in self.info]
        for title, df in self.tables:
            out += ["", title, "-" * len(title)]
            out.append(df.to_string(float_format=lambda x: self._fmt(float(x))))
        if self.notes:
            out += [""] + [f"Note: {n}" for n in self.notes]
        return "\n".join(out)

    def as_html(self) -> str:
        """HTML rendering (for Jupyter and reports)."""
        parts = [f"<div class='csimodel-summary'><h3>{html.escape(self.title)}</h3>"]
        if self.info:
            rows = "".join(
                f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                for k, v in self.info
            )
            parts.append(f"<table>{rows}</table>")
        for title, df in self.tables:
            parts.append(f"<h4>{html.escape(title)}</h4>")
            parts.append(df.to_html(float_format=lambda x: self._fmt(float(x)), border=0))
        for n in self.notes:
            parts.append(f"<p><em>Note:</em> {html.escape(n)}</p>")
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.as_html()

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()
