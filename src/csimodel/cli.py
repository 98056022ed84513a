"""Command line interface: ``csimodel fit``, ``score``, ``indices``, ``ipma`` and ``track``.

User errors (bad files, bad options, data the model cannot use) print one line
(``csimodel: error: ...``) on stderr and exit with code 2; unexpected internal errors print
one line (``csimodel: internal error: ...``) and exit with code 1. Once a fit succeeded,
its summary is printed first and every requested output is attempted: one that cannot be
produced (model file, report, map, bootstrap) is reported with its reason on stderr, the
others are still written, and the exit code is 2. Results go to stdout
(text summary, or JSON with ``--json``); warnings and progress go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .exceptions import CsimodelError, CsimodelWarning, ModelSyntaxError

EXAMPLES = {
    "ecsi": "ECSI model (Tenenhaus et al. 2005) on the bundled ecsi_mobi data, 1-10 scale",
}
ESTIMATORS = ("pls", "plsc", "cbsem")
DATA_SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
}


class UserError(Exception):
    """A problem with the command line input (file missing, bad option)."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2) that point to ``--help``."""

    def error(self, message: str):  # noqa: D102 - exits, never returns
        self.exit(2, f"csimodel: error: {message} (see '{self.prog} --help')\n")


# --------------------------------------------------------------------------- input
def _read_table(path: str):
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise UserError(f"data file {path!r} does not exist")
    if p.is_dir():
        raise UserError(f"data file {path!r} is a folder, not a file")
    kind = DATA_SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise UserError(
            f"data file {path!r} has an unknown type {p.suffix!r}; use a CSV (.csv, .tsv, "
            ".txt), Parquet (.parquet) or Excel (.xlsx) file"
        )
    try:
        if kind == "parquet":
            return pd.read_parquet(p)
        if kind == "excel":
            return pd.read_excel(p)
        return pd.read_csv(p, encoding="utf-8-sig", sep=None, engine="python")
    except ImportError as e:
        need = "openpyxl" if kind == "excel" else "pyarrow"
        raise UserError(
            f"reading {path!r} needs the optional package {need!r} ({e}); "
            f"install it with 'pip install {need}' or save the data as CSV"
        ) from None
    except UnicodeError as e:
        raise UserError(
            f"could not read data file {path!r}: it is not UTF-8 text ({e}); save it as UTF-8"
        ) from None
    except Exception as e:  # any reader failure on a user's file (BadZipFile, csv.Error, ...)
        msg = " ".join(str(e).split()) or type(e).__name__
        if isinstance(e, csv.Error) and "delimiter" in msg and p.stat().st_size == 0:
            msg = "the file is empty"
        raise UserError(f"could not read data file {path!r}: {msg}") from None


def _read_model(path: str):
    from .spec import Model

    p = Path(path)
    if not p.exists():
        raise UserError(f"model file {path!r} does not exist")
    if p.is_dir():
        raise UserError(f"model file {path!r} is a folder, not a file")
    try:
        text = p.read_text(encoding="utf-8-sig")  # tolerate a byte-order mark
    except UnicodeError as e:
        raise UserError(
            f"could not read model file {path!r}: it is not UTF-8 text ({e}); save it as UTF-8"
        ) from None
    except OSError as e:
        raise UserError(f"could not read model file {path!r}: {e}") from None
    if text.lstrip().startswith("{"):
        raise UserError(
            f"model file {path!r} is JSON; 'fit' needs model syntax (lavaan style, "
            "e.g. 'Satisfaction =~ CUSA1 + CUSA2'); JSON model files are for 'score'"
        )
    return Model(text)


def _check_output(path: str | None, what: str) -> None:
    """Fail before the (possibly long) estimation when an output cannot be written."""
    if path is None:
        return
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise UserError(f"cannot write {what} {path!r}: folder {str(parent)!r} does not exist")
    if Path(path).is_dir():
        raise UserError(f"cannot write {what} {path!r}: it is a folder")


