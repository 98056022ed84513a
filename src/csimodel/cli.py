"""Command line interface: ``csimodel fit``.

User errors print one line (``csimodel: error: ...``) and exit with code 2; unexpected
internal errors exit with code 1.
"""

from __future__ import annotations

import argparse
import csv
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from .exceptions import CsimodelError, CsimodelWarning, ModelSyntaxError

EXAMPLES = {
    "ecsi": "ECSI model (Tenenhaus et al. 2005) on the bundled ecsi_mobi data, 1-10 scale",
}


class UserError(Exception):
    """A problem with the command line input (file missing, bad option)."""


def _read_table(path: str):
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise UserError(f"data file {path!r} does not exist")
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(p)
        if suffix in (".xlsx", ".xls"):
            return pd.read_excel(p)
        return pd.read_csv(p, encoding="utf-8-sig", sep=None, engine="python")
    except UnicodeError as e:
        raise UserError(
            f"could not read data file {path!r}: it is not UTF-8 text ({e}); save it as UTF-8"
        ) from None
    except Exception as e:  # any reader failure on a user's file (BadZipFile, csv.Error, ...)
        msg = str(e) or type(e).__name__
        if isinstance(e, csv.Error) and "delimiter" in msg and p.stat().st_size == 0:
            msg = "the file is empty"
        raise UserError(f"could not read data file {path!r}: {msg}") from None


def _read_model(path: str):
    from .spec import Model

    p = Path(path)
    if not p.exists():
        raise UserError(f"model file {path!r} does not exist")
    try:
        text = p.read_text(encoding="utf-8-sig")  # tolerate a byte-order mark
    except UnicodeError as e:
        raise UserError(
            f"could not read model file {path!r}: it is not UTF-8 text ({e}); save it as UTF-8"
        ) from None
    except OSError as e:
        raise UserError(f"could not read model file {path!r}: {e}") from None
    return Model(text)


def _cmd_fit(args: argparse.Namespace) -> int:
    from . import datasets, models
    from .estimators import PLS

    if args.example:
        if args.model or args.data:
            raise UserError("give either --example or MODEL and DATA, not both")
        model = models.ecsi()
        data = datasets.load_ecsi_mobi()
        scale = tuple(args.scale) if args.scale else (1, 10)
    else:
        if not (args.model and args.data):
            raise UserError("give MODEL and DATA files, or --example ecsi")
        model = _read_model(args.model)
        data = _read_table(args.data)
        scale = tuple(args.scale) if args.scale else None
    est = PLS(scheme=args.scheme, standardize=not args.unstandardized)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CsimodelWarning)
        res = est.fit(
            model,
            data,
            scale=scale,
            missing=args.missing,
            missing_values=tuple(args.missing_values or ()),
            weights=args.weights,
        )
    for w in caught:
        print(f"csimodel: warning: {w.message}", file=sys.stderr)
    print(res.summary().as_text())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csimodel",
        description="Customer-satisfaction index modelling (PLS path modelling).",
        epilog="Example: csimodel fit --example ecsi",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    fit = sub.add_parser(
        "fit",
        help="fit a model to survey data and print the summary",
        description="Fit a PLS path model and print its summary.",
        epilog=(
            "Examples:\n  csimodel fit --example ecsi\n"
            "  csimodel fit model.txt survey.csv --scale 1 10 --scheme path\n\n"
            "Examples available: " + "; ".join(f"{k}: {v}" for k, v in EXAMPLES.items())
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fit.add_argument("model", nargs="?", help="model syntax file (lavaan style)")
    fit.add_argument("data", nargs="?", help="data file (CSV, Parquet or Excel)")
    fit.add_argument("--example", choices=sorted(EXAMPLES), help="use a bundled model and data")
    fit.add_argument("--scheme", default="path", choices=["centroid", "factorial", "path"])
    fit.add_argument("--scale", nargs=2, type=float, metavar=("LOW", "HIGH"), help="answer scale")
    fit.add_argument("--missing", default="listwise", choices=["listwise", "mean", "error"])
    fit.add_argument(
        "--missing-values", nargs="+", type=float, metavar="CODE", help="codes for no answer"
    )
    fit.add_argument("--weights", help="column with case weights")
    fit.add_argument(
        "--unstandardized", action="store_true", help="centre items only (standardize=False)"
    )
    fit.set_defaults(func=_cmd_fit)
    return parser


def _version() -> str:
    from . import __version__

    return f"csimodel {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``csimodel`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except (CsimodelError, UserError) as e:
        lines = str(e).strip().splitlines() or [type(e).__name__]
        if isinstance(e, ModelSyntaxError):
            lines = lines[:1]  # the first line has line and column; skip the caret display
        msg = " ".join(line.strip() for line in lines)
        print(f"csimodel: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("csimodel: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # internal error: one line, exit 1
        print(f"csimodel: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
