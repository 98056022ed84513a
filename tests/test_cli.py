"""The command line, through a real subprocess (as a user or a scheduled job runs it)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import csimodel
import csimodel as cm
from csimodel import cli

# make the package importable in the child even when it runs from a source tree
ENV = {**os.environ, "PYTHONPATH": str(Path(csimodel.__file__).parents[1]), "MPLBACKEND": "Agg"}
SMALL_MODEL = "Sat =~ CUSA1 + CUSA2 + CUSA3\nLoy =~ CUSL1 + CUSL3\nLoy ~ Sat\n"


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "csimodel", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=ENV,
    )


def run_inproc(args, cwd, monkeypatch, capsys):
    """``sys.exit(main(args))`` in this process: same code as the console script, faster."""
    monkeypatch.chdir(cwd)
    try:
        code = cli.main(list(args))
    except SystemExit as e:  # argparse errors and --help
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def one_error_line(r, code=2):
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "m.txt").write_text(SMALL_MODEL)
    cm.datasets.load_ecsi_mobi().to_csv(d / "d.csv", index=False)
    return d


def test_fit_example_ecsi():
    r = run("fit", "--example", "ecsi")
    assert r.returncode == 0, r.stderr
    assert "250 / 250" in r.stdout and "Satisfaction -> Loyalty" in r.stdout


def test_fit_user_files(files):
    r = run("fit", "m.txt", "d.csv", "--scale", "1", "10", "--scheme", "factorial", cwd=files)
    assert r.returncode == 0, r.stderr
    assert "Sat -> Loy" in r.stdout


def test_json_report_quiet(files):
    """--json prints the fit as JSON (nothing else on stdout); --report writes the file."""
    r = run("fit", "--example", "ecsi", "--json", "--report", "r.html", "--quiet", cwd=files)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    assert out["n_used"] == 250 and out["n_total"] == 250 and out["converged"] is True
    assert out["estimator"] == "PLS" and out["csimodel_version"] == cm.__version__
    got = [(p["lhs"], p["op"], p["rhs"]) for p in out["params"]]
    assert got == list(res.params[["lhs", "op", "rhs"]].itertuples(index=False, name=None))
    np.testing.assert_allclose(
        [p["estimate"] for p in out["params"]], res.params["estimate"], rtol=0, atol=1e-12
    )
    assert set(out["r_squared"]) == set(res.r_squared.index)
    assert "250 / 250" in (files / "r.html").read_text(encoding="utf-8")
    assert r.stderr == ""  # --quiet: not even "report written"


def test_quiet_prints_nothing(files):
    r = run("fit", "--example", "ecsi", "--estimator", "plsc", "--quiet", cwd=files)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    # warnings still reach stderr, one line each (PLSc on ECSI is inadmissible)
    assert all(line.startswith("csimodel: warning:") for line in r.stderr.splitlines())


@pytest.mark.parametrize("suffix", [".tsv", ".parquet", ".xlsx"])
def test_data_formats_give_the_same_fit(files, suffix, monkeypatch, capsys):
    data = cm.datasets.load_ecsi_mobi()
    path = files / f"d{suffix}"
    if suffix == ".tsv":
        data.to_csv(path, sep="\t", index=False)
    elif suffix == ".parquet":
        pytest.importorskip("pyarrow")
        data.to_parquet(path)
    else:
        pytest.importorskip("openpyxl")
        data.to_excel(path, index=False)
    args = ["fit", "m.txt", path.name, "--scale", "1", "10", "--json"]
    code, out, err = run_inproc(args, files, monkeypatch, capsys)
    assert code == 0, err
    expected = cm.PLS().fit(cm.Model(SMALL_MODEL), data, scale=(1, 10))
    assert json.loads(out)["params"] == cli.fit_json(expected)["params"]


@pytest.mark.parametrize(
    "files_, fragment",
    [
        ({"m.txt": "Sat =~ CUSA1 +\n", "d.csv": "CUSA1\n1\n"}, "Expected a name"),
        ({"m.txt": "S =~ x1\nL =~ y1\nL ~ S\n", "d.csv": "x1,z\n1,2\n2,3\n3,1\n"}, "'y1'"),
        ({"m.txt": "S =~ x1\nL =~ y1\nL ~ S\n", "d.csv": "x1,y1\n1,2\n2,30\n3,1\n"}, "outside"),
        ({"m.txt": '{"format": "csimodel"}', "d.csv": "x1\n1\n"}, "is JSON"),
        ({"m.txt": "S =~ x1\nL =~ y1\nL ~ S\n", "d.csv": b"\xff\xfe\x00garbage"}, "d.csv"),
    ],
)
def test_user_errors_are_one_line_exit_2(tmp_path, files_, fragment, monkeypatch, capsys):
    for name, text in files_.items():
        if isinstance(text, bytes):
            (tmp_path / name).write_bytes(text)
        else:
            (tmp_path / name).write_text(text)
    args = ("fit", "m.txt", "d.csv", "--scale", "1", "10")
    if fragment in ("Expected a name", "outside"):  # two of them through a real process
        line = one_error_line(run(*args, cwd=tmp_path))
    else:
        code, _, err = run_inproc(args, tmp_path, monkeypatch, capsys)
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1
        line = lines[0]
    assert line.startswith("csimodel: error:")
    assert fragment in line


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["fit", "nope.txt", "nope.csv"], "does not exist"),
        (["fit", "--example", "ecsi", "--estimator", "ols"], "invalid choice: 'ols'"),
    ],
)
def test_bad_command_lines_subprocess(files, args, fragment):
    line = one_error_line(run(*args, cwd=files))
    assert line.startswith("csimodel: error:") and fragment in line


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["fit", "m.txt", "d.sav"], "unknown type '.sav'"),
        (["fit", "--example", "ecsi", "--report", "no/such/dir/r.html"], "does not exist"),
        (["fit", "--example", "ecsi", "--exampl", "ecsi"], "unrecognized arguments"),
        (["fit", "--example", "ecsi", "m.txt", "d.csv"], "not both"),
        (["fit", "m.txt"], "give MODEL and DATA"),
        (["fit", "--example", "ecsi", "--estimator", "plsc", "--unstandardized"], "PLSc"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_command_lines(files, args, fragment, monkeypatch, capsys):
    """Same code path as the subprocess (``sys.exit(main())``), in-process for speed."""
    monkeypatch.chdir(files)
    (files / "d.sav").write_text("x")
    try:
        code = cli.main(args)
    except SystemExit as e:  # argparse errors
        code = e.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith("csimodel: error:") and fragment in err[0]


def test_no_command_prints_help_and_exits_2():
    r = run()
    assert r.returncode == 2 and "usage: csimodel" in r.stderr


def test_cbsem_is_offered_only_when_available():
    r = run("fit", "--example", "ecsi", "--estimator", "cbsem", "--json")
    if hasattr(cm, "CBSEM"):
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["estimator"] == "CBSEM"
    else:
        assert "not available" in one_error_line(r)


def test_help_has_an_example():
    h = run("--help")
    assert h.returncode == 0
    assert "Example" in h.stdout and "csimodel fit --example ecsi" in h.stdout


def test_every_subcommand_help_has_an_example():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert "Example" in (p.epilog or ""), name
        assert f"csimodel {name}" in p.epilog, name


def test_internal_error_exits_1(monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("unexpected\nstate")

    monkeypatch.setattr(cli, "_cmd_fit", boom)
    assert cli.main(["fit", "--example", "ecsi"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("csimodel: internal error: RuntimeError")


# ------------------------------------------------------------------ score / indices
@pytest.fixture(scope="module")
def scoring_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("scoring")
    r = run("fit", "--example", "ecsi", "--out", "model.json", "--quiet", cwd=d)
    assert r.returncode == 0, r.stderr
    data = cm.datasets.load_ecsi_mobi()
    data["company"] = np.repeat(["A", "B", "C", "D", "E"], 50)
    data["id"] = np.arange(1000, 1250)
    data.loc[3, "CUSA1"] = -99  # a no-answer code
    data.to_csv(d / "wave.csv", index=False)
    return d


def test_fit_score_round_trip(scoring_files):
    """fit --out then score reproduces the library's respondent scores of the same fit."""
    import pandas as pd

    d = scoring_files
    r = run("score", "model.json", "wave.csv", "-o", "s.csv", "--id", "id",
            "--missing-values", "-99", cwd=d)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "1 of 250 rows excluded" in r.stderr and "scores written to s.csv" in r.stderr
    got = pd.read_csv(d / "s.csv", index_col="id")
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    expected = cm.respondent_scores(res).drop(index=3)
    assert list(got.index) == [1000 + i for i in expected.index]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9)
    assert ((got >= 0) & (got <= 100)).all().all()


