"""``csimodel score`` and ``csimodel indices``: scoring with a saved model file.

Kept apart from :mod:`csimodel.cli` (which registers them with :func:`add_commands`) so
the scoring subcommands' options and output live in one place.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .cli import (
    UserError,
    _check_column,
    _check_output,
    _read_table,
    _with_warnings,
    _write_table,
)


def _load_scoring_model(path: str):
    from .io import load_model

    p = Path(path)
    if not p.exists():
        raise UserError(f"model file {path!r} does not exist")
    if p.suffix.lower() != ".json":
        raise UserError(
            f"model file {path!r} is not a .json scoring model; make one with "
            "'csimodel fit MODEL DATA --scale LOW HIGH --out model.json'"
        )
    return load_model(p)


def _check_policy(sm: Any, args: argparse.Namespace) -> None:
    """``--negative-weights error`` on a model file whose negative weights were zeroed."""
    if args.negative_weights != "error" or sm.negative_weights != "zero":
        return
    zeroed = [it for it, w in zip(sm.items, sm.index_weights, strict=True) if w == 0]
    if zeroed:
        raise UserError(
            f"model file {args.model!r} was saved with negative index weights set to 0 "
            f"(items {', '.join(zeroed)}); pass --negative-weights zero to use it, or refit"
        )


def _cmd_score(args: argparse.Namespace) -> int:
    _check_output(args.output, "scores")
    sm = _load_scoring_model(args.model)
    _check_policy(sm, args)
    data = _read_table(args.data)
    if args.id is not None:
        _check_column(data, args.id, args.data)
    scores = _with_warnings(
        sm.score, data, missing=args.missing, missing_values=tuple(args.missing_values or ())
    )
    if args.id is not None:
        scores.insert(0, args.id, data.loc[scores.index, args.id].to_numpy())
        scores = scores.set_index(args.id)
    else:
        scores.index.name = scores.index.name or "row"
    _write_table(scores, args.output, args, "scores")
    return 0


def _cmd_indices(args: argparse.Namespace) -> int:
    _check_output(args.output, "indices")
    sm = _load_scoring_model(args.model)
    _check_policy(sm, args)
    data = _read_table(args.data)
    by = args.by or None
    for col in (by or []) + ([args.weights] if args.weights else []):
        _check_column(data, col, args.data)
    table = _with_warnings(
        sm.indices,
        data,
        by=by,
        weights=args.weights,
        missing=args.missing,
        missing_values=tuple(args.missing_values or ()),
    )
    if args.output is None and not args.json:
        import pandas as pd

        with pd.option_context("display.width", 200, "display.max_columns", 50):
            print(table.round(args.decimals).to_string())
        return 0
    _write_table(table, args.output, args, "indices")
    return 0


def _add_scoring_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="scoring model file (.json) written by 'csimodel fit --out'")
    p.add_argument("data", help="data file: CSV (.csv/.tsv/.txt), Parquet or Excel")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="output file (.csv, .parquet, .xlsx or .json); default: CSV on stdout",
    )
    p.add_argument("--missing", default="listwise", choices=["listwise", "error"])
    p.add_argument(
        "--missing-values", nargs="+", type=float, metavar="CODE", help="codes for no answer"
    )
    p.add_argument("--json", action="store_true", help="print JSON records instead of CSV")
    p.add_argument("--quiet", "-q", action="store_true", help="print no progress messages")
    p.add_argument(
        "--negative-weights",
        default=None,
        choices=["error", "zero"],
        help="policy the model file must follow: 'error' refuses a model saved with "
        "'--negative-weights zero' that gives items weight 0; 'zero' accepts it "
        "(default: the policy recorded in the file)",
    )


def add_commands(sub: Any) -> None:
    """Register ``score`` and ``indices`` on the ``csimodel`` sub-command parser."""
    score = sub.add_parser(
        "score",
        allow_abbrev=False,
        help="0-100 construct scores of new respondents with a saved model",
        description="Score respondents (0-100 per construct) with a model saved by "
        "'csimodel fit ... --out model.json'. Rows with a missing answer are left out "
        "(warned) unless --missing error.",
        epilog=(
            "Examples:\n"
            "  csimodel fit --example ecsi --out model.json --quiet\n"
            "  csimodel score model.json new_wave.csv -o scores.csv\n"
            "  csimodel score model.json new_wave.xlsx --id respondent_id --missing-values -99"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_scoring_options(score)
    score.add_argument("--id", metavar="COLUMN", help="label output rows by this column")
    score.set_defaults(func=_cmd_score)

    ind = sub.add_parser(
        "indices",
        allow_abbrev=False,
        help="0-100 indices per construct, overall or by segment, with a saved model",
        description="Indices (mean 0-100 scores) per construct, overall or per segment, "
        "with a model saved by 'csimodel fit ... --out model.json'.",
        epilog=(
            "Examples:\n"
            "  csimodel indices model.json survey.csv\n"
            "  csimodel indices model.json survey.csv --by company -o indices.csv\n"
            "  csimodel indices model.json survey.csv --by company period --weights w --json"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_scoring_options(ind)
    ind.add_argument("--by", nargs="+", metavar="COLUMN", help="segment column(s)")
    ind.add_argument("--weights", metavar="COLUMN", help="column with case weights")
    ind.add_argument(
        "--decimals", type=int, default=1, help="decimals of the printed table (default 1)"
    )
    ind.set_defaults(func=_cmd_indices)