def _estimator(
    name: str, scheme: str | None, unstandardized: bool, cbsem_estimator: str | None = None
):
    from . import estimators

    if cbsem_estimator is not None and name != "cbsem":
        raise UserError("--cbsem-estimator applies to --estimator cbsem only")
    if name == "cbsem":
        import csimodel

        cls = getattr(csimodel, "CBSEM", None)
        if cls is None:
            raise UserError("--estimator cbsem is not available in this version of csimodel")
        if scheme is not None:
            raise UserError("--scheme applies to PLS estimators only, not to --estimator cbsem")
        if unstandardized:
            raise UserError("--unstandardized applies to --estimator pls only")
        return cls(cbsem_estimator or "ML")
    scheme = scheme or "path"
    if name == "plsc":
        if unstandardized:
            raise UserError("--unstandardized applies to --estimator pls only (PLSc standardizes)")
        return estimators.PLSc(scheme=scheme)
    return estimators.PLS(scheme=scheme, standardize=not unstandardized)


def _fit_from_args(args: argparse.Namespace):
    """Model, data and fit from the shared fit options; warnings go to stderr."""
    from . import datasets, models

    if args.example:
        if args.model or args.data:
            raise UserError("give either --example or MODEL and DATA, not both")
        model = models.ecsi()
        data = datasets.load_ecsi_mobi()
        scale: tuple[Any, ...] | None = tuple(args.scale) if args.scale else (1, 10)
    else:
        if not (args.model and args.data):
            raise UserError("give MODEL and DATA files, or --example ecsi")
        model = _read_model(args.model)
        data = _read_table(args.data)
        scale = tuple(args.scale) if args.scale else None
    cbsem_est = getattr(args, "cbsem_estimator", None)
    est = _estimator(args.estimator, args.scheme, args.unstandardized, cbsem_est)
    extra: dict[str, Any] = {}
    if getattr(args, "ordered", False):
        if args.estimator == "cbsem" and cbsem_est not in ("WLSMV", "DWLS", "WLS"):
            raise UserError("--ordered with --estimator cbsem needs --cbsem-estimator WLSMV")
        extra["ordered"] = True
    ext = {
        k: v
        for k, v in (("interaction", args.interaction), ("higher_order", args.higher_order))
        if v is not None
    }
    if ext:
        if args.estimator == "plsc":
            if "higher_order" in ext:
                raise UserError("--higher-order applies to --estimator pls only")
            if ext["interaction"] != "two_stage":
                raise UserError(
                    f"--interaction {ext['interaction']} applies to --estimator pls only; "
                    "PLSc estimates interaction terms with --interaction two_stage"
                )
            est = type(est)(scheme=est.scheme, interaction="two_stage")
        elif args.estimator != "pls":
            flags = " and ".join("--" + k.replace("_", "-") for k in ext)
            raise UserError(f"{flags} apply to --estimator pls only")
        else:
            est = type(est)(scheme=est.scheme, standardize=est.standardize, **ext)
    return _with_warnings(
        est.fit,
        model,
        data,
        scale=scale,
        missing=args.missing,
        missing_values=tuple(args.missing_values or ()),
        weights=args.weights,
        suspect_codes=args.suspect_codes,
        **extra,
    )


# --------------------------------------------------------------------------- output
def _num(x: Any) -> Any:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return x
    return None if math.isnan(v) or math.isinf(v) else v


def _series_dict(s) -> dict[str, Any]:
    return {str(k): _num(v) for k, v in s.items()}


def fit_json(res: Any) -> dict[str, Any]:
    """Machine-readable content of a fit (what ``csimodel fit --json`` prints)."""
    from ._version import __version__

    est = res.estimator
    params = est.get_params() if hasattr(est, "get_params") else {}
    out: dict[str, Any] = {
        "csimodel_version": __version__,
        "estimator": type(est).__name__,
        "settings": {k: _num(v) if isinstance(v, float) else v for k, v in params.items()},
        "n_total": int(res.n_total),
        "n_used": int(res.n_used),
        "n_excluded": int(len(res.excluded)),
        "missing": res.data.missing,
        "converged": bool(res.converged),
        "n_iter": int(res.n_iter),
        "params": [
            {k: (_num(v) if k not in ("lhs", "op", "rhs") else v) for k, v in row.items()}
            for row in res.params.to_dict(orient="records")
        ],
        "r_squared": _series_dict(res.r_squared),
    }
    r2_adj = getattr(res, "r_squared_adj", None)
    if r2_adj is not None:
        out["r_squared_adj"] = _series_dict(r2_adj)
    fit_indices = getattr(res, "fit_indices", None)
    if fit_indices is not None:
        out["fit_indices"] = _series_dict(fit_indices)
    return out