def test_indices_by_segment(scoring_files):
    """Segment indices are the segment means of the respondent scores (ACSI definition)."""
    import pandas as pd

    d = scoring_files
    r = run("indices", "model.json", "wave.csv", "--by", "company", "--missing-values", "-99",
            "--json", cwd=d)  # fmt: skip
    assert r.returncode == 0, r.stderr
    got = pd.DataFrame(json.loads(r.stdout)).set_index("company")
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    scores = cm.respondent_scores(res).drop(index=3)
    company = pd.Series(np.repeat(["A", "B", "C", "D", "E"], 50))
    expected = scores.groupby(company.loc[scores.index]).mean()
    np.testing.assert_allclose(
        got[expected.columns].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9
    )
    assert got["n"].tolist() == [49, 50, 50, 50, 50]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["indices", "model.json", "wave.csv", "--by", "compny"], "did you mean 'company'"),
        (["score", "wave.csv", "wave.csv"], "not a .json scoring model"),
        (["score", "model.json", "wave.csv"], "outside the declared scale"),
        (["score", "missing.json", "wave.csv"], "does not exist"),
        (["fit", "m.txt", "wave.csv", "--out", "x.json"], "--out needs"),
    ],
)
def test_scoring_user_errors(scoring_files, args, fragment, monkeypatch, capsys):
    monkeypatch.chdir(scoring_files)
    (scoring_files / "m.txt").write_text(SMALL_MODEL)
    code = cli.main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("csimodel: error:") and fragment in err[-1]


