"""``csimodel fimix``: latent segments (FIMIX-PLS) from the command line.

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
)

CRITERIA = ("aic3", "caic", "bic", "aic", "aic4", "hq", "mdl5", "en", "lnl")


def parse_k(text: str) -> list[int]:
    """``'3'`` -> [3]; ``'1-5'`` -> [1, 2, 3, 4, 5]; ``'1,2,4'`` -> [1, 2, 4]."""
    out: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                a, b = (int(v) for v in part.split("-", 1))
                if b < a:
                    raise ValueError
                out += list(range(a, b + 1))
            else:
                out.append(int(part))
    except ValueError:
        raise UserError(
            f"--k must be a number of segments, a range or a list, e.g. --k 2, --k 1-5 or "
            f"--k 1,2,4; got {text!r}"
        ) from None
    if any(v < 1 for v in out):
        raise UserError(f"--k must be at least 1 (one segment = no segmentation); got {text!r}")
    return out


def _result_json(fx: Any) -> dict[str, Any]:
    return {
        "k": fx.k,
        "converged": bool(fx.converged),
        "n_iter": int(fx.n_iter),
        "sizes": {str(k): _num(v) for k, v in fx.sizes.items()},
        "criteria": {str(k): _num(v) for k, v in fx.criteria.items()},
        "params": [
            {
                "segment": int(r["segment"]),
                "lhs": r["lhs"],
                "op": r["op"],
                "rhs": r["rhs"],
                "estimate": _num(r["estimate"]),
            }  # fmt: skip
            for r in fx.params.to_dict(orient="records")
        ],
    }


def _cmd_fimix(args: argparse.Namespace) -> int:
    import csimodel as cm

    ks = parse_k(args.k)
    _check_output(args.membership, "membership table")
    _check_output(args.plot, "criteria plot")
    _check_output(args.report, "report")
    if args.plot and len(ks) < 2:
        raise UserError("--plot draws the criteria over several k: give a range, e.g. --k 1-5")
    res = _fit_from_args(args)
    if args.explain:
        frame = res.data.frame
        missing = [c for c in args.explain if frame is None or c not in frame.columns]
        if missing:
            raise UserError(f"--explain column(s) {', '.join(missing)} are not in the data")
    kw = dict(starts=args.starts, random_state=args.seed, max_iter=args.max_iter, tol=args.tol)
    kw["intercept"] = args.intercept
    out = _with_warnings(cm.fimix, res, k=ks if len(ks) > 1 else ks[0], **kw)
    if len(ks) > 1:
        sel, fx = out, out.best(args.criterion)
        if fx is None:
            raise UserError(f"no k could be estimated by {args.criterion}")
    else:
        sel, fx = None, out
    ex = _with_warnings(fx.explain, columns=args.explain) if args.explain else None
    if args.membership:
        table = fx.probabilities.add_prefix("p_segment_")
        table.insert(0, "segment", fx.membership)
        table.index.name = table.index.name or "row"
        table.to_csv(args.membership)
        _info(args, f"memberships written to {args.membership}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        sel.plot().figure_.savefig(args.plot, dpi=120, bbox_inches="tight")
        _info(args, f"criteria plot written to {args.plot}")
    if args.report:
        path = _with_warnings(write_fimix_report, res, args.report, sel, fx, ex)
        _info(args, f"report written to {path}")
    if args.json:
        doc: dict[str, Any] = {"n_used": int(fx.n_used), "chosen": _result_json(fx)}
        if sel is not None:
            doc["criterion"] = args.criterion
            doc["criteria"] = [
                {"k": int(k), **{c: _num(v) for c, v in row.items()}}
                for k, row in sel.criteria.iterrows()
            ]
        if ex is not None:
            doc["explain"] = [
                {"column": c, **{k: _num(v) for k, v in row.items()}}
                for c, row in ex.tests.iterrows()
            ]
        json.dump(doc, sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    elif not args.quiet:
        if sel is not None:
            print(sel.summary().as_text())
            print(f"\nChosen by {args.criterion}: k = {fx.k}\n")
        print(fx.summary().as_text())
        if ex is not None:
            print()
            print(ex.summary().as_text())
    return 0


def write_fimix_report(res: Any, path: str, sel: Any, fx: Any, ex: Any = None):
    """The fit's HTML report with the FIMIX sections (criteria plot, tables) appended."""
    from .report.html import write_report

    extra: dict[str, Any] = {}
    figures: dict[str, Any] = {}
    if sel is not None:
        import matplotlib

        matplotlib.use("Agg")
        figures["FIMIX-PLS segment-retention criteria over k"] = sel.plot()
        extra["Latent segments: number of segments"] = sel.summary()
    extra[f"Latent segments: the {fx.k}-segment solution"] = fx.summary()
    if ex is not None:
        extra["Latent segments: explained by observed variables"] = ex.summary()
    return write_report(res, path, figures=figures, extra=extra)


def add_command(sub: Any) -> None:
    """Register ``fimix`` on the subcommand parsers of :func:`csimodel.cli.build_parser`."""
    p = sub.add_parser(
        "fimix",
        allow_abbrev=False,
        help="latent segments (FIMIX-PLS): how many, their drivers and members",
        description="Fit a PLS model, then find latent segments with different path "
        "coefficients (FIMIX-PLS). With a range of k, print the segment-retention criteria "
        "per k and the solution chosen by --criterion.",
        epilog=(
            "Examples:\n"
            "  csimodel fimix --example ecsi --k 1-4 --seed 1\n"
            "  csimodel fimix model.txt survey.csv --k 1-5 --criterion caic --plot crit.png\n"
            "  csimodel fimix model.txt survey.csv --k 2 --seed 1 --explain gender region "
            "--membership segments.csv"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_fit_options(p)
    p.add_argument("--k", default="1-5", help="segments: 2, a range 1-5 (default) or 1,2,4")
    p.add_argument("--starts", type=int, default=10, help="random starts per k (default 10)")
    p.add_argument("--seed", type=int, metavar="S", help="random seed of the starts")
    p.add_argument("--max-iter", type=int, default=5000, help="EM iterations per start")
    p.add_argument("--tol", type=float, default=1e-10, help="convergence tolerance on lnL")
    p.add_argument("--intercept", action="store_true", help="intercepts per segment")
    p.add_argument(
        "--criterion",
        default="aic3",
        choices=CRITERIA,
        help="criterion choosing k from a range (default aic3; read it with caic)",
    )
    p.add_argument("--explain", nargs="+", metavar="COLUMN", help="relate columns to segments")
    p.add_argument("--membership", metavar="FILE.csv", help="write segment and probabilities")
    p.add_argument("--plot", metavar="FILE.png", help="write the criteria over k as an image")
    p.add_argument("--report", metavar="FILE.html", help="HTML report of the fit with segments")
    p.add_argument("--json", action="store_true", help="print criteria and solution as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    p.set_defaults(func=_cmd_fimix)