def _one_line(msg: Any) -> str:
    return " ".join(line.strip() for line in str(msg).strip().splitlines() if line.strip())


_CLI_HINTS = (
    ("negative_weights='zero'", "on the command line: --negative-weights zero"),
    (
        "suspect_codes='ignore'",
        "on the command line: --missing-values CODE, --scale LOW HIGH or --suspect-codes ignore",
    ),
)


def _with_cli_hint(msg: str) -> str:
    """Add the command-line spelling of a fix that the message names as a Python argument."""
    for key, hint in _CLI_HINTS:
        if key in msg:
            msg = f"{msg} ({hint})"
    return msg


def _info(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(f"csimodel: {text}", file=sys.stderr)


# --------------------------------------------------------------------------- commands
def _feature(name: str, option: str):
    """A public csimodel function that may not exist in this version (bootstrap, ipma)."""
    import csimodel

    fn = getattr(csimodel, name, None)
    if fn is None:
        raise UserError(f"{option} is not available in this version of csimodel")
    return fn


def _check_boot(args: argparse.Namespace) -> None:
    if args.boot is not None and args.boot < 2:
        raise UserError(f"--boot must be at least 2 resamples; got {args.boot}")
    if args.boot is None and args.seed is not None:
        raise UserError("--seed sets the bootstrap's random numbers: use it with --boot N")


def _bootstrap(res: Any, args: argparse.Namespace):
    boot_fn = _feature("bootstrap", "--boot")
    return _with_warnings(
        boot_fn,
        res,
        n_boot=args.boot,
        random_state=args.seed,
        level=args.level,
        ci=args.ci,
        progress=False if args.quiet else None,
    )


def boot_json(boot: Any) -> dict[str, Any]:
    """Machine-readable bootstrap table (what ``fit --boot N --json`` adds)."""
    cols = [c for c in boot.params.columns if c not in ("lhs", "op", "rhs")]
    return {
        "n_boot": int(boot.n_boot),
        "n_failed": int(boot.n_failed),
        "level": _num(getattr(boot, "level", None)),
        "ci": getattr(boot, "ci", None),
        "params": [
            {"lhs": r["lhs"], "op": r["op"], "rhs": r["rhs"], **{c: _num(r[c]) for c in cols}}
            for r in boot.params.to_dict(orient="records")
        ],
    }


def write_report(res: Any, path: str, **kwargs: Any):
    from .report.html import write_report as _write

    return _write(res, path, **kwargs)


class _Outputs:
    """Requested outputs of one command: each is attempted; failures are kept with reasons."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.failed: list[tuple[str, str]] = []

    def attempt(self, what: str, fn, *a, **kw):
        """Run one output step; on a user-level failure record and report it, return None."""
        try:
            return fn(*a, **kw)
        except (CsimodelError, UserError, OSError) as e:
            reason = _with_cli_hint(_one_line(e) or type(e).__name__)
            self.failed.append((what, reason))
            print(f"csimodel: error: {what} not produced: {reason}", file=sys.stderr)
            return None

    def exit_code(self) -> int:
        if self.failed:
            _info(
                self.args,
                f"{len(self.failed)} requested output(s) not produced: "
                + ", ".join(w for w, _ in self.failed),
            )
        return 2 if self.failed else 0


def _save_scoring_model(res: Any, args: argparse.Namespace) -> None:
    res.to_scoring_model(negative_weights=args.negative_weights).save(args.out)
    _info(args, f"scoring model written to {args.out}")


def _cmd_fit(args: argparse.Namespace) -> int:
    _check_output(args.report, "report")
    _check_output(args.out, "model file")
    _check_boot(args)
    if args.boot is not None:
        _feature("bootstrap", "--boot")
    if args.ipma_target is not None:
        _feature("ipma", "--ipma-target")
    if args.out and not (args.scale or args.example):
        raise UserError(
            "--out needs the answer scale of the items for the 0-100 scores: add --scale LOW HIGH"
        )
    res = _fit_from_args(args)
    if args.ipma_target is not None and args.ipma_target not in res.model.constructs:
        raise UserError(_unknown_construct(args.ipma_target, res.model.constructs))
    if not args.json and not args.quiet:
        print(res.summary().as_text())  # first: whatever happens to the other outputs
        sys.stdout.flush()
    outputs = _Outputs(args)
    boot = None
    if args.boot is not None:
        boot = outputs.attempt("bootstrap", _bootstrap, res, args)
        if boot is not None and not args.json and not args.quiet:
            print()
            print(boot.summary().as_text())
    if args.out:
        outputs.attempt(f"scoring model {args.out!r}", _save_scoring_model, res, args)
    if args.report:
        path = outputs.attempt(
            f"report {args.report!r}",
            _with_warnings,
            write_report,
            res,
            args.report,
            boot=boot,
            ipma_target=args.ipma_target or "auto",
            negative_weights=args.negative_weights,
        )
        if path is not None:
            _info(args, f"report written to {path}")
    if args.json:
        out = fit_json(res)
        if boot is not None:
            out["bootstrap"] = boot_json(boot)
        if outputs.failed:
            out["not_produced"] = [{"output": w, "reason": r} for w, r in outputs.failed]
        json.dump(out, sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    return outputs.exit_code()


def _unknown_construct(name: str, constructs: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(constructs), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"construct {name!r} is not in the model; {hint}constructs: {', '.join(constructs)}"


def _cmd_ipma(args: argparse.Namespace) -> int:
    import numpy as np

    ipma_fn = _feature("ipma", "'csimodel ipma'")
    _check_output(args.output, "IPMA table")
    _check_output(args.plot, "IPMA map")
    _check_boot(args)
    res = _fit_from_args(args)
    if args.target not in res.model.constructs:
        raise UserError(_unknown_construct(args.target, res.model.constructs))
    if args.by is not None and (res.data.frame is None or args.by not in res.data.frame):
        raise UserError(f"--by column {args.by!r} is not in the data")
    counts = None
    if args.boot is not None:
        # resample counts of the used rows (rows drawn with replacement), seeded
        rng = np.random.default_rng(args.seed)
        n = res.n_used
        idx = rng.integers(0, n, size=(args.boot, n))
        counts = np.zeros((args.boot, n))
        np.add.at(counts, (np.arange(args.boot)[:, None], idx), 1.0)
    imp = _with_warnings(
        ipma_fn,
        res,
        target=args.target,
        level=args.ipma_level,
        by=args.by,
        boot=counts,
        negative_weights=args.negative_weights,
    )
    if not (args.output or args.json or args.quiet):
        print(imp.summary().as_text())
        sys.stdout.flush()
    outputs = _Outputs(args)
    if args.plot:
        outputs.attempt(f"IPMA map {args.plot!r}", _save_ipma_plot, imp, args)
    if args.report:
        path = outputs.attempt(
            f"report {args.report!r}",
            _with_warnings,
            write_report,
            res,
            args.report,
            ipma_target=args.target,
            negative_weights=args.negative_weights,
        )
        if path is not None:
            _info(args, f"report written to {path}")
    if args.output or args.json:
        outputs.attempt("IPMA table", _write_table, imp.table, args.output, args, "IPMA table")
    return outputs.exit_code()


def _save_ipma_plot(imp: Any, args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")
    disp = imp.plot()
    disp.figure_.savefig(args.plot, dpi=120, bbox_inches="tight")
    _info(args, f"IPMA map written to {args.plot}")


def _write_table(df, path: str | None, args: argparse.Namespace, what: str) -> None:
    """Write a table by suffix (.csv, .parquet, .xlsx, .json) or print it as CSV to stdout."""
    if path is None:
        if args.json:
            sys.stdout.write(df.reset_index().to_json(orient="records", indent=2) + "\n")
        else:
            df.to_csv(sys.stdout)
        return
    suffix = Path(path).suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            df.to_parquet(path)
        elif suffix in (".xlsx", ".xlsm"):
            df.to_excel(path)
        elif suffix == ".json":
            Path(path).write_text(df.reset_index().to_json(orient="records", indent=2))
        else:
            df.to_csv(path)
    except ImportError as e:
        raise UserError(f"writing {path!r} needs an optional package: {e}") from None
    _info(args, f"{what} written to {path}")


def _with_warnings(fn, *a, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CsimodelWarning)
        out = fn(*a, **kw)
    for w in caught:
        if issubclass(w.category, CsimodelWarning):
            print(f"csimodel: warning: {_one_line(w.message)}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return out


def _check_column(data, col: str, path: str) -> None:
    if col in data.columns:
        return
    import difflib

    close = difflib.get_close_matches(col, [str(c) for c in data.columns], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise UserError(f"column {col!r} is not in {path!r}{hint}")


def _add_fit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", nargs="?", help="model syntax file (lavaan style)")
    p.add_argument("data", nargs="?", help="data file: CSV (.csv/.tsv/.txt), Parquet or Excel")
    p.add_argument("--example", choices=sorted(EXAMPLES), help="use a bundled model and data")
    p.add_argument(
        "--estimator", default="pls", choices=ESTIMATORS, help="pls (default), plsc or cbsem"
    )
    p.add_argument(
        "--scheme",
        default=None,
        choices=["centroid", "factorial", "path"],
        help="inner weighting scheme of PLS/PLSc (default: path)",
    )
    p.add_argument(
        "--scale",
        nargs=2,
        type=float,
        metavar=("LOW", "HIGH"),
        help="answer scale of all items, e.g. --scale 1 10",
    )
    p.add_argument("--missing", default="listwise", choices=["listwise", "mean", "error"])
    p.add_argument(
        "--missing-values", nargs="+", type=float, metavar="CODE", help="codes for no answer"
    )
    p.add_argument("--weights", metavar="COLUMN", help="column with case weights")
    p.add_argument(
        "--unstandardized", action="store_true", help="PLS: centre items only (standardize=False)"
    )
    p.add_argument(
        "--cbsem-estimator",
        default=None,
        choices=["ML", "GLS", "ULS", "MLR", "WLSMV", "DWLS", "WLS"],
        help="CB-SEM discrepancy: ML (default), GLS, ULS, MLR (robust ML), WLSMV, DWLS or "
        "WLS (ordered items)",
    )
    p.add_argument(
        "--ordered",
        action="store_true",
        help="items are ordered categories: polychoric correlations (PLS/PLSc: ordinal PLS; "
        "CB-SEM: with --cbsem-estimator WLSMV)",
    )
    p.add_argument(
        "--interaction",
        choices=("two_stage", "product_indicator", "orthogonal"),
        default=None,
        help="PLS: estimation of interaction terms A:B (default two_stage); PLSc: two_stage only",
    )
    p.add_argument(
        "--higher-order",
        dest="higher_order",
        choices=("two_stage", "repeated_indicators"),
        default=None,
        help="PLS: estimation of higher-order constructs (default two_stage)",
    )
    p.add_argument(
        "--suspect-codes",
        default="error",
        choices=["error", "ignore"],
        help="values that look like no-answer codes (-99, 9, 999, ...) in items without "
        "--scale: stop with an error (default) or use them as answers ('ignore')",
    )
    _add_negative_weights(p)


def _add_negative_weights(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--negative-weights",
        default="error",
        choices=["error", "zero"],
        help="items with a negative index weight (common in formative blocks): stop the "
        "index outputs with an error (default) or give them weight 0 ('zero')",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="csimodel",
        allow_abbrev=False,
        description="Customer-satisfaction index modelling: PLS path modelling, PLSc, "
        "CB-SEM, reports.",
        epilog="Examples:\n  csimodel fit --example ecsi\n"
        "  csimodel fit model.txt survey.csv --scale 1 10 --report report.html\n\n"
        "Run 'csimodel COMMAND --help' for the options of a command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    fit = sub.add_parser(
        "fit",
        allow_abbrev=False,
        help="fit a model to survey data; print the summary, write a report",
        description="Fit a model (PLS, PLSc or CB-SEM) and print its summary.",
        epilog=(
            "Examples:\n"
            "  csimodel fit --example ecsi\n"
            "  csimodel fit --example ecsi --report report.html --quiet\n"
            "  csimodel fit model.txt survey.csv --scale 1 10 --scheme path\n"
            "  csimodel fit model.txt survey.xlsx --scale 1 10 --missing-values -99 --json\n"
            "  csimodel fit --example ecsi --boot 5000 --seed 1 --report report.html\n"
            "  csimodel fit --example ecsi --out model.json --quiet\n\n"
            "Examples available: " + "; ".join(f"{k}: {v}" for k, v in EXAMPLES.items())
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_fit_options(fit)
    fit.add_argument("--report", metavar="FILE.html", help="write a self-contained HTML report")
    fit.add_argument(
        "--json", action="store_true", help="print params, R², counts as JSON instead of text"
    )
    fit.add_argument(
        "--quiet", "-q", action="store_true", help="print no summary or progress (errors only)"
    )
    fit.add_argument(
        "--out", metavar="MODEL.json", help="save a scoring model (for 'score' and 'indices')"
    )
    _add_boot_options(fit)
    fit.add_argument(
        "--ipma-target",
        metavar="CONSTRUCT",
        help="target of the report's importance-performance map (default: the model's "
        "single final construct, e.g. Loyalty)",
    )
    fit.set_defaults(func=_cmd_fit)

    ipma = sub.add_parser(
        "ipma",
        allow_abbrev=False,
        help="importance-performance map analysis (IPMA) for a target construct",
        description="Fit a model and run an importance-performance map analysis: importance "
        "(total effect on the target) and performance (0-100 mean) of its drivers.",
        epilog=(
            "Examples:\n"
            "  csimodel ipma --example ecsi --target Loyalty\n"
            "  csimodel ipma --example ecsi --target Loyalty --plot ipma.png --boot 500 --seed 1\n"
            "  csimodel ipma model.txt survey.csv --scale 1 10 --target Loyalty "
            "--level indicator -o ipma.csv"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_fit_options(ipma)
    ipma.add_argument("--target", required=True, metavar="CONSTRUCT", help="target construct")
    ipma.add_argument(
        "--level",
        dest="ipma_level",
        default="construct",
        choices=["construct", "indicator"],
        help="rows: constructs (default) or their items",
    )
    ipma.add_argument("--by", metavar="COLUMN", help="segment column: one map per segment")
    ipma.add_argument("--plot", metavar="FILE.png", help="write the map as an image")
    ipma.add_argument("--report", metavar="FILE.html", help="write an HTML report with the map")
    ipma.add_argument(
        "-o", "--output", metavar="FILE", help="write the table (.csv, .parquet, .xlsx, .json)"
    )
    ipma.add_argument("--json", action="store_true", help="print the table as JSON records")
    ipma.add_argument("--quiet", "-q", action="store_true", help="print no table or progress")
    ipma.add_argument(
        "--boot", type=int, metavar="N", help="bootstrap resamples for percentile intervals"
    )
    ipma.add_argument("--seed", type=int, metavar="S", help="random seed of the bootstrap")
    ipma.set_defaults(func=_cmd_ipma)

    from ._cli_scoring import add_commands as add_scoring_commands

    add_scoring_commands(sub)

    from ._cli_track import add_command as add_track_command

    add_track_command(sub)

    from ._cli_fimix import add_command as add_fimix_command

    add_fimix_command(sub)

    from ._cli_predict import add_command as add_predict_command

    add_predict_command(sub)
    return parser


def _add_boot_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--boot",
        type=int,
        metavar="N",
        help="bootstrap N resamples: standard errors, p values, intervals (progress on stderr)",
    )
    p.add_argument("--seed", type=int, metavar="S", help="random seed of the bootstrap")
    p.add_argument(
        "--ci", default="percentile", choices=["percentile", "bca"], help="interval type"
    )
    p.add_argument(
        "--level", type=float, default=0.95, help="confidence level of the intervals (0.95)"
    )


def _version() -> str:
    from ._version import __version__

    return f"csimodel {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``csimodel`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except (CsimodelError, UserError) as e:
        lines = str(e).strip().splitlines() or [type(e).__name__]
        if isinstance(e, ModelSyntaxError):
            lines = lines[:1]  # the first line has line and column; skip the caret display
        msg = _with_cli_hint(" ".join(line.strip() for line in lines))
        print(f"csimodel: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("csimodel: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `csimodel fit ... | head`
        return 0
    except Exception as e:  # internal error: one line, exit 1
        print(
            f"csimodel: internal error: {type(e).__name__}: {_one_line(e)} "
            "(please report this at the csimodel issue tracker)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
