"""``csimodel predict``: PLSpredict (and optionally CVPAT) from the command line.

Kept apart from :mod:`csimodel.cli` (which registers it with :func:`add_command`) so the
subcommand's options and output live in one place.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .cli import (
    UserError,
    _add_fit_options,
    _check_output,
    _fit_from_args,
    _info,
    _num,
    _with_warnings,
    write_report,
)


def _cmd_predict(args: argparse.Namespace) -> int:
    import csimodel

    if args.estimator == "cbsem":
        raise UserError("'csimodel predict' needs a PLS model: use --estimator pls or plsc")
    _check_output(args.report, "report")
    res = _fit_from_args(args)
    pp = _with_warnings(
        csimodel.predict_pls,
        res,
        folds=args.folds,
        repeats=args.repeats,
        technique=args.technique,
        random_state=args.seed,
        lm_predictors=args.lm_predictors,
    )
    cv = None
    if args.cvpat:
        cv = _with_warnings(
            csimodel.cvpat,
            res,
            benchmark=args.cvpat,
            folds=args.folds,
            repeats=args.repeats,
            random_state=args.seed,
        )
    if args.report:
        path = _with_warnings(write_report, res, args.report, prediction=pp)
        _info(args, f"report written to {path}")
    if args.json:

        def records(df):
            return {
                str(i): {str(k): (_num(v) if k != "construct" else v) for k, v in row.items()}
                for i, row in df.to_dict(orient="index").items()
            }

        out: dict[str, Any] = {
            "n_used": int(res.n_used),
            "n_total": int(res.n_total),
            "folds": int(pp.k),
            "repeats": int(pp.repeats),
            "technique": pp.technique,
            "lm_predictors": pp.lm_predictors,
            "items": records(pp.items),
            "constructs": records(pp.constructs),
        }
        if cv is not None:
            out["cvpat"] = {"benchmark": args.cvpat, "table": records(cv.table)}
        json.dump(out, sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    elif not args.quiet:
        print(pp.summary().as_text())
        if cv is not None:
            print()
            print(cv.summary().as_text())
    return 0


def add_command(sub: Any) -> None:
    """Register ``csimodel predict`` on the subcommand parser ``sub``."""
    pr = sub.add_parser(
        "predict",
        allow_abbrev=False,
        help="PLSpredict: cross-validated out-of-sample prediction of the endogenous items",
        description="Fit a PLS model and assess its out-of-sample prediction by k-fold "
        "cross-validation (PLSpredict, Shmueli et al. 2019): RMSE, MAE and Q2_predict per "
        "indicator against a linear-model benchmark.",
        epilog=(
            "Examples:\n"
            "  csimodel predict --example ecsi --folds 10 --repeats 10 --seed 1\n"
            "  csimodel predict model.txt survey.csv --folds 10 --repeats 10 --json\n"
            "  csimodel predict --example ecsi --cvpat ia --seed 1"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_fit_options(pr)
    pr.add_argument("--folds", type=int, default=10, help="number of folds k (default 10)")
    pr.add_argument("--repeats", type=int, default=10, help="repetitions (default 10)")
    pr.add_argument(
        "--technique", default="direct", choices=["direct", "earliest"], help="antecedents"
    )
    pr.add_argument(
        "--lm-predictors",
        default="exogenous",
        choices=["exogenous", "direct"],
        help="items the LM benchmark uses (default: all exogenous items)",
    )
    pr.add_argument("--seed", type=int, metavar="S", help="random seed of the folds")
    pr.add_argument("--cvpat", choices=["ia", "lm"], help="also run CVPAT against this benchmark")
    pr.add_argument(
        "--report", metavar="FILE.html", help="write an HTML report with a prediction section"
    )
    pr.add_argument("--json", action="store_true", help="print the metrics as JSON")
    pr.add_argument("--quiet", "-q", action="store_true", help="print nothing (errors only)")
    pr.set_defaults(func=_cmd_predict)
