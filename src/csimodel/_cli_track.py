"""``csimodel track``: the survey tracker (indices per unit and wave) from the command line.

Kept apart from :mod:`csimodel.cli` (which registers it with :func:`add_command`) so the
subcommand's options and output live in one place.
"""

from __future__ import annotations

import argparse
from typing import Any

from .cli import (
    UserError,
    _add_fit_options,
    _check_column,
    _check_output,
    _info,
    _read_model,
    _read_table,
    _with_warnings,
    _write_table,
)


def _cmd_track(args: argparse.Namespace) -> int:
    from . import estimators
    from .survey import track

    _check_output(args.output, "tracker table")
    _check_output(args.report, "report")
    if args.example:
        raise UserError("'csimodel track' needs MODEL and DATA files with unit and wave columns")
    if not (args.model and args.data):
        raise UserError("give MODEL and DATA files")
    if not args.scale:
        raise UserError("track needs the answer scale of the items: add --scale LOW HIGH")
    if args.boot < 19:
        raise UserError(f"--boot must be at least 19 resamples; got {args.boot}")
    model = _read_model(args.model)
    data = _read_table(args.data)
    for col in (args.unit, args.wave, args.weights, args.nps_item):
        if col is not None:
            _check_column(data, col, args.data)
    kw = {} if args.scheme is None else {"scheme": args.scheme}
    est = (estimators.PLSc if args.estimator == "plsc" else estimators.PLS)(**kw)
    if args.estimator == "cbsem":
        raise UserError("track estimates indices with PLS or PLSc; use --estimator pls or plsc")
    tr = _with_warnings(
        track,
        model,
        data,
        unit=args.unit,
        wave=args.wave,
        scale=tuple(args.scale),
        estimator=est,
        pool=args.pool,
        n_boot=args.boot,
        adjust=None if args.adjust == "none" else args.adjust,
        min_n=args.min_n,
        missing=args.missing,
        missing_values=tuple(args.missing_values or ()),
        weights=args.weights,
        nps_item=args.nps_item,
        nps_scale=tuple(args.nps_scale),
        random_state=args.seed,
    )
    if args.report:
        _info(args, f"report written to {_with_warnings(tr.report, args.report)}")
    if args.output is None and not args.json:
        if not args.quiet:
            print(tr.summary().as_text())
        return 0
    _write_table(tr.table.set_index(["unit", "wave", "construct"]), args.output, args, "tracker")
    return 0


def add_command(sub: Any) -> None:
    """Register ``track`` on the ``csimodel`` sub-command parser."""
    trk = sub.add_parser(
        "track",
        allow_abbrev=False,
        help="tracker: 0-100 indices per unit and wave, changes and comparisons",
        description="Fit one model on all units and waves (pooled weights), then report each "
        "unit's indices per wave with bootstrap intervals, the change from its previous wave "
        "and the difference from all units of the wave, with p values.",
        epilog=(
            "Examples:\n"
            "  csimodel track model.txt survey.csv --unit company --wave wave --scale 1 10\n"
            "  csimodel track model.txt survey.csv --unit company --wave quarter --scale 1 10 "
            "--boot 999 --seed 1 --adjust holm -o tracker.csv --report tracker.html\n"
            "  csimodel track model.txt survey.csv --unit company --wave wave --scale 1 10 "
            "--weights w --nps-item recommend"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_fit_options(trk)
    trk.add_argument("--unit", required=True, metavar="COLUMN", help="column naming the unit")
    trk.add_argument("--wave", required=True, metavar="COLUMN", help="column naming the wave")
    trk.add_argument(
        "--pool",
        default="all",
        choices=["all", "wave"],
        help="one model on all data (default) or one per wave",
    )
    trk.add_argument("--boot", type=int, default=999, metavar="N", help="resamples (999)")
    trk.add_argument("--seed", type=int, metavar="S", help="random seed of the bootstrap")
    trk.add_argument(
        "--adjust",
        default="none",
        choices=["none", "holm", "bonferroni", "fdr_bh"],
        help="multiplicity adjustment of the p values (default none)",
    )
    trk.add_argument(
        "--nps-item",
        metavar="COLUMN",
        help="0-10 recommendation question: add NPS rows (construct 'NPS') per unit and wave",
    )
    trk.add_argument(
        "--nps-scale",
        nargs=2,
        type=float,
        default=[0, 10],
        metavar=("LOW", "HIGH"),
        help="declared scale of --nps-item (0 10)",
    )
    trk.add_argument("--min-n", type=int, default=30, help="warn for cells below this n (30)")
    trk.add_argument(
        "-o", "--output", metavar="FILE", help="write the table (.csv, .parquet, .xlsx, .json)"
    )
    trk.add_argument("--report", metavar="FILE.html", help="write an HTML report with trends")
    trk.add_argument("--json", action="store_true", help="print the table as JSON records")
    trk.add_argument("--quiet", "-q", action="store_true", help="print no summary or progress")
    trk.set_defaults(func=_cmd_track)