def test_tampered_model_file_is_a_user_error(scoring_files, monkeypatch, capsys):
    d = scoring_files
    text = (d / "model.json").read_text()
    (d / "bad.json").write_text(text.replace('"Image"', '"Imagf"', 1))
    code, _, err = run_inproc(["score", "bad.json", "wave.csv"], d, monkeypatch, capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("csimodel: error:")
    assert "checksum" in lines[0]


# ------------------------------------------------------------------ bootstrap / IPMA
needs_boot = pytest.mark.skipif(not hasattr(cm, "bootstrap"), reason="cm.bootstrap not merged")
needs_ipma = pytest.mark.skipif(not hasattr(cm, "ipma"), reason="cm.ipma not merged")


@needs_boot
def test_fit_boot_seed_json(files):
    """--boot N --seed S: the library's bootstrap with the same seed; same seed, same output."""
    args = ("fit", "--example", "ecsi", "--boot", "60", "--seed", "3", "--json")
    a, b = run(*args, cwd=files), run(*args, cwd=files)
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    out = json.loads(a.stdout)["bootstrap"]
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    boot = cm.bootstrap(res, n_boot=60, random_state=3, progress=False)
    assert out["n_boot"] == 60 and out["n_failed"] == boot.n_failed
    np.testing.assert_allclose(
        [p["se"] for p in out["params"]], boot.params["se"].to_numpy(), rtol=1e-10, atol=1e-12
    )
    assert "Traceback" not in a.stderr


@needs_ipma
def test_ipma_command(files):
    import pandas as pd

    r = run("ipma", "--example", "ecsi", "--target", "Loyalty", "--json", "--plot", "map.png",
            cwd=files)  # fmt: skip
    assert r.returncode == 0, r.stderr
    got = pd.DataFrame(json.loads(r.stdout)).set_index("construct")
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    expected = cm.ipma(res, target="Loyalty").table
    np.testing.assert_allclose(
        got.loc[expected.index, ["importance", "performance"]].to_numpy(),
        expected[["importance", "performance"]].to_numpy(),
        rtol=1e-9,
    )
    assert (files / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_ipma
def test_ipma_unknown_target_suggests(files, monkeypatch, capsys):
    monkeypatch.chdir(files)
    assert cli.main(["ipma", "--example", "ecsi", "--target", "Loyality"]) == 2
    assert "did you mean 'Loyalty'" in capsys.readouterr().err


@needs_ipma
def test_report_with_figures(files):
    """The report embeds the path diagram and the IPMA map as base64 PNG images."""
    r = run("fit", "--example", "ecsi", "--report", "fig.html", "--ipma-target", "Loyalty",
            "-q", cwd=files)  # fmt: skip
    assert r.returncode == 0, r.stderr
    text = (files / "fig.html").read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 2
    assert "Importance-performance map (target: Loyalty)" in text and "Path diagram" in text


def test_cbsem_estimator_and_ordered_options(files, monkeypatch, capsys):
    code, out, err = run_inproc(
        ["fit", "m.txt", "d.csv", "--estimator", "cbsem", "--cbsem-estimator", "MLR", "--json"],
        files,
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    fi = json.loads(out)
    assert fi["settings"]["estimator"] == "MLR"
    # ordered items: ordinal PLS, and CB-SEM only with WLSMV
    code, out, err = run_inproc(
        ["fit", "m.txt", "d.csv", "--ordered", "--quiet"], files, monkeypatch, capsys
    )
    assert code == 0, err
    code, out, err = run_inproc(
        ["fit", "m.txt", "d.csv", "--estimator", "cbsem", "--ordered"],
        files,
        monkeypatch,
        capsys,
    )
    assert code == 2 and "--cbsem-estimator WLSMV" in err
    code, out, err = run_inproc(
        ["fit", "m.txt", "d.csv", "--cbsem-estimator", "MLR"], files, monkeypatch, capsys
    )
    assert code == 2 and "--estimator cbsem only" in err


def test_fit_interaction_and_higher_order_flags(tmp_path, capsys):
    import json

    import csimodel as cm
    from csimodel.cli import main
    from tests.refdata import CORP_HOC_REP, CORP_MODERATION

    data = tmp_path / "corp.csv"
    cm.datasets.load_corp_rep().to_csv(data, index=False)
    mod = tmp_path / "mod.txt"
    mod.write_text(CORP_MODERATION)
    args = [str(mod), str(data), "--missing", "mean", "--missing-values", "-99", "--quiet"]
    assert main(["fit", *args, "--interaction", "orthogonal", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["settings"]["interaction"] == "orthogonal"
    row = [r for r in out["params"] if r["rhs"] == "CUSA:SC" and r["op"] == "~"]
    assert len(row) == 1
    hoc = tmp_path / "hoc.txt"
    hoc.write_text(CORP_HOC_REP)
    hoc_args = [str(hoc), str(data), "--missing", "mean", "--missing-values", "-99"]
    assert main(["fit", *hoc_args, "--higher-order", "repeated_indicators"]) == 0
    assert "REP of COMP, LIKE (repeated_indicators)" in capsys.readouterr().out
    assert main(["fit", *args, "--estimator", "plsc", "--interaction", "two_stage", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["settings"]["interaction"] == "two_stage"
    assert [r for r in out["params"] if r["rhs"] == "CUSA:SC" and r["op"] == "~"]
    assert main(["fit", *args, "--estimator", "plsc", "--interaction", "orthogonal"]) == 2
    assert "PLSc estimates interaction terms with --interaction two_stage" in (
        capsys.readouterr().err
    )
    assert main(["fit", *hoc_args, "--estimator", "plsc", "--higher-order", "two_stage"]) == 2
    assert "--higher-order applies to --estimator pls only" in capsys.readouterr().err
    assert main(["fit", *args, "--estimator", "cbsem", "--interaction", "two_stage"]) == 2
    assert "apply to --estimator pls only" in capsys.readouterr().err
