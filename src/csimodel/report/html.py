"""One self-contained HTML report of a fit: settings, respondents, tables and images.

The file has no external references: styles are inline and images are embedded as
base64 PNG (``data:`` URIs), so it can be mailed or archived as one file and opened in any
browser without network access.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["render_report", "write_report", "figure_to_png"]

_CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; border-bottom: 3px solid #1f6f8b; padding-bottom: .3em; }
h2 { font-size: 1.25em; color: #1f6f8b; margin-top: 2em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.1em; } h4 { font-size: 1em; margin-bottom: .3em; }
table { border-collapse: collapse; margin: .4em 0 1em 0; font-size: .9em; }
th, td { padding: .25em .7em; border-bottom: 1px solid #e5e5e5; text-align: right; }
th { background: #f4f7f9; } td:first-child, th:first-child { text-align: left; }
.meta th { text-align: left; background: none; } .meta td { text-align: left; }
.figure { margin: 1em 0; } .figure img { max-width: 100%; border: 1px solid #eee; }
.caption { font-size: .9em; color: #555; } .note { color: #555; font-size: .85em; }
.csimodel-summary > table:first-of-type td { text-align: left; }
.row { display: flex; flex-wrap: wrap; gap: 0 3em; } .row > div { min-width: 320px; }
pre { background: #f7f7f7; padding: .8em; border-radius: 4px; font-size: .85em; }
.lead { color: #555; margin-top: -.5em; }
footer { margin-top: 3em; font-size: .8em; color: #777; border-top: 1px solid #ddd; }
"""


def figure_to_png(fig: Any, dpi: int = 110) -> bytes:
    """PNG bytes of a matplotlib figure (or of any object with ``savefig`` / ``figure_``)."""
    fig = getattr(fig, "figure_", fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def _png_bytes(obj: Any) -> bytes:
    if isinstance(obj, bytes | bytearray):
        if not bytes(obj[:8]) == b"\x89PNG\r\n\x1a\n":
            raise ValueError("image bytes given to the report must be PNG data")
        return bytes(obj)
    if isinstance(obj, str | Path):
        data = Path(obj).read_bytes()
        return _png_bytes(data)
    if hasattr(obj, "savefig") or hasattr(obj, "figure_"):
        return figure_to_png(obj)
    raise TypeError(
        f"cannot embed an object of type {type(obj).__name__} in the report; give a matplotlib "
        "figure, a plot display object, PNG bytes or the path of a PNG file"
    )


def _img_tag(png: bytes, alt: str) -> str:
    b64 = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{b64}'/>"


def _optional(module: str, name: str):
    """``csimodel.<module>.<name>`` when that part of the package exists, else None."""
    import importlib

    try:
        mod = importlib.import_module(f"csimodel.{module}")
    except ImportError:
        return None
    return getattr(mod, name, None)


def _path_pvalues(boot: Any) -> dict[tuple[str, str], float] | None:
    """(source, target) -> bootstrap p value of the paths, from ``boot.params``."""
    params = getattr(boot, "params", None)
    if params is None or "p" not in getattr(params, "columns", ()):
        return None
    rows = params[params["op"] == "~"]
    return {(r.rhs, r.lhs): float(r.p) for r in rows.itertuples(index=False)}


def _draw(make) -> bytes | None:
    """PNG of the display built by ``make()``; None when it cannot be drawn."""
    import matplotlib.pyplot as plt

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            disp = make()
            if getattr(disp, "figure_", None) is None and hasattr(disp, "plot"):
                disp = disp.plot()
            png = figure_to_png(disp)
        plt.close(disp.figure_)
        return png
    except Exception:  # a figure is a bonus; the tables carry the numbers
        return None


def _auto_figures(res: Any, ipma_res: Any, boot: Any) -> dict[str, bytes]:
    """Path diagram and IPMA map from :mod:`csimodel.plotting`, when it is available.

    Every figure is optional: without the plotting module, or when a plot cannot be drawn
    for this fit, it is left out (the tables carry the numbers).
    """
    figs: dict[str, bytes] = {}
    diagram = _optional("plotting", "PathDiagramDisplay")
    if diagram is not None:
        pv = _path_pvalues(boot) if boot is not None else None
        caption = "Path diagram" + (
            " (bootstrap: * p < .05, ** p < .01, *** p < .001)" if pv else ""
        )
        png = _draw(lambda: diagram.from_result(res, pvalues=pv))
        if png is not None:
            figs[caption] = png
    ipma_map = _optional("plotting", "ImportancePerformanceDisplay")
    if ipma_res is not None and ipma_map is not None:
        png = _draw(lambda: ipma_map.from_result(ipma_res))
        if png is not None:
            figs[f"Importance-performance map (target: {ipma_res.target})"] = png
    return figs


def _ipma(res: Any, target: str | None, negative_weights: str = "error"):
    """IPMA of ``target`` and, when there is none, the reason (shown in the report).

    ``'auto'``: of the model's single final construct, when possible (no reason is shown
    when the model or fit simply does not call for one).
    """
    if target is None:
        return None, None
    fn = _optional("ipa", "ipma")
    from ..exceptions import CsimodelError
    from ..results import FitResults

    if target == "auto":
        # automatic: a PLS-family fit with a declared scale and exactly one final construct
        model = res.model
        sinks = [c for c in model.endogenous if not any(src == c for src, _ in model.paths)]
        if fn is None or not isinstance(res, FitResults) or len(sinks) != 1:
            return None, None
        if np.isnan(np.asarray(res.data.scale_low, float)).any():
            return None, None
        target = sinks[0]
    elif fn is None:
        raise ValueError("ipma_target needs csimodel.ipma, which this version does not have")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(res, target=target, negative_weights=negative_weights), None
    except CsimodelError as e:  # e.g. a negative index weight: the report says why
        return None, f"No importance-performance map for {target!r}: {e}"


def _indices_section(res: Any, negative_weights: str) -> str | None:
    """0-100 indices of a PLS-family fit, or the reason there are none."""
    from ..exceptions import CsimodelError
    from ..results import FitResults

    if not isinstance(res, FitResults):
        return None
    if np.isnan(np.asarray(res.data.scale_low, float)).any():
        return _note(
            "No 0-100 indices: the answer scale of the items was not declared. Fit with "
            "scale=(low, high) (command line: --scale LOW HIGH)."
        )
    from ..scoring import indices

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = indices(res, negative_weights=negative_weights)
    except CsimodelError as e:
        return _note(f"No 0-100 indices: {e}")
    return _frame_html(table)


def _note(text: str) -> str:
    return f"<p class='note'>{html.escape(text)}</p>"


def _settings(res: Any) -> list[tuple[str, str]]:
    est = res.estimator
    params = est.get_params() if hasattr(est, "get_params") else {}
    rows = [("Estimator", type(est).__name__)]
    rows += [(f"  {k}", repr(v)) for k, v in params.items()]
    d = res.data
    lo, hi = np.asarray(d.scale_low, float), np.asarray(d.scale_high, float)
    if np.all(np.isnan(lo)):
        scale = "not declared"
    else:
        pairs = sorted({(a, b) for a, b in zip(lo, hi, strict=True) if not np.isnan(a)})
        scale = ", ".join(f"{a:g} to {b:g}" for a, b in pairs)
        if np.any(np.isnan(lo)):
            scale += " (some items undeclared)"
    rows.append(("Answer scale", scale))
    rows.append(("Missing-data policy", str(d.missing)))
    rows.append(("Case weights", "yes" if d.weights is not None else "no"))
    return rows


def _meta_table(rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows
    )
    return f"<table class='meta'>{body}</table>"


def render_report(
    res: Any,
    *,
    title: str | None = None,
    assessment: bool = True,
    figures: Mapping[str, Any] | None = None,
    auto_figures: bool = True,
    ipma_target: str | None = "auto",
    boot: Any = None,
    extra: Mapping[str, Any] | None = None,
    negative_weights: str = "error",
    track: Any = None,
) -> str:
    """The report of a fit as one HTML string (see :func:`write_report`)."""
    from .._version import __version__

    title = title or f"csimodel report: {type(res.estimator).__name__} fit"
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    counts = [
        ("Respondents used / total", f"{res.n_used} / {res.n_total}"),
        ("Rows excluded", str(len(res.excluded))),
        ("Cells imputed", str(len(res.imputed))),
        ("Constructs", str(len(res.model.constructs))),
        ("Items", str(len(res.model.items))),
        ("Converged", f"yes ({res.n_iter} iterations)" if res.converged else "NO"),
    ]
    if len(res.excluded):
        reasons = res.excluded["reason"].value_counts()
        counts.insert(2, ("Exclusion reasons", ", ".join(f"{v} {k}" for k, v in reasons.items())))
    parts.append(
        f"<p class='lead'>csimodel {html.escape(__version__)} &middot; {now}</p>"
        "<div class='row'>"
        f"<div><h2>Respondents</h2>{_meta_table(counts)}</div>"
        f"<div><h2>Settings</h2>{_meta_table(_settings(res))}</div></div>"
    )
    parts.append("<h3>Model</h3><pre>" + html.escape(_model_text(res.model)) + "</pre>")

    ipma_res, ipma_reason = _ipma(res, ipma_target, negative_weights)
    imgs: dict[str, bytes] = {}
    if auto_figures:
        imgs.update(_auto_figures(res, ipma_res, boot))
    for caption, obj in (figures or {}).items():
        imgs[caption] = _png_bytes(obj)
    if track is not None and auto_figures:
        imgs.update(_track_figures(track))
    if imgs:
        parts.append("<h2>Figures</h2>")
        for caption, png in imgs.items():
            parts.append(
                f"<div class='figure'>{_img_tag(png, caption)}"
                f"<div class='caption'>{html.escape(caption)}</div></div>"
            )

    parts.append("<h2>Estimates</h2>" + res.summary().as_html())
    if boot is not None and hasattr(boot, "summary"):
        parts.append("<h2>Bootstrap</h2>" + boot.summary().as_html())
    idx = _indices_section(res, negative_weights)
    if idx is not None:
        parts.append("<h2>Indices (0-100)</h2>" + idx)
    if ipma_res is not None:
        parts.append("<h2>Importance-performance map</h2>" + ipma_res.summary().as_html())
    elif ipma_reason is not None:
        parts.append("<h2>Importance-performance map</h2>" + _note(ipma_reason))
    if assessment:
        qa = _try_assess(res)
        if qa is not None:
            parts.append("<h2>Assessment</h2>" + qa.summary().as_html())
    if track is not None:
        parts.append("<h2>Tracker: units and waves</h2>" + track.summary().as_html())
    for heading, obj in (extra or {}).items():
        body = obj.as_html() if hasattr(obj, "as_html") else _frame_html(obj)
        parts.append(f"<h2>{html.escape(heading)}</h2>{body}")
    parts.append(
        f"<footer>Generated by csimodel {html.escape(__version__)} on {now}. "
        "All numbers are rounded to 3 decimals for display only.</footer></body></html>"
    )
    return "".join(parts)


def _track_figures(track: Any) -> dict[str, bytes]:
    """Trend chart of the tracker's final construct(s); none if it cannot be drawn."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return {}
    fits = list(track.fits.values())
    model = fits[0].model
    finals = [c for c in model.constructs if not any(s == c for s, _ in model.paths)]
    out = {}
    for c in finals[:2]:
        ax = track.plot(construct=c)
        out[f"{c} index by wave and unit (intervals: bootstrap)"] = _png_bytes(ax.figure)
        plt.close(ax.figure)
    return out


def _frame_html(obj: Any) -> str:
    if hasattr(obj, "to_html"):
        return obj.to_html(float_format=lambda x: f"{x:.3f}", border=0)
    return f"<p>{html.escape(str(obj))}</p>"


def _model_text(model: Any) -> str:
    lines = []
    for c in model.constructs:
        op = "=~" if model.modes[c] == "A" else "<~"
        lines.append(f"{c} {op} " + " + ".join(model.blocks[c]))
    for tgt in model.constructs:
        src = model.predecessors(tgt)
        if len(src):
            lines.append(f"{tgt} ~ " + " + ".join(src))
    return "\n".join(lines)


def _try_assess(res: Any):
    """``cm.assess(res)`` for PLS-family fits; None for fits it does not cover (CB-SEM)."""
    from ..assessment import assess
    from ..exceptions import CsimodelError
    from ..results import FitResults

    if not isinstance(res, FitResults):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return assess(res)
    except CsimodelError:
        return None


def write_report(
    res: Any,
    path: str | Path,
    *,
    title: str | None = None,
    assessment: bool = True,
    figures: Mapping[str, Any] | None = None,
    auto_figures: bool = True,
    ipma_target: str | None = "auto",
    boot: Any = None,
    extra: Mapping[str, Any] | None = None,
    negative_weights: str = "error",
    track: Any = None,
) -> Path:
    """Write one self-contained HTML report of a fit.

    Parameters
    ----------
    res : FitResults
        The fit to report.
    path : str or Path
        Output file (``.html``); parent folders must exist. An existing file is replaced.
    title : str, optional
        Heading of the report; default "csimodel report: <estimator> fit".
    assessment : bool, default=True
        Add the assessment tables of :func:`csimodel.assess` (reliability, validity, VIF,
        f², model fit) when the estimator supports it.
    figures : mapping of str to figure, optional
        Extra images, caption -> matplotlib figure, plot display object (with
        ``figure_``), PNG bytes or path of a PNG file. Embedded as base64 PNG.
    auto_figures : bool, default=True
        Add the path diagram (and the IPMA map when ``ipma_target`` is given) drawn with
        ``csimodel.plotting`` when that module is available; a figure that cannot be
        drawn is left out (the tables carry the numbers).
    ipma_target : str or None, default='auto'
        Target construct of an importance-performance map analysis
        (:func:`csimodel.ipma`): its table, and its map as an image. ``'auto'`` uses the
        model's single final construct (one with no outgoing paths, e.g. Loyalty in ECSI)
        when there is exactly one, the fit is PLS/PLSc and the answer scale was declared;
        otherwise, or if the analysis fails, the report goes without it. ``None``: no IPMA.
    boot : BootstrapResults, optional
        A :func:`csimodel.bootstrap` result of this fit: its table (standard errors,
        intervals, p values) and significance stars on the path diagram.
    extra : mapping of str to table, optional
        Further sections, heading -> DataFrame or Summary.
    negative_weights : {'error', 'zero'}, default='error'
        Policy for negative index weights in the indices and IPMA sections (see
        :func:`csimodel.indices`). Under ``'error'`` a section that cannot be computed
        says why instead of stopping the report.
    track : TrackResults, optional
        A :func:`csimodel.track` result (usually of this fit's model): a tracker section
        (indices by unit and wave, changes, comparisons) and trend charts.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import csimodel as cm
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report.html"
    >>> res.report(out).name
    'report.html'
    >>> "250 / 250" in out.read_text(encoding="utf-8")
    True
    """
    path = Path(path)
    text = render_report(
        res,
        title=title,
        assessment=assessment,
        figures=figures,
        auto_figures=auto_figures,
        ipma_target=ipma_target,
        boot=boot,
        extra=extra,
        negative_weights=negative_weights,
        track=track,
    )
    path.write_text(text, encoding="utf-8")
    return path
